/**
 * @module serve/app
 * The serve function: named-feature prediction and the Open Inference Protocol over one model
 * registry, with every call written to the prediction log.
 */
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../lib/http/function-app.ts";
import type { FunctionDeps } from "../lib/run-function.ts";
import type { ServeContext } from "./context.ts";
import { mountPredict } from "./predict/routes.ts";
import { createV2Routes } from "./v2/routes.ts";

export const SERVE_PREFIX = "/serve";
/** Where the Open Inference Protocol's paths start, below the function's root or its prefix. */
export const V2_ROOT = "/v2";

export interface ServeAppOptions extends FunctionDeps {
  context: ServeContext;
  jsonBodyLimitBytes: number;
}

export function createServeApp(options: ServeAppOptions): Hono {
  const routes = createRoutes();
  mountPredict(routes, options.context);
  routes.route("/", createV2Routes(options.context, options.readiness));
  return createFunctionApp(routes, {
    name: "serve",
    prefix: SERVE_PREFIX,
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    jsonBodyLimitBytes: options.jsonBodyLimitBytes,
    protocolRoots: [V2_ROOT, `${SERVE_PREFIX}${V2_ROOT}`],
  });
}
