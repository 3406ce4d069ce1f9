/**
 * @module serve/build
 * Builds the serve function from its settings: registry, prediction log, preloading and
 * readiness, the app over them, and the shutdown hooks that flush the log. The deployed entry
 * point, local mode and the tests all build serve here, so each runs the same function.
 */
import type { Hono } from "hono";
import { warnIfBindingUnusable } from "../lib/onnx/native-session.ts";
import type { BuiltFunction, FunctionDeps } from "../lib/run-function.ts";
import type { ShutdownHook } from "../lib/server.ts";
import { ModelRepository } from "../lib/storage/model-repository.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import { createServeApp } from "./app.ts";
import type { ServeEnv } from "./config.ts";
import type { ServeContext } from "./context.ts";
import { createServeMetrics } from "./metrics.ts";
import { PredictionLog } from "./prediction-log.ts";
import { ModelRegistry } from "./registry.ts";

export interface BuiltServe extends BuiltFunction {
  app: Hono;
  /** What serve's routes share: its registry, metrics and prediction log. */
  context: ServeContext;
  shutdownHooks: ShutdownHook[];
}

export function buildServe(env: ServeEnv, store: ObjectStore, deps: FunctionDeps): BuiltServe {
  warnIfBindingUnusable(deps.logger);
  const metrics = createServeMetrics(deps.metrics.registry);
  const registry = new ModelRegistry({
    repository: new ModelRepository(store),
    logger: deps.logger,
    metrics,
    maxModels: env.SKIFF_MODEL_CACHE_MAX_MODELS,
    maxBytes: env.SKIFF_MODEL_CACHE_MAX_BYTES,
    aliasRefreshMs: env.SKIFF_ALIAS_REFRESH_MS,
    loadTimeoutMs: env.SKIFF_MODEL_LOAD_TIMEOUT_MS,
    retryMs: env.SKIFF_MODEL_RETRY_MS,
    batchMaxRows: env.SKIFF_BATCH_MAX_ROWS,
  });
  const log = env.SKIFF_PREDICTION_LOG_ENABLED
    ? new PredictionLog({
        store,
        logger: deps.logger,
        metrics,
        batchSize: env.SKIFF_PREDICTION_LOG_BATCH,
        batchBytes: env.SKIFF_PREDICTION_LOG_BATCH_BYTES,
        maxAgeMs: env.SKIFF_PREDICTION_LOG_MAX_AGE_MS,
        maxBuffered: env.SKIFF_PREDICTION_LOG_MAX_BUFFER,
        maxBufferedBytes: env.SKIFF_PREDICTION_LOG_MAX_BUFFER_BYTES,
      })
    : undefined;

  // Ready means "the preloaded models are in memory": the first request after a scale from
  // zero must find its model loaded. A failed preload is retried until it succeeds.
  const preload = env.PRELOAD_MODELS;
  let pending =
    preload.length > 0 ? `loading models ${preload.map((r) => r.name).join(", ")}` : undefined;
  deps.readiness.addCheck(() => pending);
  const attempt = (delayMs: number) => {
    registry.preload(preload).then(
      () => {
        pending = undefined;
      },
      (error: unknown) => {
        pending = `preloading failed: ${(error as Error).message}`;
        deps.logger.error({ err: error }, "preloading models failed; retrying");
        // Capped low: a model published late should be picked up within seconds.
        setTimeout(() => attempt(Math.min(delayMs * 2, 5000)), delayMs).unref();
      },
    );
  };
  if (preload.length > 0) attempt(1000);

  const context: ServeContext = {
    registry,
    metrics,
    log,
    maxBatch: env.SKIFF_MAX_BATCH,
    defaultModel: env.SKIFF_DEFAULT_MODEL,
  };
  return {
    app: createServeApp({ ...deps, context, jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT }),
    context,
    shutdownHooks: [
      async () => log?.close(env.SKIFF_PREDICTION_LOG_FLUSH_TIMEOUT_MS),
      () => registry.close(),
    ],
  };
}
