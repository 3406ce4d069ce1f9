/**
 * @module http/json-body-limit
 * Puts every JSON body a function reads under the body limit. `c.req.json()`, whoever calls it
 * (a route, or Hono's validator, which has no limit of its own), reads through the one JSON
 * reader (json-body.ts): counted as it arrives, decoded, bounded in depth. A body declared as
 * JSON is also refused at once when its declared length is over the limit or its encoding is
 * one skiff cannot decode, before any route runs.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { InternalError, PayloadTooLargeError } from "../errors.ts";
import { readJson } from "./json-body.ts";
import { isJsonMediaType } from "./json-media-type.ts";
import { contentCodingOf, JSON_LIMIT_SETTING } from "./request-body.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The function's body limit, for routes that read a body whole in some other form. */
    bodyLimitBytes: number;
  }
}

/** The body limit the function's spine set for this request. */
export function bodyLimitOf(c: Context): number {
  const limit = c.get("bodyLimitBytes");
  // Reading a body without its limit would be the very bug the limit exists for.
  if (limit === undefined) throw new InternalError("no body limit is set for this request");
  return limit;
}

export function jsonBodyLimit(maxBytes: number): MiddlewareHandler {
  const tooLarge = () => new PayloadTooLargeError(maxBytes, JSON_LIMIT_SETTING);
  // Hono's validator turns any failure to read into "malformed JSON"; a chunked body counted
  // here, outside the reader, still gets its 413.
  const counted = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge();
    },
  });
  return async function jsonBodyLimitMiddleware(c, next) {
    c.set("bodyLimitBytes", maxBytes);
    let parsed: Promise<unknown> | undefined;
    c.req.json = (() => {
      parsed ??= readJson(c, maxBytes);
      return parsed;
    }) as typeof c.req.json;
    if (!isJsonMediaType(c.req.header("content-type"))) return next();
    contentCodingOf(c.req.header("content-encoding"));
    // A declared length is checked from the header alone (the HTTP parser never delivers more
    // than it declares), which keeps the Node adapter on its fast path of reading the body.
    const declared = c.req.header("content-length");
    if (declared === undefined || !/^\d+$/.test(declared)) return counted(c, next);
    if (Number(declared) > maxBytes) throw tooLarge();
    await next();
  };
}
