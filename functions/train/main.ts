/**
 * Entry point of the deployed train function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { createTrainApp } from "./app.ts";
import { trainEnv } from "./config.ts";
import { trainContexts } from "./context.ts";
import { setUpTrain } from "./setup.ts";

const env = loadConfigOrExit(trainEnv);
await runFunction("train", env, (deps) => {
  const store = ObjectStore.fromEnv(env);
  const parts = setUpTrain(env, store, deps);
  const app = createTrainApp({
    ...deps,
    token: env.SKIFF_API_TOKEN,
    ...trainContexts(env, store, parts),
    jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
  });
  return { app, shutdownHooks: parts.shutdownHooks };
});
