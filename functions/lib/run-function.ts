/**
 * @module run-function
 * The shared entry point of a deployed function: logger, metrics, readiness, the admin port,
 * the public server on $PORT and graceful shutdown, wired the same way for every function.
 */
import type { Hono } from "hono";
import type { BaseEnv } from "./config.ts";
import { Readiness } from "./http/health.ts";
import { createMetrics, type HttpMetrics } from "./http/metrics.ts";
import { createLogger, type Logger } from "./logger.ts";
import {
  exitOnSignals,
  runHooks,
  type ShutdownHook,
  startAdminServer,
  startHttpServer,
} from "./server.ts";

export interface FunctionDeps {
  logger: Logger;
  metrics: HttpMetrics;
  readiness: Readiness;
}

export interface BuiltFunction {
  app: Hono;
  /** Run after the last request has been answered, in order (e.g. flush the prediction log). */
  shutdownHooks?: ShutdownHook[];
}

export async function runFunction(
  name: string,
  env: BaseEnv,
  build: (deps: FunctionDeps) => Promise<BuiltFunction> | BuiltFunction,
): Promise<void> {
  const logger = createLogger({ fn: name, level: env.SKIFF_LOG_LEVEL });
  const metrics = createMetrics();
  const readiness = new Readiness();
  const { app, shutdownHooks = [] } = await build({ logger, metrics, readiness });
  const admin = await startAdminServer({
    registry: metrics.registry,
    readiness,
    port: env.SKIFF_ADMIN_PORT,
  });
  const server = await startHttpServer({
    fetch: app.fetch,
    port: env.PORT,
    logger,
    readiness,
    drainTimeoutMs: env.SKIFF_DRAIN_TIMEOUT_MS,
  });
  logger.info({ port: server.port, adminPort: admin.port }, `${name} listening`);
  exitOnSignals(logger, async () => {
    await server.close();
    await runHooks(shutdownHooks, logger);
    await admin.close();
  });
}
