/**
 * @module http/require-json
 * Refuses a body that is not declared as JSON with 415, before any validator sees it (a
 * validator would otherwise read a missing or wrong content type as an empty object).
 */
import type { MiddlewareHandler } from "hono";
import { UnsupportedMediaTypeError } from "../errors.ts";

export function requireJson(): MiddlewareHandler {
  return async function requireJsonMiddleware(c, next) {
    const type = c.req.header("content-type");
    if (type === undefined || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
      throw new UnsupportedMediaTypeError("application/json", type);
    }
    await next();
  };
}
