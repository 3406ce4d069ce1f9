/**
 * @module train/context
 * Builds the contexts train's routes share from its settings and parts, for the deployed entry
 * point and local mode alike.
 */
import type { ObjectStore } from "../lib/storage/object-store.ts";
import type { TrainEnv } from "./config.ts";
import { type DatasetsContext, datasetsContext } from "./datasets/context.ts";
import type { RegistryContext } from "./registry/routes.ts";
import type { RunsContext } from "./runs/routes.ts";
import type { TrainParts } from "./setup.ts";

export function trainContexts(
  env: TrainEnv,
  store: ObjectStore,
  parts: TrainParts,
): { datasets: DatasetsContext; runs: RunsContext; registry: RegistryContext } {
  return {
    registry: { store, modelUploadMaxBytes: env.SKIFF_MODEL_UPLOAD_MAX_BYTES },
    datasets: datasetsContext(store, env, parts.writes),
    runs: {
      store,
      runs: parts.runs,
      executor: parts.executor,
      eventsPollMs: env.SKIFF_RUN_EVENTS_POLL_MS,
    },
  };
}
