/**
 * @module train/choose-executor
 * The run executor train's settings choose: child processes of train itself (inline) or
 * Kubernetes Jobs, which this process follows until shutdown. Either gives its jobs the same
 * settings; only the S3 credentials travel differently (in the child's env, or from the Secret).
 */
import { readFileSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../lib/logger.ts";
import type { TrainEnv } from "./config.ts";
import type { RunExecutor } from "./executors/executor.ts";
import { InlineExecutor } from "./executors/inline.ts";
import { KubernetesExecutor } from "./executors/kubernetes.ts";
import type { RunStore } from "./runs/run-store.ts";

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

/** `kubeConfig` is the API server to run Jobs through; the pod's in-cluster one when absent. */
export function chooseExecutor(
  env: TrainEnv,
  runs: RunStore,
  logger: Logger,
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
      logger,
      concurrency: env.SKIFF_RUN_CONCURRENCY,
      env: {
        ...jobEnv,
        SKIFF_S3_ACCESS_KEY_ID: env.SKIFF_S3_ACCESS_KEY_ID,
        SKIFF_S3_SECRET_ACCESS_KEY: env.SKIFF_S3_SECRET_ACCESS_KEY,
      },
    });
  }
  return new KubernetesExecutor({
    logger,
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
