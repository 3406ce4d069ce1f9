/**
 * The dataset routes on the real app spine, as the train function mounts them, for tests that
 * call them in-process.
 */
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../../functions/lib/http/function-app.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { type DatasetsContext, mountDatasets } from "../../functions/train/datasets/routes.ts";
import { capturedLogger } from "./logs.ts";

export function datasetsTestApp(context: DatasetsContext): Hono {
  const routes = createRoutes();
  mountDatasets(routes, context);
  const readiness = new Readiness();
  readiness.markStarted();
  return createFunctionApp(routes, {
    name: "train",
    prefix: "/train",
    logger: capturedLogger("train").logger,
    readiness,
    jsonBodyLimitBytes: 1024 * 1024,
  });
}
