/**
 * Entry point of the deployed not-found function (the Ingress default backend).
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { createNotFoundApp } from "./app.ts";
import { notFoundEnv } from "./config.ts";

const env = loadConfigOrExit(notFoundEnv);
await runFunction("not-found", env, (deps) => ({
  app: createNotFoundApp({ ...deps, routes: env.SKIFF_ROUTES }),
}));
