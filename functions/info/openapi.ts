/**
 * @module info/openapi
 * Merges each function's OpenAPI document into one, with every path under the prefix the
 * function has on the API host, so the reference shows the API a user actually calls.
 */

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths?: Record<string, unknown>;
  components?: Record<string, unknown>;
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
  const components: Record<string, Record<string, unknown>> = {};
  for (const { prefix, document } of parts) {
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      paths[path === "/" ? prefix : `${prefix}${path}`] = item;
    }
    // Schemas, security schemes and any other section: one namespace per section for all.
    for (const [section, entries] of Object.entries(document.components ?? {})) {
      const merged = components[section] ?? {};
      components[section] = merged;
      for (const [name, entry] of Object.entries(entries as Record<string, unknown>)) {
        const existing = merged[name];
        // Two functions naming different shapes alike would silently corrupt the reference.
        if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(entry)) {
          throw new Error(`OpenAPI ${section} "${name}" is defined differently by two functions`);
        }
        merged[name] = entry;
      }
    }
  }
  return { openapi: "3.1.0", info, servers: [{ url: "/" }], paths, components };
}
