/**
 * @module train/setup
 * Builds train's parts from its settings: the run store, the executor the config chooses (the
 * Kubernetes one follows its Jobs from here until shutdown; the inline one first takes up the
 * runs an earlier process left), the watchdog that fails dead runs, and the sweep of abandoned
 * uploads. Shared by the deployed entry point and local mode.
 */
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import type { FunctionDeps } from "../lib/run-function.ts";
import type { ShutdownHook } from "../lib/server.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import type { TrainEnv } from "./config.ts";
import { abortStaleUploads } from "./datasets/presigned.ts";
import { WritesInFlight } from "./datasets/writes-in-flight.ts";
import type { RunExecutor } from "./executors/executor.ts";
import { InlineExecutor } from "./executors/inline.ts";
import { KubernetesExecutor } from "./executors/kubernetes.ts";
import { resumeInlineRuns } from "./runs/recovery.ts";
import { RunStore } from "./runs/run-store.ts";
import { failStaleRuns } from "./runs/watchdog.ts";

export interface TrainParts {
  runs: RunStore;
  executor: RunExecutor;
  /** Dataset writes under way: the first shutdown hook ends them and waits for their cleanup. */
  writes: WritesInFlight;
  shutdownHooks: ShutdownHook[];
}

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function executorFor(
  env: TrainEnv,
  runs: RunStore,
  deps: FunctionDeps,
  kubeConfig: KubeConfig | undefined,
): RunExecutor {
  // What every job reads besides the S3 credentials, which each executor passes its own way.
  const jobEnv = {
    SKIFF_S3_ENDPOINT: env.SKIFF_S3_ENDPOINT,
    SKIFF_S3_REGION: env.SKIFF_S3_REGION,
    SKIFF_S3_BUCKET: env.SKIFF_S3_BUCKET,
    SKIFF_S3_FORCE_PATH_STYLE: String(env.SKIFF_S3_FORCE_PATH_STYLE),
    SKIFF_STORAGE_TIMEOUT_MS: String(env.SKIFF_STORAGE_TIMEOUT_MS),
    SKIFF_LOG_LEVEL: env.SKIFF_LOG_LEVEL,
    SKIFF_RUN_HEARTBEAT_MS: String(env.SKIFF_RUN_HEARTBEAT_MS),
  };
  if (env.SKIFF_RUN_EXECUTOR === "inline") {
    return new InlineExecutor({
      runs,
      logger: deps.logger,
      concurrency: env.SKIFF_RUN_CONCURRENCY,
      env: {
        ...jobEnv,
        SKIFF_S3_ACCESS_KEY_ID: env.SKIFF_S3_ACCESS_KEY_ID,
        SKIFF_S3_SECRET_ACCESS_KEY: env.SKIFF_S3_SECRET_ACCESS_KEY,
      },
    });
  }
  return new KubernetesExecutor({
    logger: deps.logger,
    kubeConfig,
    follow: { runs, missingGraceMs: env.SKIFF_JOB_MISSING_GRACE_MS },
    spec: {
      namespace: env.SKIFF_JOB_NAMESPACE ?? readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim(),
      image: env.SKIFF_JOB_IMAGE as string,
      serviceAccountName: env.SKIFF_JOB_SERVICE_ACCOUNT,
      secretName: env.SKIFF_JOB_SECRET_NAME as string,
      env: jobEnv,
      secretEnv: {
        SKIFF_S3_ACCESS_KEY_ID: env.SKIFF_JOB_SECRET_ACCESS_KEY_ID_KEY,
        SKIFF_S3_SECRET_ACCESS_KEY: env.SKIFF_JOB_SECRET_SECRET_ACCESS_KEY_KEY,
      },
      resources: {
        requests: { cpu: env.SKIFF_JOB_CPU, memory: env.SKIFF_JOB_MEMORY },
        limits: { cpu: env.SKIFF_JOB_CPU, memory: env.SKIFF_JOB_MEMORY },
      },
      backoffLimit: env.SKIFF_JOB_BACKOFF_LIMIT,
      ttlSecondsAfterFinished: env.SKIFF_JOB_TTL_SECONDS,
      activeDeadlineSeconds: env.SKIFF_JOB_DEADLINE_SECONDS,
    },
  });
}

export interface TrainSetupOptions {
  /** The API server to run Jobs through; the pod's in-cluster credentials when not given. */
  kubeConfig?: KubeConfig;
}

export function setUpTrain(
  env: TrainEnv,
  store: ObjectStore,
  deps: FunctionDeps,
  options: TrainSetupOptions = {},
): TrainParts {
  const runs = new RunStore(store);
  const executor = executorFor(env, runs, deps, options.kubeConfig);
  // Until it succeeds once (storage may not answer at start), every sweep tries again.
  let resumed: Promise<unknown> | undefined =
    executor.kind === "inline" ? undefined : Promise.resolve();
  const resume = () => {
    resumed ??= resumeInlineRuns(runs, executor, deps.logger).catch((error: unknown) => {
      resumed = undefined;
      throw error;
    });
    return resumed;
  };
  resume().catch((error: unknown) =>
    deps.logger.warn({ err: error }, "taking up the runs left queued failed; retrying"),
  );
  const sweep = async () => {
    await resume();
    await failStaleRuns(
      runs,
      {
        leaseMs: env.SKIFF_RUN_LEASE_MS,
        queueTimeoutMs: env.SKIFF_RUN_QUEUE_TIMEOUT_MS,
        holds: (runId) => executor.holds(runId),
      },
      deps.logger,
    );
    await abortStaleUploads(store, env.SKIFF_UPLOAD_MAX_AGE_MS);
  };
  const every = Math.max(1000, Math.min(env.SKIFF_RUN_LEASE_MS / 2, 60_000));
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => deps.logger.warn({ err: error }, "housekeeping failed"));
  }, every);
  timer.unref();
  const writes = new WritesInFlight();
  return {
    runs,
    executor,
    writes,
    shutdownHooks: [() => writes.stop(), () => clearInterval(timer), () => executor.close()],
  };
}
