/**
 * Entry point of the bootstrap command: `node dist/bootstrap.mjs` in the image, run by the
 * chart's post-install/post-upgrade hook Job. Exits 0 with one line saying what it did, or 1
 * with one line saying why not.
 */
import { ConfigError, parseEnv } from "../lib/config.ts";
import { ObjectStore } from "../lib/storage/object-store.ts";
import { bootstrap, describeFailure } from "./bootstrap.ts";
import { bootstrapEnv } from "./config.ts";

const say = (stream: NodeJS.WriteStream, line: string) =>
  stream.write(`skiff bootstrap: ${line}\n`);

try {
  const env = parseEnv(bootstrapEnv, process.env);
  const line = await bootstrap({
    store: ObjectStore.fromEnv(env),
    expiryDays: env.SKIFF_PREDICTIONS_EXPIRY_DAYS,
    retrySeconds: env.SKIFF_BOOTSTRAP_RETRY_SECONDS,
    onRetry: (progress) => say(process.stderr, progress),
  });
  say(process.stdout, `done: ${line}`);
  process.exitCode = 0;
} catch (error) {
  const reason = error instanceof ConfigError ? error.message : describeFailure(error);
  say(process.stderr, `failed: ${reason}`);
  process.exitCode = 1;
}
