/**
 * @module serve/openapi
 * serve's OpenAPI document, from its route definitions: no model runtime is loaded.
 */
import { documentOf } from "../lib/openapi-document.ts";
import { defaultPredictRoute, predictRoute } from "./predict/definitions.ts";
import { v2RouteDefinitions } from "./v2/definitions.ts";

export function serveOpenApiDocument() {
  return documentOf("skiff serve", [predictRoute, defaultPredictRoute, ...v2RouteDefinitions]);
}
