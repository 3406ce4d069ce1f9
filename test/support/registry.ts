/**
 * The registry's write routes on the real app spine, as the train function mounts them, for
 * tests that call them in-process.
 */
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../../functions/lib/http/function-app.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { mountRegistry, type RegistryContext } from "../../functions/train/registry/routes.ts";
import { capturedLogger } from "./logs.ts";

export function registryTestApp(context: RegistryContext): Hono {
  const routes = createRoutes();
  mountRegistry(routes, context);
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
