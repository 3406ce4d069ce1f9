/**
 * @module storage/model-repository
 * Finds what serve can load: which version a request means, and the verified bytes and record
 * of that version. It reads by exact keys only and reports a missing, corrupt or tampered model
 * as such, never as a half-loaded one.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { InternalError, ModelNotFoundError } from "../errors.ts";
import { layout } from "./layout.ts";
import { listVersions, readAliases } from "./model-catalogue.ts";
import { type ModelRecord, modelRecordSchema } from "./model-record.ts";
import type { ObjectStore } from "./object-store.ts";

/** The alias a request without a version follows, when the model has it. */
export const DEFAULT_ALIAS = "production";

export interface StoredModel {
  name: string;
  version: string;
  record: ModelRecord;
  onnx: Uint8Array;
}

export interface ModelCatalogue {
  /** alias → version, as aliases.json has them. */
  aliases: Record<string, string>;
  /** Oldest first. */
  versions: string[];
}

/** The `production` alias when it names a version that exists, else the newest version. */
export function defaultVersionOf(name: string, catalogue: ModelCatalogue): string {
  const aliased = catalogue.aliases[DEFAULT_ALIAS];
  if (aliased !== undefined && catalogue.versions.includes(aliased)) return aliased;
  const newest = catalogue.versions.at(-1);
  if (newest === undefined) throw new ModelNotFoundError(name);
  return newest;
}

/** A model whose stored files are missing or do not match each other. */
export class CorruptModelError extends InternalError {}

export class ModelRepository {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** The version a request without one means: the `production` alias, else the newest. */
  async resolve(name: string): Promise<string> {
    return defaultVersionOf(name, await this.catalogue(name));
  }

  /** The model's versions and aliases as stored now: one list and one read. */
  async catalogue(name: string): Promise<ModelCatalogue> {
    const [aliases, versions] = await Promise.all([
      readAliases(this.#store, name),
      listVersions(this.#store, name),
    ]);
    return { aliases, versions };
  }

  /** Every version of `name`, oldest first. */
  versions(name: string): Promise<string[]> {
    return listVersions(this.#store, name);
  }

  async readRecord(name: string, version: string): Promise<ModelRecord> {
    let stored: unknown;
    try {
      stored = await this.#store.getJson(layout.modelMeta(name, version), z.unknown());
    } catch (error) {
      throw new CorruptModelError(`model ${name} version ${version}: model.json is not JSON`, {
        cause: error,
      });
    }
    if (stored === undefined) throw new ModelNotFoundError(name, version);
    const parsed = modelRecordSchema.safeParse(stored);
    if (!parsed.success) {
      // The fields and what is wrong with them: whoever wrote the file needs them to fix it.
      const issues = parsed.error.issues
        .map((issue) => `${["model.json", ...issue.path.map(String)].join(".")}: ${issue.message}`)
        .join("; ");
      throw new CorruptModelError(`model ${name} version ${version}: ${issues}`, {
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  /** The record and the ONNX bytes, checked against the record's sha256. */
  async read(name: string, version: string): Promise<StoredModel> {
    const record = await this.readRecord(name, version);
    const onnx = await this.#store.getBytes(layout.modelOnnx(name, version));
    if (onnx === undefined) {
      throw new CorruptModelError(`model ${name} version ${version}: model.onnx is missing`);
    }
    const digest = createHash("sha256").update(onnx).digest("hex");
    if (digest !== record.sha256) {
      throw new CorruptModelError(
        `model ${name} version ${version}: model.onnx does not match the sha256 in model.json`,
      );
    }
    return { name, version, record, onnx };
  }
}
