/**
 * @module not-found/build
 * Builds the not-found function from its settings: the routes that exist, listed in every 404.
 * The deployed entry point and local mode both build not-found here.
 */
import type { BuiltFunction, FunctionDeps } from "../lib/run-function.ts";
import { createNotFoundApp } from "./app.ts";
import type { NotFoundEnv } from "./config.ts";

export function buildNotFound(env: NotFoundEnv, deps: FunctionDeps): BuiltFunction {
  return { app: createNotFoundApp({ ...deps, routes: env.SKIFF_ROUTES }) };
}
