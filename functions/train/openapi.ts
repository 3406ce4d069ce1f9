/**
 * @module train/openapi
 * train's OpenAPI document, from its route definitions. Every route is behind the bearer token,
 * and every write is conditional on what storage holds (versions claimed, aliases compared and
 * set).
 */
import { documentOf } from "../lib/openapi-document.ts";
import { datasetRouteDefinitions } from "./datasets/definitions.ts";
import { registryRouteDefinitions } from "./registry/definitions.ts";
import { runRouteDefinitions } from "./runs/definitions.ts";

export function trainOpenApiDocument() {
  return documentOf(
    "skiff train",
    [...datasetRouteDefinitions, ...runRouteDefinitions, ...registryRouteDefinitions],
    { bearer: true, conditionalWrites: true },
  );
}
