/**
 * Entry point of the deployed serve function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { buildServe } from "./build.ts";
import { serveEnv } from "./config.ts";

const env = loadConfigOrExit(serveEnv);
await runFunction("serve", env, (deps) => buildServe(env, ObjectStore.fromEnv(env), deps));
