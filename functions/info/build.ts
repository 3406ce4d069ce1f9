/**
 * @module info/build
 * Builds the info function from its settings: the catalogue over the bucket, listing the
 * services at the URLs it is given and merging the API documents of those services. The
 * deployed entry point and local mode both build info here.
 */
import type { BuiltFunction, FunctionDeps } from "../lib/run-function.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import { createInfoApp } from "./app.ts";
import type { InfoEnv } from "./config.ts";
import { documentsOf } from "./documents.ts";

export function buildInfo(env: InfoEnv, store: ObjectStore, deps: FunctionDeps): BuiltFunction {
  return {
    app: createInfoApp({
      ...deps,
      store,
      serviceUrls: env.SKIFF_SERVICE_URLS,
      // A service with URLs is one that runs, so its document belongs in the reference.
      otherDocuments: () => documentsOf(Object.keys(env.SKIFF_SERVICE_URLS)),
      jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
    }),
  };
}
