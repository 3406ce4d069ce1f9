/**
 * Entry point of the deployed info function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { buildInfo } from "./build.ts";
import { infoEnv } from "./config.ts";

const env = loadConfigOrExit(infoEnv);
await runFunction("info", env, (deps) => buildInfo(env, ObjectStore.fromEnv(env), deps));
