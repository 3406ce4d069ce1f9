/**
 * @module train/config
 * The settings the train function reads.
 */
import { z } from "zod";
import { baseEnv, count, millis, storageEnv } from "../lib/config.ts";
import { datasetSettings } from "./datasets/config.ts";

/** train's own settings (besides storage); local mode reads them too. */
export const trainSettings = z
  .object({
    /** Bearer token every train and registry request must carry (from a Secret in the cluster). */
    SKIFF_API_TOKEN: z.string().min(16, "must be at least 16 characters"),
    SKIFF_RUN_EXECUTOR: z.enum(["inline", "kubernetes"]).default("inline"),
    /** Inline executor: runs trained at the same time. */
    SKIFF_RUN_CONCURRENCY: count(1),
    SKIFF_RUN_HEARTBEAT_MS: millis(5000, { min: 100 }),
    /** A running run whose heartbeat is older than this is marked failed. */
    SKIFF_RUN_LEASE_MS: millis(60_000),
    /** A run still queued after this long is marked failed. */
    SKIFF_RUN_QUEUE_TIMEOUT_MS: millis(3_600_000),
    SKIFF_RUN_EVENTS_POLL_MS: millis(500, { min: 50 }),
    /**
     * Largest model registration body (the ONNX file and its metadata), in bytes. The file is
     * held in memory once and then loaded in onnxruntime to prove it serves, which takes about
     * as much again: 256 MiB fits train's default 1 GiB pod with room for the requests around it.
     * Larger models are written to the bucket directly.
     */
    SKIFF_MODEL_UPLOAD_MAX_BYTES: count(256 * 1024 * 1024),
    // Kubernetes executor: the Job it creates for each run.
    SKIFF_JOB_IMAGE: z.string().min(1).optional(),
    /** Defaults to the namespace of the function's own ServiceAccount. */
    SKIFF_JOB_NAMESPACE: z.string().min(1).optional(),
    SKIFF_JOB_SERVICE_ACCOUNT: z.string().min(1).default("default"),
    /** The Secret holding the S3 credentials, passed to the Job by reference. */
    SKIFF_JOB_SECRET_NAME: z.string().min(1).optional(),
    SKIFF_JOB_SECRET_ACCESS_KEY_ID_KEY: z.string().min(1).default("accessKeyId"),
    SKIFF_JOB_SECRET_SECRET_ACCESS_KEY_KEY: z.string().min(1).default("secretAccessKey"),
    SKIFF_JOB_CPU: z.string().min(1).default("1"),
    SKIFF_JOB_MEMORY: z.string().min(1).default("2Gi"),
    SKIFF_JOB_BACKOFF_LIMIT: count(0, { min: 0 }),
    SKIFF_JOB_TTL_SECONDS: count(3600, { min: 0 }),
    SKIFF_JOB_DEADLINE_SECONDS: count(6 * 3600),
    /**
     * A queued or running run older than this whose Job a listing does not show is failed; a
     * Job just created may not be listed yet.
     */
    SKIFF_JOB_MISSING_GRACE_MS: millis(60_000),
  })
  .extend(datasetSettings.shape);

export const trainEnv = baseEnv
  .extend(storageEnv.shape)
  .extend(trainSettings.shape)
  .superRefine((env, ctx) => {
    if (env.SKIFF_RUN_EXECUTOR !== "kubernetes") return;
    for (const key of ["SKIFF_JOB_IMAGE", "SKIFF_JOB_SECRET_NAME"] as const) {
      if (!env[key])
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: "is required when SKIFF_RUN_EXECUTOR=kubernetes",
        });
    }
  });

export type TrainEnv = z.infer<typeof trainEnv>;
