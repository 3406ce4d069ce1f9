/**
 * @module local/platform
 * The whole platform on one machine: a real MinIO server, every function in this process and
 * a gateway on one port that routes like the chart's Ingress.
 */
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { buildInfo } from "../functions/info/build.ts";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { Readiness } from "../functions/lib/http/health.ts";
import { createMetrics } from "../functions/lib/http/metrics.ts";
import { createLogger, type DestinationStream } from "../functions/lib/logger.ts";
import { type FunctionName, onlyFunctions, serviceUrls } from "../functions/lib/routing.ts";
import type { FunctionDeps } from "../functions/lib/run-function.ts";
import { runHooks, startAdminServer, startHttpServer } from "../functions/lib/server.ts";
import { ensureBucket } from "../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { buildNotFound } from "../functions/not-found/build.ts";
import { buildServe } from "../functions/serve/build.ts";
import { buildTrain } from "../functions/train/build.ts";
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
    // One metrics registry and one readiness for all: the gateway has one admin port.
    const depsOf = (fn: string): FunctionDeps => ({
      metrics,
      readiness,
      logger: loggerOf(fn),
    });

    // The port is fixed before the functions are built, since info lists URLs that contain it.
    const port = env.PORT || (await freePort());
    const url = `http://localhost:${port}`;
    const apiHost = routes[0]?.host;
    const info = buildInfo(
      {
        ...env,
        ...storage,
        // Locally the API host is localhost, so its URLs point here; other hosts keep their names.
        SKIFF_SERVICE_URLS: serviceUrls(routes, (host) =>
          host === apiHost ? url : `http://${host}`,
        ),
      },
      store,
      depsOf("info"),
    );
    const serve = buildServe({ ...env, ...storage }, store, depsOf("serve"));
    const token = env.SKIFF_API_TOKEN ?? randomBytes(24).toString("base64url");
    // Locally runs always execute as child processes: there is no cluster to create Jobs in.
    const train = buildTrain(
      { ...env, ...storage, SKIFF_API_TOKEN: token, SKIFF_RUN_EXECUTOR: "inline" },
      store,
      depsOf("train"),
    );
    const notFound = buildNotFound({ ...env, SKIFF_ROUTES: routes }, depsOf("not-found"));
    const gateway = createGateway(
      routes,
      { info: info.app, serve: serve.app, train: train.app },
      notFound.app,
    );
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
        await runHooks([...serve.shutdownHooks, ...train.shutdownHooks], logger);
        await admin.close();
        await minio.stop();
      },
    };
  } catch (error) {
    await minio.stop();
    throw error;
  }
}
