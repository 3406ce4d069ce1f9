/**
 * @module http/request-id
 * Gives every request an id: the caller's `X-Request-Id` when it is sane (so a trace spans the
 * Ingress and the function), else a fresh UUID. The id is echoed in the response header.
 */
import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(options: { header?: string } = {}): MiddlewareHandler {
  const { header = "X-Request-Id" } = options;
  return async function requestIdMiddleware(c, next) {
    const given = c.req.header(header);
    const id = given !== undefined && SANE_ID.test(given) ? given : randomUUID();
    c.set("requestId", id);
    c.header(header, id);
    await next();
  };
}
