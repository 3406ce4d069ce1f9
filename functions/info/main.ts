/**
 * Entry point of the deployed info function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { createInfoApp } from "./app.ts";
import { infoEnv } from "./config.ts";
import { documentsOf } from "./documents.ts";

const env = loadConfigOrExit(infoEnv);
await runFunction("info", env, (deps) => ({
  app: createInfoApp({
    ...deps,
    store: ObjectStore.fromEnv(env),
    serviceUrls: env.SKIFF_SERVICE_URLS,
    otherDocuments: () => documentsOf(Object.keys(env.SKIFF_SERVICE_URLS)),
    jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
  }),
}));
