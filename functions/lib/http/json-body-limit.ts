/**
 * @module http/json-body-limit
 * Caps JSON request bodies. It buffers, so it is only for JSON; streaming uploads count their
 * own bytes instead. A declared Content-Length is checked from the header alone (the HTTP parser
 * never delivers more than it declares), which keeps the Node adapter on its fast path of reading
 * the body directly; only a chunked body, whose length is unknown, is counted as it streams.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PayloadTooLargeError } from "../errors.ts";

/** Where the limit comes from: the env variable, and the chart value that sets it. */
export const JSON_LIMIT_SETTING = "SKIFF_JSON_BODY_LIMIT, chart value limits.requestBodyBytes";

/** Limits any body, whatever its type, to the JSON limit (a route that buffers it whole). */
export function bufferedBodyLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes, JSON_LIMIT_SETTING);
    },
  });
  return async function bufferedBodyLimitMiddleware(c, next) {
    const declared = c.req.header("content-length");
    if (declared === undefined || !/^\d+$/.test(declared)) return limit(c, next);
    if (Number(declared) > maxBytes) throw new PayloadTooLargeError(maxBytes, JSON_LIMIT_SETTING);
    await next();
  };
}

export function jsonBodyLimit(
  maxBytes: number,
  options: {
    /** Limit a body with no Content-Type too (a route that reads such bodies as JSON). */
    untyped?: boolean;
  } = {},
): MiddlewareHandler {
  const limit = bufferedBodyLimit(maxBytes);
  return async function jsonBodyLimitMiddleware(c, next) {
    const type = c.req.header("content-type");
    const json = type === undefined ? options.untyped : type.startsWith("application/json");
    if (!json) return next();
    return limit(c, next);
  };
}
