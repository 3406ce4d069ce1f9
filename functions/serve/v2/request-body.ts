/**
 * @module serve/v2/request-body
 * What an infer body must pass before it is read. Stock Open Inference Protocol clients
 * (Triton's tritonclient.http) post infer bodies with no Content-Type at all, and the protocol's
 * body is JSON whatever the header says: the infer routes read such a body as JSON, and here it
 * gets the same size limit declared JSON gets. The binary tensor data extension is not
 * supported, and a request that uses it is told so plainly instead of failing as malformed JSON.
 */
import type { MiddlewareHandler } from "hono";
import { SkiffError } from "../../lib/errors.ts";
import { jsonBodyLimit } from "../../lib/http/json-body-limit.ts";

export function inferBody(maxBytes: number): MiddlewareHandler {
  const limit = jsonBodyLimit(maxBytes, { untyped: true });
  return async function inferBodyMiddleware(c, next) {
    if (c.req.method !== "POST") return next();
    if (c.req.header("inference-header-content-length") !== undefined) {
      throw new SkiffError(
        "invalid_request",
        "the binary tensor data extension is not supported; send tensors as JSON (tritonclient: binary_data=False)",
      );
    }
    if (c.req.header("content-type") !== undefined) return next();
    return limit(c, next);
  };
}
