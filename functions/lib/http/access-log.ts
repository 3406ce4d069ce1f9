/**
 * @module http/access-log
 * Exactly one JSON line per request when it ends: who asked what, the answer's status, how long
 * it took, and for server errors the error with its stack (never sent to the client).
 */
import type { Context } from "hono";
import type { Logger } from "../logger.ts";
import { CLIENT_CLOSED_REQUEST } from "./client-closed.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the error handler so the access log can report what went wrong. */
    failure: Error;
  }
}

/** `status` is what the client got: the answer's, or 499 when it closed the connection first. */
export function logRequest(logger: Logger, c: Context, status: number, durationMs: number): void {
  const line = {
    requestId: c.get("requestId"),
    method: c.req.method,
    host: c.req.header("host"),
    path: c.req.path,
    route: c.req.routePath,
    status,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  const failure = c.get("failure");
  // Only a server fault is an error; "not ready yet" (503) or a timeout is a warning, and a
  // client's mistake or a client that hung up is ordinary traffic.
  if (status === CLIENT_CLOSED_REQUEST)
    logger.info({ ...line, error: failure?.message }, "client closed the connection");
  else if (status >= 500 && status !== 503 && status !== 504)
    logger.error({ ...line, err: failure }, "request failed");
  else if (status >= 500) logger.warn({ ...line, error: failure?.message }, "request not served");
  else if (failure !== undefined)
    logger.info({ ...line, error: failure.message }, "request refused");
  else logger.info(line, "request");
}
