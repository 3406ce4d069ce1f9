/**
 * @module serve/v2/request-body
 * Reading an infer body. Stock Open Inference Protocol clients (Triton's tritonclient.http) post
 * JSON bodies with no Content-Type at all, and the protocol's body is JSON whatever the header
 * says: such a body is read as JSON. A body sent with the binary tensor data extension
 * (tritonclient's default) is JSON followed by raw tensor bytes, whatever its declared type; its
 * header counts the JSON's bytes after any Content-Encoding is decoded. Either way the body is
 * read under the function's body limit, counted after decoding.
 */
import type { Context } from "hono";
import { bodyLimitOf } from "../../lib/http/json-body-limit.ts";
import { readJsonBody } from "../../lib/http/lean-route.ts";
import { readBodyBytes } from "../../lib/http/request-body.ts";
import { BINARY_HEADER, BinaryTail, splitBinaryBody } from "./binary-data.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** The raw tensors after an infer body's JSON, when it uses the binary extension. */
    binaryTail: BinaryTail;
  }
}

/** The infer request's JSON; the binary tensors after it, if any, go to `binaryTail`. */
export async function readInferBody(c: Context): Promise<unknown> {
  const header = c.req.header(BINARY_HEADER);
  if (header === undefined) return readJsonBody(c, { untypedJson: true });
  const body = await readBodyBytes(c, bodyLimitOf(c));
  const { json, tail } = splitBinaryBody(body, header);
  c.set("binaryTail", new BinaryTail(tail));
  return json;
}
