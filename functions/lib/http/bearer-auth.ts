/**
 * @module http/bearer-auth
 * Requires `Authorization: Bearer <token>`. Tokens are compared in constant time (as digests,
 * so the comparison does not leak the token's length either).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { UnauthorizedError } from "../errors.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

export function bearerAuth(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async function bearerAuthMiddleware(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      c.header("WWW-Authenticate", 'Bearer realm="skiff"');
      throw new UnauthorizedError();
    }
    await next();
  };
}
