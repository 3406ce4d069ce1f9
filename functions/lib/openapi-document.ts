/**
 * @module openapi-document
 * A function's OpenAPI document built from its route definitions alone, so the info function
 * can publish every function's API without starting any of them. Every route gets the error
 * answers its shape implies (openapi-error-responses.ts) and, behind a token, the bearer scheme,
 * so the reference page can send the token.
 */
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { type ErrorRules, withErrorResponses } from "./openapi-error-responses.ts";
import { product } from "./product.ts";

export const BEARER_SCHEME = "bearer";

export function documentOf(
  title: string,
  routes: Array<RouteConfig & { middleware?: unknown }>,
  rules: ErrorRules = {},
) {
  const doc = new OpenAPIHono();
  if (rules.bearer) {
    doc.openAPIRegistry.registerComponent("securitySchemes", BEARER_SCHEME, {
      type: "http",
      scheme: "bearer",
      description: "The API token (SKIFF_API_TOKEN): `Authorization: Bearer <token>`",
    });
  }
  for (const route of routes) {
    // Middleware belongs to the server, not the document (openapi() strips it the same way).
    const { middleware: _middleware, ...definition } = route;
    const declared = withErrorResponses(definition, rules);
    doc.openAPIRegistry.registerPath(
      rules.bearer ? { ...declared, security: [{ [BEARER_SCHEME]: [] }] } : declared,
    );
  }
  return doc.getOpenAPI31Document({ openapi: "3.1.0", info: { title, version: product.version } });
}
