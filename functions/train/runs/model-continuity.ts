/**
 * @module train/runs/model-continuity
 * A run that publishes under a model name that already has versions becomes what unpinned
 * callers get (the newest version, when no `production` alias says otherwise). So its target,
 * task and features (names, order and types) must be those of the version callers get today;
 * a run that changes them is refused unless it says `replace: true`.
 */
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import type { ModelFeature } from "../../lib/storage/model-record.ts";
import { ModelRepository } from "../../lib/storage/model-repository.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";

/** What a run will publish, as far as callers are concerned. */
export interface ModelInterface {
  model: string;
  task: "classification" | "regression";
  target: string;
  features: ReadonlyArray<Pick<ModelFeature, "name" | "type">>;
}

const quoted = (value: string | undefined) => (value === undefined ? "none" : `"${value}"`);
const listed = (features: ModelInterface["features"]) =>
  `[${features.map((f) => f.name).join(", ")}]`;

/** The ways `run` differs from `existing`, each as one readable phrase. */
export function differencesOf(
  existing: Omit<ModelInterface, "model" | "target"> & { target?: string },
  run: ModelInterface,
): string[] {
  const differences: string[] = [];
  if (existing.target !== run.target) {
    differences.push(`target differs: existing ${quoted(existing.target)}, run "${run.target}"`);
  }
  if (existing.task !== run.task) {
    differences.push(`task differs: existing "${existing.task}", run "${run.task}"`);
  }
  const sameNames =
    existing.features.length === run.features.length &&
    existing.features.every((f, i) => f.name === run.features[i]?.name);
  if (!sameNames) {
    differences.push(
      `features differ: existing ${listed(existing.features)}, run ${listed(run.features)}`,
    );
  } else {
    existing.features.forEach((f, i) => {
      const type = run.features[i]?.type;
      if (f.type !== type) {
        differences.push(`feature "${f.name}" type differs: existing ${f.type}, run ${type}`);
      }
    });
  }
  return differences;
}

/**
 * Refuses with a 409 a run that would change what unpinned callers of `run.model` get, naming
 * each difference, unless `replace` is set. A model without versions takes any run.
 */
export async function checkModelContinuity(
  store: ObjectStore,
  run: ModelInterface,
  replace: boolean,
): Promise<void> {
  if (replace) return;
  const repository = new ModelRepository(store);
  let version: string;
  try {
    version = await repository.resolve(run.model);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    throw error;
  }
  const hint = `; set "replace": true to make this run what unpinned callers of model ${run.model} get`;
  let existing: Awaited<ReturnType<ModelRepository["readRecord"]>>;
  try {
    existing = await repository.readRecord(run.model, version);
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    throw new ConflictError(
      `version ${version} of model ${run.model}, the one unpinned callers get, cannot be read to compare with${hint}`,
    );
  }
  const differences = differencesOf(existing, run);
  if (differences.length > 0) {
    throw new ConflictError(
      `model ${run.model} version ${version} (what unpinned callers get) is not what this run trains: ${differences.join("; ")}${hint}`,
    );
  }
}
