/**
 * `npm start`: runs the platform locally and prints where everything is. Ctrl-C stops it all.
 */
import { loadConfigOrExit } from "../functions/lib/config.ts";
import { createLogDestination, createLogger } from "../functions/lib/logger.ts";
import { product } from "../functions/lib/product.ts";
import { exitOnSignals } from "../functions/lib/server.ts";
import { localEnv } from "./config.ts";
import { type RunningPlatform, startPlatform } from "./platform.ts";

const env = loadConfigOrExit(localEnv);
const destination = createLogDestination();
const logger = createLogger({ fn: "local", level: env.SKIFF_LOG_LEVEL, destination });
const started = performance.now();

let platform: RunningPlatform;
try {
  platform = await startPlatform(env, destination);
} catch (error) {
  process.stderr.write(
    `skiff: could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
exitOnSignals(logger, () => platform.close());

const infoHost = platform.routes.find(
  (h) => h.host !== platform.routes[0]?.host && h.paths.some((p) => p.function === "info"),
)?.host;
const lines = [
  "",
  `skiff ${product.version} is running at ${platform.url} (ready in ${Math.round(performance.now() - started)} ms)`,
  "",
  `  catalogue      ${platform.url}/info`,
  `  API reference  ${platform.url}/info/docs`,
  `  storage        MinIO at ${platform.minioEndpoint}, data in ${platform.dataDir}`,
  `  metrics        http://localhost:${platform.adminPort}/metrics`,
  `  functions      ${platform.running.join(", ")}`,
  `  API token      ${platform.token}   (train and registry writes: Authorization: Bearer <token>)`,
  "",
  "Try:",
  `  curl ${platform.url}/info`,
  `  curl -X PUT ${platform.url}/train/datasets/iris -H 'Authorization: Bearer ${platform.token}' -H 'content-type: text/csv' --data-binary @examples/iris.csv`,
  ...(infoHost ? [`  curl -H 'Host: ${infoHost}' ${platform.url}/`] : []),
  "",
  "Ctrl-C stops everything.",
  "",
];
process.stdout.write(`${lines.join("\n")}\n`);
