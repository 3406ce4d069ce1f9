/**
 * @module serve/v2/request-body
 * Reading an infer body. Stock Open Inference Protocol clients (Triton's tritonclient.http) post
 * JSON bodies with no Content-Type at all, and the protocol's body is JSON whatever the header
 * says: such a body is read as JSON and gets the limit declared JSON gets. A body sent with the
 * binary tensor data extension (tritonclient's default) is JSON followed by raw tensor bytes;
 * it is read whole, under the same limit, whatever its declared type.
 */
import type { Context, MiddlewareHandler } from "hono";
import { bufferedBodyLimit, jsonBodyLimit } from "../../lib/http/json-body-limit.ts";
import { readJsonBody } from "../../lib/http/lean-route.ts";
import { BINARY_HEADER, BinaryTail, splitBinaryBody } from "./binary-data.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The raw tensors after an infer body's JSON, when it uses the binary extension. */
    binaryTail: BinaryTail;
  }
}

export function inferBodyLimit(maxBytes: number): MiddlewareHandler {
  const json = jsonBodyLimit(maxBytes, { untyped: true });
  const any = bufferedBodyLimit(maxBytes);
  return async function inferBodyLimitMiddleware(c, next) {
    if (c.req.method !== "POST") return next();
    if (c.req.header(BINARY_HEADER) !== undefined) return any(c, next);
    if (c.req.header("content-type") !== undefined) return next();
    return json(c, next);
  };
}

/** The infer request's JSON; the binary tensors after it, if any, go to `binaryTail`. */
export async function readInferBody(c: Context): Promise<unknown> {
  const header = c.req.header(BINARY_HEADER);
  if (header === undefined) return readJsonBody(c, { untypedJson: true });
  const { json, tail } = splitBinaryBody(new Uint8Array(await c.req.arrayBuffer()), header);
  c.set("binaryTail", new BinaryTail(tail));
  return json;
}
