/**
 * @module serve/openapi
 * serve's OpenAPI document, built from its route definitions alone, so the info function can
 * publish it without loading a model runtime.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { product } from "../lib/product.ts";
import { predictRoute } from "./predict/definitions.ts";
import { v2RouteDefinitions } from "./v2/definitions.ts";

export function serveOpenApiDocument() {
  const doc = new OpenAPIHono();
  for (const route of [predictRoute, ...v2RouteDefinitions])
    doc.openAPIRegistry.registerPath(route);
  return doc.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "skiff serve", version: product.version },
  });
}
