/**
 * Entry point of the deployed serve function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { createServeApp } from "./app.ts";
import { serveEnv } from "./config.ts";
import { setUpServe } from "./setup.ts";

const env = loadConfigOrExit(serveEnv);
await runFunction("serve", env, (deps) => {
  const { context, shutdownHooks } = setUpServe(env, ObjectStore.fromEnv(env), deps);
  return {
    app: createServeApp({ ...deps, context, jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT }),
    shutdownHooks,
  };
});
