/**
 * Entry point of the deployed not-found function (the Ingress default backend).
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { buildNotFound } from "./build.ts";
import { notFoundEnv } from "./config.ts";

const env = loadConfigOrExit(notFoundEnv);
await runFunction("not-found", env, (deps) => buildNotFound(env, deps));
