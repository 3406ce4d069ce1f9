/**
 * @module http/request-id
 * Gives every request an id: the caller's `X-Request-Id` when it is sane (so a trace spans the
 * Ingress and the function), else a fresh UUID. The id is echoed in the response header.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";

declare module "hono" {
  interface ContextVariableMap {
    requestId: string;
  }
}

const REQUEST_ID_HEADER = "X-Request-Id";
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function assignRequestId(c: Context): void {
  const given = c.req.header(REQUEST_ID_HEADER);
  const id = given !== undefined && SANE_ID.test(given) ? given : randomUUID();
  c.set("requestId", id);
  c.header(REQUEST_ID_HEADER, id);
}
