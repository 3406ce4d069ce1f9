/**
 * @module local/platform
 * The whole platform on one machine: a real MinIO server, every function in this process and
 * a gateway on one port that routes like the chart's Ingress.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { createInfoApp } from "../functions/info/app.ts";
import { documentsOf } from "../functions/info/documents.ts";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { Readiness } from "../functions/lib/http/health.ts";
import { createMetrics } from "../functions/lib/http/metrics.ts";
import { createLogger, type DestinationStream } from "../functions/lib/logger.ts";
import { type FunctionName, onlyFunctions, serviceUrls } from "../functions/lib/routing.ts";
import { runHooks, startAdminServer, startHttpServer } from "../functions/lib/server.ts";
import { ensureBucket } from "../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { createNotFoundApp } from "../functions/not-found/app.ts";
import { createServeApp } from "../functions/serve/app.ts";
import { setUpServe } from "../functions/serve/setup.ts";
import { createTrainApp } from "../functions/train/app.ts";
import type { TrainEnv } from "../functions/train/config.ts";
import { trainContexts } from "../functions/train/context.ts";
import { setUpTrain } from "../functions/train/setup.ts";
import { freePort, startMinio } from "../minio/launcher.ts";
import { ensureTool } from "../toolchain/tools.ts";
import { routingTableFromChart } from "./chart-routes.ts";
import type { LocalEnv } from "./config.ts";
import { loadOrCreateCredentials } from "./credentials.ts";
import { createGateway } from "./gateway.ts";

export interface RunningPlatform {
  url: string;
  port: number;
  adminPort: number;
  minioEndpoint: string;
  dataDir: string;
  running: FunctionName[];
  /** The bearer token train and registry writes need. */
  token: string;
  routes: ReturnType<typeof routingTableFromChart>;
  close(): Promise<void>;
}

/** `destination` is shared by every function's logger, so one flush at exit covers them all. */
export async function startPlatform(
  env: LocalEnv,
  destination: DestinationStream,
): Promise<RunningPlatform> {
  const loggerOf = (fn: string) => createLogger({ fn, level: env.SKIFF_LOG_LEVEL, destination });
  const logger = loggerOf("gateway");
  const minioLogger = loggerOf("minio");
  const dataDir = resolve(env.SKIFF_DATA_DIR);
  const minioBinary = await ensureTool("minio");
  const credentials = loadOrCreateCredentials(dataDir);
  const minio = await startMinio({
    binary: minioBinary,
    dataDir: resolve(dataDir, "minio"),
    port: env.SKIFF_MINIO_PORT,
    accessKey: credentials.accessKey,
    secretKey: credentials.secretKey,
    onOutput: (line) => minioLogger.warn(line),
  });
  try {
    const storage = parseEnv(storageEnv, {
      SKIFF_S3_ENDPOINT: minio.endpoint,
      SKIFF_S3_BUCKET: env.SKIFF_S3_BUCKET,
      SKIFF_S3_ACCESS_KEY_ID: credentials.accessKey,
      SKIFF_S3_SECRET_ACCESS_KEY: credentials.secretKey,
    });
    const store = ObjectStore.fromEnv(storage);
    await ensureBucket(store);

    const running: FunctionName[] = ["info", "serve", "train"];
    const routes = onlyFunctions(routingTableFromChart(), new Set(running));
    const metrics = createMetrics();
    const readiness = new Readiness();
    const common = { metrics, readiness, jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT };

    // The port is fixed before the functions are built, since info lists URLs that contain it.
    const port = env.PORT || (await freePort());
    const url = `http://localhost:${port}`;
    const apiHost = routes[0]?.host;
    const info = createInfoApp({
      ...common,
      logger: loggerOf("info"),
      store,
      // Locally the API host is localhost, so its URLs point here; other hosts keep their names.
      serviceUrls: serviceUrls(routes, (host) => (host === apiHost ? url : `http://${host}`)),
      otherDocuments: () => documentsOf(running),
    });
    const serveDeps = { metrics, readiness, logger: loggerOf("serve") };
    const serveParts = setUpServe({ ...env, ...storage }, store, serveDeps);
    const serve = createServeApp({
      ...serveDeps,
      context: serveParts.context,
      jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
    });
    const token = env.SKIFF_API_TOKEN ?? randomBytes(24).toString("base64url");
    // Locally runs always execute as child processes: there is no cluster to create Jobs in.
    const trainConfig: TrainEnv = {
      ...env,
      ...storage,
      SKIFF_API_TOKEN: token,
      SKIFF_RUN_EXECUTOR: "inline",
    };
    const trainDeps = { metrics, readiness, logger: loggerOf("train") };
    const trainParts = setUpTrain(trainConfig, store, trainDeps);
    const train = createTrainApp({
      ...trainDeps,
      token,
      ...trainContexts(trainConfig, store, trainParts),
      jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
    });
    const notFound = createNotFoundApp({ ...common, logger: loggerOf("not-found"), routes });
    const gateway = createGateway(routes, { info, serve, train }, notFound);
    const server = await startHttpServer({
      fetch: gateway,
      port,
      logger,
      readiness,
      drainTimeoutMs: env.SKIFF_DRAIN_TIMEOUT_MS,
    });
    const admin = await startAdminServer({
      registry: metrics.registry,
      readiness,
      port: env.SKIFF_ADMIN_PORT,
    });

    return {
      url,
      port: server.port,
      adminPort: admin.port,
      minioEndpoint: minio.endpoint,
      dataDir,
      running,
      routes,
      token,
      close: async () => {
        await server.close();
        await runHooks([...serveParts.shutdownHooks, ...trainParts.shutdownHooks], logger);
        await admin.close();
        await minio.stop();
      },
    };
  } catch (error) {
    await minio.stop();
    throw error;
  }
}
