/**
 * @module serve/v2/request-body
 * How an infer body is read. Stock Open Inference Protocol clients (Triton's tritonclient.http)
 * post infer bodies with no Content-Type at all, and the protocol's body is JSON whatever the
 * header says: such a body is read as JSON, under the same size limit declared JSON gets (a
 * declared non-JSON type is still refused). The binary tensor data extension is not supported,
 * and a request that uses it is told so plainly instead of failing as malformed JSON.
 */
import type { MiddlewareHandler } from "hono";
import { SkiffError } from "../../lib/errors.ts";
import { jsonBodyLimit } from "../../lib/http/json-body-limit.ts";

export function inferBody(maxBytes: number): MiddlewareHandler {
  const limit = jsonBodyLimit(maxBytes);
  return async function inferBodyMiddleware(c, next) {
    if (c.req.method !== "POST") return next();
    if (c.req.header("inference-header-content-length") !== undefined) {
      throw new SkiffError(
        "invalid_request",
        "the binary tensor data extension is not supported; send tensors as JSON (tritonclient: binary_data=False)",
      );
    }
    if (c.req.header("content-type") !== undefined) return next();
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    c.req.raw = new Request(c.req.raw, { headers });
    return limit(c, next);
  };
}
