/**
 * @module serve/openapi
 * serve's OpenAPI document, from its route definitions: no model runtime is loaded.
 */
import { documentOf } from "../lib/openapi-document.ts";
import { defaultPredictRoute, predictRoute } from "./predict/definitions.ts";
import { v2RouteDefinitions } from "./v2/definitions.ts";
import { V2Error } from "./v2/schemas.ts";

export function serveOpenApiDocument() {
  return documentOf("skiff serve", [predictRoute, defaultPredictRoute, ...v2RouteDefinitions], {
    // The Open Inference Protocol's error body is a string, which its stock clients rely on.
    errorBody: (route) => (route.path.startsWith("/v2") ? V2Error : undefined),
  });
}
