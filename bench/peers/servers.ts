/**
 * The four servers of the peers benchmark and how each is started: pinned to the server core,
 * one process with one worker, on a free loopback port, serving both models, its own request log
 * (each server's default) going to a file rather than to the orchestrator.
 *
 * - skiff: the serve bundle the image runs, models preloaded from MinIO.
 * - MLServer with mlserver-sklearn: `mlserver start` on a model repository. parallel_workers is
 *   0 (bench/peers/mlserver/settings.json): inference runs in the server process itself, which is
 *   one worker; the default, 1, adds a worker process that requests reach over IPC, which on one
 *   core only costs time, and in this resolve (uvloop 0.23) that worker does not start at all.
 * - KServe's Python model server: kserve_server.py, `workers` 1, gRPC on as by default.
 * - FastAPI + scikit-learn: fastapi_app.py under uvicorn with one worker.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { freePort } from "../../minio/launcher.ts";
import { root, SERVER_CORE, startServe } from "../harness.ts";
import { baseEnv, type Pinned, spawnPinned } from "../processes.ts";
import type { Dialect } from "./requests.ts";

export type ServerName = "skiff" | "MLServer" | "KServe" | "FastAPI";

/** The interpreters of the peers' pinned environments. */
export interface Venvs {
  mlserver: string;
  kserve: string;
  fastapi: string;
}

export interface Context {
  /** SKIFF_S3_* for skiff. */
  storage: Record<string, string>;
  /** The serve bundle (dist/serve.mjs). */
  serveBundle: string;
  /** The image's Node release, which starts the bundle (toolchain/image-node.ts). */
  imageNode: string;
  /** A compile cache filled as the image build fills its own (toolchain/compile-cache.ts). */
  compileCache: string;
  /** What prepare_models.py wrote, plus MLServer's settings: every peer's model folder. */
  modelsDir: string;
  models: string[];
  venvs: Partial<Venvs>;
}

export interface Endpoint {
  label: string;
  dialect: Dialect;
  /** The skiff endpoint this one is held against: the same protocol, or skiff's natural one. */
  against: "named predict" | "v2 infer";
}

export interface Running {
  pinned: Pinned;
  base: string;
  /** Where the server's stdout and stderr went, for an error message. */
  logFile: string;
}

export interface Server {
  name: ServerName;
  /** How it runs, for the report. */
  how: string;
  /** First is its natural endpoint, the one cold start polls. */
  endpoints: Endpoint[];
  /** Which environment it needs; skiff needs none. */
  venv?: keyof Venvs;
  /** GET here answers 200 once the models are loaded. */
  readyPath: string;
  start(context: Context, logFile: string): Promise<Running>;
}

const named: Dialect = { kind: "named", path: (m) => `/models/${m}/predict` };
const v2 = (outputs?: string[]): Dialect => ({
  kind: "v2",
  path: (m) => `/v2/models/${m}/infer`,
  ...(outputs ? { outputs } : {}),
});

/** Opens `logFile` for a child's stdout and stderr; the child keeps its own copy of the fd. */
async function withLog<T>(logFile: string, spawn: (fd: number) => T | Promise<T>): Promise<T> {
  const fd = openSync(logFile, "w");
  try {
    return await spawn(fd);
  } finally {
    closeSync(fd);
  }
}

function startPython(
  command: string | undefined,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  logFile: string,
): Promise<Pinned> {
  if (command === undefined) throw new Error("its Python environment was not built");
  return withLog(logFile, (fd) =>
    spawnPinned({
      core: SERVER_CORE,
      command,
      args,
      env: { ...baseEnv(), ...env },
      stdout: fd,
      stderr: fd,
      cwd,
    }),
  );
}

export const SERVERS: Server[] = [
  {
    name: "skiff",
    how: "`node dist/serve.mjs` as the image runs it (its Node release and compile cache), PRELOAD_MODELS of both, defaults otherwise: info access log, prediction log to MinIO on",
    endpoints: [
      { label: "named predict", dialect: named, against: "named predict" },
      { label: "v2 infer", dialect: v2(), against: "v2 infer" },
    ],
    readyPath: "/readyz",
    async start(context, logFile) {
      const serve = await withLog(logFile, (fd) =>
        startServe({ storage: context.storage }, [context.serveBundle], {
          stdout: fd,
          env: {
            PRELOAD_MODELS: context.models.join(","),
            NODE_COMPILE_CACHE: context.compileCache,
          },
          command: context.imageNode,
        }),
      );
      return { pinned: serve.pinned, base: `http://127.0.0.1:${serve.port}`, logFile };
    },
  },
  {
    name: "MLServer",
    how: "`mlserver start` with mlserver-sklearn, parallel_workers 0 (inference in the server process)",
    venv: "mlserver",
    endpoints: [
      // Asked for both outputs, it answers what skiff does: the label and the probabilities.
      { label: "v2 infer", dialect: v2(["predict", "predict_proba"]), against: "v2 infer" },
    ],
    readyPath: "/v2/health/ready",
    async start(context, logFile) {
      const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()];
      const python = context.venvs.mlserver;
      // The package has no __main__; its console script sits next to the interpreter.
      const pinned = await startPython(
        python && join(dirname(python), "mlserver"),
        ["start", context.modelsDir],
        {
          MLSERVER_HTTP_PORT: String(http),
          MLSERVER_GRPC_PORT: String(grpc),
          MLSERVER_METRICS_PORT: String(metrics),
        },
        context.modelsDir,
        logFile,
      );
      return { pinned, base: `http://127.0.0.1:${http}`, logFile };
    },
  },
  {
    name: "KServe",
    how: "`kserve_server.py` (kserve.ModelServer, a joblib model class as sklearnserver's), workers 1",
    venv: "kserve",
    endpoints: [
      {
        label: "v1 :predict",
        dialect: { kind: "v1", path: (m) => `/v1/models/${m}:predict` },
        against: "named predict",
      },
      { label: "v2 infer", dialect: v2(), against: "v2 infer" },
    ],
    readyPath: "/v2/health/ready",
    async start(context, logFile) {
      const [http, grpc] = [await freePort(), await freePort()];
      const pinned = await startPython(
        context.venvs.kserve,
        [
          join(root, "bench/peers/kserve_server.py"),
          "--models_dir",
          context.modelsDir,
          "--http_port",
          String(http),
          "--grpc_port",
          String(grpc),
          "--workers",
          "1",
        ],
        {},
        root,
        logFile,
      );
      return { pinned, base: `http://127.0.0.1:${http}`, logFile };
    },
  },
  {
    name: "FastAPI",
    how: "`uvicorn fastapi_app:app --workers 1` (uvloop, httptools), joblib models loaded at start",
    venv: "fastapi",
    endpoints: [{ label: "route", dialect: named, against: "named predict" }],
    readyPath: "/healthz",
    async start(context, logFile) {
      const port = await freePort();
      const pinned = await startPython(
        context.venvs.fastapi,
        [
          "-m",
          "uvicorn",
          "fastapi_app:app",
          "--app-dir",
          join(root, "bench/peers"),
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          "--workers",
          "1",
        ],
        { MODELS_DIR: context.modelsDir },
        root,
        logFile,
      );
      return { pinned, base: `http://127.0.0.1:${port}`, logFile };
    },
  },
];

/** The last lines a server wrote, for an error message. */
export function tailOf(running: Pick<Running, "logFile" | "pinned">): string {
  let text = running.pinned.output();
  try {
    text += readFileSync(running.logFile, "utf8");
  } catch {
    // nothing written
  }
  return text.split("\n").slice(-25).join("\n");
}
