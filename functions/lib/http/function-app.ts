/**
 * @module http/function-app
 * Wraps a function's routes in the spine every function shares: request id, access log,
 * metrics, JSON body limit, health and readiness, and the one error mapping. The routes answer
 * both at `/` and under the function's own prefix, so no Ingress ever rewrites a path.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { type Env, Hono, type Schema } from "hono";
import type { Logger } from "../logger.ts";
import { allowedMethodsOf } from "./allowed-methods.ts";
import { errorHandlers, rejectInvalid } from "./error-handler.ts";
import { mountHealth, type Readiness } from "./health.ts";
import { jsonBodyLimit } from "./json-body-limit.ts";
import type { HttpMetrics } from "./metrics.ts";
import { observeRequest } from "./observe-request.ts";

/**
 * A router whose schema failures become 400s naming the field. It has no error handler of its
 * own: what its routes throw reaches the function app's, which knows every path's error shape.
 */
export function createRoutes(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: (result) => rejectInvalid(result) });
}

export interface FunctionAppOptions {
  /** The function's name, as it appears in logs and metrics. */
  name: string;
  /** Public path prefix on the API host, e.g. `/info`; the routes answer at `/` too. */
  prefix?: string;
  logger: Logger;
  readiness: Readiness;
  metrics?: HttpMetrics;
  jsonBodyLimitBytes: number;
  /**
   * Path roots that speak the Open Inference Protocol (e.g. `/v2`): errors under them, unknown
   * routes included, answer `{"error": "<message>"}`.
   */
  protocolRoots?: readonly string[];
  /** Answer /healthz and /readyz on the public port (Knative probes them there). Default true. */
  publicHealth?: boolean;
}

export function createFunctionApp<E extends Env, S extends Schema, B extends string>(
  routes: Hono<E, S, B>,
  options: FunctionAppOptions,
): Hono {
  const app = new Hono();
  app.use(observeRequest({ fn: options.name, logger: options.logger, metrics: options.metrics }));
  app.use(jsonBodyLimit(options.jsonBodyLimitBytes));
  const errors = errorHandlers(options.protocolRoots, allowedMethodsOf(app));
  app.onError(errors.onError);
  app.notFound(errors.notFound);
  if (options.publicHealth ?? true) mountHealth(app, options.readiness);
  if (options.prefix) app.route(options.prefix, routes);
  app.route("/", routes);
  return app;
}
