/**
 * @module train/openapi
 * train's OpenAPI document, from its route definitions.
 */
import { documentOf } from "../lib/openapi-document.ts";
import { datasetRouteDefinitions } from "./datasets/definitions.ts";
import { registryRouteDefinitions } from "./registry/definitions.ts";
import { runRouteDefinitions } from "./runs/definitions.ts";

export function trainOpenApiDocument() {
  return documentOf("skiff train", [
    ...datasetRouteDefinitions,
    ...runRouteDefinitions,
    ...registryRouteDefinitions,
  ]);
}
