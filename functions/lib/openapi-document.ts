/**
 * @module openapi-document
 * A function's OpenAPI document built from its route definitions alone, so the info function
 * can publish every function's API without starting any of them.
 */
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { product } from "./product.ts";

export function documentOf(title: string, routes: Array<RouteConfig & { middleware?: unknown }>) {
  const doc = new OpenAPIHono();
  for (const route of routes) {
    // Middleware belongs to the server, not the document (openapi() strips it the same way).
    const { middleware: _middleware, ...definition } = route;
    doc.openAPIRegistry.registerPath(definition);
  }
  return doc.getOpenAPI31Document({ openapi: "3.1.0", info: { title, version: product.version } });
}
