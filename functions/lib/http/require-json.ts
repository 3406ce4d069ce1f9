/**
 * @module http/require-json
 * Refuses a body that is not declared as JSON with 415, before any validator sees it (a
 * validator would otherwise read a missing or wrong content type as an empty object).
 */
import type { MiddlewareHandler } from "hono";
import { UnsupportedMediaTypeError } from "../errors.ts";
import { isJsonMediaType } from "./json-media-type.ts";

/** Throws the 415 unless `type` (a Content-Type header) declares JSON. */
export function checkJsonType(type: string | undefined): void {
  if (!isJsonMediaType(type)) throw new UnsupportedMediaTypeError("application/json", type);
}

export function requireJson(): MiddlewareHandler {
  return async function requireJsonMiddleware(c, next) {
    checkJsonType(c.req.header("content-type"));
    await next();
  };
}
