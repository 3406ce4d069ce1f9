/**
 * @module info/openapi
 * Merges each function's OpenAPI document into one, with every path under the prefix the
 * function has on the API host, so the reference shows the API a user actually calls.
 */

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown>; [section: string]: unknown };
  [key: string]: unknown;
}

export interface FunctionDocument {
  prefix: string;
  document: OpenApiDocument;
}

export function mergeDocuments(
  parts: FunctionDocument[],
  info: { title: string; version: string; description: string },
): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const { prefix, document } of parts) {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      paths[path === "/" ? prefix : `${prefix}${path}`] = item;
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      const existing = schemas[name];
      // Two functions naming different shapes alike would silently corrupt the reference.
      if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(schema)) {
        throw new Error(`OpenAPI schema "${name}" is defined differently by two functions`);
      }
      schemas[name] = schema;
    }
  }
  return { openapi: "3.1.0", info, servers: [{ url: "/" }], paths, components: { schemas } };
}
