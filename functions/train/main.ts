/**
 * Entry point of the deployed train function.
 */
import { loadConfigOrExit } from "../lib/config.ts";
import { runFunction } from "../lib/run-function.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { buildTrain } from "./build.ts";
import { trainEnv } from "./config.ts";

const env = loadConfigOrExit(trainEnv);
await runFunction("train", env, (deps) => buildTrain(env, ObjectStore.fromEnv(env), deps));
