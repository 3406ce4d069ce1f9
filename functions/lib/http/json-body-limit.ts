/**
 * @module http/json-body-limit
 * Caps JSON request bodies. It buffers, so it is only for JSON; streaming uploads count their
 * own bytes instead.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PayloadTooLargeError } from "../errors.ts";

/** Where the limit comes from: the env variable, and the chart value that sets it. */
export const JSON_LIMIT_SETTING = "SKIFF_JSON_BODY_LIMIT, chart value limits.requestBodyBytes";

export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes, JSON_LIMIT_SETTING);
    },
  });
  return async function jsonBodyLimitMiddleware(c, next) {
    const type = c.req.header("content-type") ?? "";
    if (type.startsWith("application/json")) return limit(c, next);
    await next();
  };
}
