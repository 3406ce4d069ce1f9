/**
 * @module storage/model-catalogue
 * Read side of the model registry: which models exist, their versions and aliases. A version
 * exists once its model.json does (it is written last), so versions are found by that exact key.
 */
import { z } from "zod";
import { layout, NAME_PATTERN } from "./layout.ts";
import { aliasesFileSchema, aliasesRecord, parseAliasesFile } from "./model-aliases.ts";
import type { ObjectStore } from "./object-store.ts";
import { listPublishedVersions } from "./version-claims.ts";

/** The parts of model.json the catalogue shows; the rest is kept as is. */
const versionSummarySchema = z.looseObject({
  task: z.string().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  createdAt: z.string().optional(),
});

export interface ModelVersionSummary {
  version: string;
  task: string | undefined;
  metrics: Record<string, number>;
  createdAt: string | undefined;
}

export interface ModelSummary {
  name: string;
  versions: ModelVersionSummary[];
  aliases: Record<string, string>;
  latest: string | undefined;
}

export function listVersions(store: ObjectStore, model: string): Promise<string[]> {
  return listPublishedVersions(store, layout.modelRoot(model), "model.json");
}

/** The model's aliases, alias → version, as an object without a prototype. */
export async function readAliases(
  store: ObjectStore,
  model: string,
): Promise<Record<string, string>> {
  const stored = await store.getJson(layout.modelAliases(model), aliasesFileSchema);
  return aliasesRecord(parseAliasesFile(stored).aliases);
}

async function describeModel(store: ObjectStore, name: string): Promise<ModelSummary> {
  const [versions, aliases] = await Promise.all([
    listVersions(store, name),
    readAliases(store, name),
  ]);
  const summaries = await Promise.all(
    versions.map(async (version): Promise<ModelVersionSummary> => {
      const meta = await store.getJson(layout.modelMeta(name, version), versionSummarySchema);
      return {
        version,
        task: meta?.task,
        metrics: meta?.metrics ?? {},
        createdAt: meta?.createdAt,
      };
    }),
  );
  return { name, versions: summaries, aliases, latest: versions.at(-1) };
}

/** Every model with at least one version, by name. */
export async function listModels(store: ObjectStore): Promise<ModelSummary[]> {
  const names = (await store.listChildren(layout.modelsRoot))
    .filter((n) => NAME_PATTERN.test(n))
    .sort();
  const models = await Promise.all(names.map((name) => describeModel(store, name)));
  return models.filter((m) => m.versions.length > 0);
}
