/**
 * @module http/observe-request
 * The one middleware around every request: it gives the request its id and, once answered,
 * writes its access-log line and its metrics, with the status the client got (499 when it
 * closed the connection before its answer). One layer rather than three keeps the
 * per-request cost of the spine down on the prediction routes.
 */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";
import { logRequest } from "./access-log.ts";
import { CLIENT_CLOSED_REQUEST, clientClosed } from "./client-closed.ts";
import { type HttpMetrics, recordRequest } from "./metrics.ts";
import { assignRequestId } from "./request-id.ts";

export function observeRequest(options: {
  fn: string;
  logger: Logger;
  metrics?: HttpMetrics;
}): MiddlewareHandler {
  const { fn, logger, metrics } = options;
  return async function observeRequestMiddleware(c, next) {
    const started = performance.now();
    assignRequestId(c);
    await next();
    const durationMs = performance.now() - started;
    const status = clientClosed(c) ? CLIENT_CLOSED_REQUEST : c.res.status;
    logRequest(logger, c, status, durationMs);
    if (metrics) recordRequest(metrics, fn, c, status, durationMs);
  };
}
