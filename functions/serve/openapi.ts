/**
 * @module serve/openapi
 * serve's OpenAPI document, built from its route definitions alone, so the info function can
 * publish it without loading a model runtime.
 */
import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import { product } from "../lib/product.ts";
import { defaultPredictRoute, predictRoute } from "./predict/definitions.ts";
import { v2RouteDefinitions } from "./v2/definitions.ts";

export function serveOpenApiDocument() {
  const doc = new OpenAPIHono();
  const routes: Array<RouteConfig & { middleware?: unknown }> = [
    predictRoute,
    defaultPredictRoute,
    ...v2RouteDefinitions,
  ];
  for (const route of routes) {
    // Middleware belongs to the server, not the document (openapi() strips it the same way).
    const { middleware: _middleware, ...definition } = route;
    doc.openAPIRegistry.registerPath(definition);
  }
  return doc.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "skiff serve", version: product.version },
  });
}
