/**
 * @module storage/model-repository
 * Finds what serve can load: which version a request means, and the verified bytes and record
 * of that version. It reads by exact keys only and reports a missing, corrupt or tampered model
 * as such, never as a half-loaded one.
 */
import { createHash } from "node:crypto";
import { InternalError, NotFoundError } from "../errors.ts";
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

/** A model whose stored files are missing or do not match each other. */
export class CorruptModelError extends InternalError {}

export class ModelRepository {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  /** The version a request without one means: the `production` alias, else the newest. */
  async resolve(name: string): Promise<string> {
    const [aliases, versions] = await Promise.all([
      readAliases(this.#store, name),
      listVersions(this.#store, name),
    ]);
    const aliased = aliases[DEFAULT_ALIAS];
    if (aliased !== undefined && versions.includes(aliased)) return aliased;
    const newest = versions.at(-1);
    if (newest === undefined) throw new NotFoundError(`model ${name} does not exist`);
    return newest;
  }

  /** Every version of `name`, oldest first. */
  versions(name: string): Promise<string[]> {
    return listVersions(this.#store, name);
  }

  async readRecord(name: string, version: string): Promise<ModelRecord> {
    let record: ModelRecord | undefined;
    try {
      record = await this.#store.getJson(layout.modelMeta(name, version), modelRecordSchema);
    } catch (error) {
      throw new CorruptModelError(`model ${name} version ${version}: model.json is invalid`, {
        cause: error,
      });
    }
    if (record === undefined) throw new NotFoundError(`model ${name} has no version ${version}`);
    return record;
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
