/**
 * @module info/documents
 * Which OpenAPI document each function publishes under which prefix, so info can merge the
 * documents of the functions that are deployed. Route definitions only: no runtime is loaded.
 */
import type { FunctionName } from "../lib/routing.ts";
import { serveOpenApiDocument } from "../serve/openapi.ts";
import { trainOpenApiDocument } from "../train/openapi.ts";
import type { FunctionDocument, OpenApiDocument } from "./openapi.ts";

const DOCUMENTS: Partial<Record<FunctionName, () => FunctionDocument>> = {
  serve: () => ({ prefix: "/serve", document: serveOpenApiDocument() as OpenApiDocument }),
  train: () => ({ prefix: "/train", document: trainOpenApiDocument() as OpenApiDocument }),
};

export function documentsOf(functions: Iterable<string>): FunctionDocument[] {
  return [...functions].flatMap((fn) => DOCUMENTS[fn as FunctionName]?.() ?? []);
}
