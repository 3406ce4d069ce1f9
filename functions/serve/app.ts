/**
 * @module serve/app
 * The serve function: named-feature prediction and the Open Inference Protocol over one model
 * registry, with every call written to the prediction log.
 */
import type { Hono, MiddlewareHandler } from "hono";
import { createFunctionApp, createRoutes } from "../lib/http/function-app.ts";
import { jsonBodyLimit } from "../lib/http/json-body-limit.ts";
import type { FunctionDeps } from "../lib/run-function.ts";
import type { ServeContext } from "./context.ts";
import { mountPredict } from "./predict/routes.ts";
import { createV2Routes } from "./v2/routes.ts";

export const SERVE_PREFIX = "/serve";

export interface ServeAppOptions extends FunctionDeps {
  context: ServeContext;
  jsonBodyLimitBytes: number;
}

export function createServeApp(options: ServeAppOptions): Hono {
  const routes = createRoutes();
  mountPredict(routes, options.context);
  routes.use("/v2/models/*", untypedAsJson(options.jsonBodyLimitBytes));
  routes.route("/", createV2Routes(options.context, options.readiness));
  return createFunctionApp(routes, {
    name: "serve",
    prefix: SERVE_PREFIX,
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    jsonBodyLimitBytes: options.jsonBodyLimitBytes,
  });
}

/**
 * Stock Open Inference Protocol clients (Triton's tritonclient.http) post infer bodies with no
 * Content-Type at all, and the protocol's body is JSON whatever the header says. So a body
 * without one is read as JSON, under the same size limit declared JSON gets; a declared
 * non-JSON type is still refused.
 */
function untypedAsJson(maxBytes: number): MiddlewareHandler {
  const limit = jsonBodyLimit(maxBytes);
  return async function untypedAsJsonMiddleware(c, next) {
    if (c.req.method !== "POST" || c.req.header("content-type") !== undefined) return next();
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    c.req.raw = new Request(c.req.raw, { headers });
    return limit(c, next);
  };
}
