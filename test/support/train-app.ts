/**
 * The train function's app spine, started and ready, around whichever of its routes a test
 * mounts, so in-process tests meet the same prefix, body limit and error answers as clients do.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../../functions/lib/http/function-app.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { capturedLogger } from "./logs.ts";

export function trainTestApp(mount: (routes: OpenAPIHono) => void): Hono {
  const routes = createRoutes();
  mount(routes);
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
