/**
 * @module train/build
 * Builds the train function from its settings: the run store, the executor the settings choose
 * (the Kubernetes one follows its Jobs from here until shutdown), the housekeeping sweep, the
 * contexts its routes share, the app behind the bearer token, and the shutdown hooks. The
 * deployed entry point, local mode and the tests all build train here, so each runs the same
 * function.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Hono } from "hono";
import { warnIfBindingUnusable } from "../lib/onnx/native-session.ts";
import type { BuiltFunction, FunctionDeps } from "../lib/run-function.ts";
import type { ShutdownHook } from "../lib/server.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import { createTrainApp } from "./app.ts";
import { chooseExecutor } from "./choose-executor.ts";
import type { TrainEnv } from "./config.ts";
import { datasetsContext } from "./datasets/context.ts";
import { WritesInFlight } from "./datasets/writes-in-flight.ts";
import type { RunExecutor } from "./executors/executor.ts";
import { startHousekeeping } from "./housekeeping.ts";
import { RunStore } from "./runs/run-store.ts";

export interface BuiltTrain extends BuiltFunction {
  app: Hono;
  runs: RunStore;
  executor: RunExecutor;
  shutdownHooks: ShutdownHook[];
}

export interface TrainBuildOptions {
  /** The API server to run Jobs through; the pod's in-cluster credentials when not given. */
  kubeConfig?: KubeConfig;
}

export function buildTrain(
  env: TrainEnv,
  store: ObjectStore,
  deps: FunctionDeps,
  options: TrainBuildOptions = {},
): BuiltTrain {
  // Registration loads every uploaded model the way serve does.
  warnIfBindingUnusable(deps.logger);
  const runs = new RunStore(store);
  const executor = chooseExecutor(env, runs, deps.logger, options.kubeConfig);
  const stopHousekeeping = startHousekeeping(env, store, runs, executor, deps.logger);
  const writes = new WritesInFlight();
  const app = createTrainApp({
    ...deps,
    token: env.SKIFF_API_TOKEN,
    registry: { store, modelUploadMaxBytes: env.SKIFF_MODEL_UPLOAD_MAX_BYTES },
    datasets: datasetsContext(store, env, writes),
    runs: { store, runs, executor, eventsPollMs: env.SKIFF_RUN_EVENTS_POLL_MS },
    jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
  });
  return {
    app,
    runs,
    executor,
    // Dataset writes under way end first, and their cleanup is waited for, before the rest stops.
    shutdownHooks: [() => writes.stop(), stopHousekeeping, () => executor.close()],
  };
}
