/**
 * @module serve/config
 * The settings the serve function reads.
 */
import { z } from "zod";
import { baseEnv, count, millis, storageEnv } from "../lib/config.ts";
import { NAME_PATTERN, VERSION_PATTERN } from "../lib/storage/layout.ts";

export interface ModelRef {
  name: string;
  version: string | undefined;
}

/** `iris,wine@3` → models to load before the function says it is ready. */
const preloadList = z.string().transform((text, ctx): ModelRef[] => {
  const refs: ModelRef[] = [];
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name = "", version, ...rest] = item.split("@");
    if (
      !NAME_PATTERN.test(name) ||
      rest.length > 0 ||
      (version !== undefined && !VERSION_PATTERN.test(version))
    ) {
      ctx.addIssue({ code: "custom", message: `"${item}" is not a model name or name@version` });
      return z.NEVER;
    }
    refs.push({ name, version });
  }
  return refs;
});

/** serve's own settings; local mode reads them too. */
export const serveSettings = z.object({
  /** On a host dedicated to one model: the model `POST /predict` means. */
  SKIFF_DEFAULT_MODEL: z.string().regex(NAME_PATTERN, "must be a model name").optional(),
  /** Models loaded at start; readiness waits for them. */
  PRELOAD_MODELS: preloadList.default([]),
  SKIFF_MODEL_CACHE_MAX_MODELS: count(16),
  SKIFF_MODEL_CACHE_MAX_BYTES: count(1024 * 1024 * 1024),
  /** How often a model's default version (production alias, else newest) is looked up again. */
  SKIFF_ALIAS_REFRESH_MS: millis(5000),
  /** How long a request waits for its model to load before answering 503. */
  SKIFF_MODEL_LOAD_TIMEOUT_MS: millis(60_000),
  /** After a failed load, requests answer 503 for this long before the load is tried again. */
  SKIFF_MODEL_RETRY_MS: millis(2000),
  /** Most instances (rows) in one request. */
  SKIFF_MAX_BATCH: count(1024),
  /**
   * Dynamic batching: requests for one model that arrive together run as one onnxruntime run
   * of at most this many rows; 0 runs every request alone.
   */
  SKIFF_BATCH_MAX_ROWS: count(256, { min: 0 }),
  SKIFF_PREDICTION_LOG_ENABLED: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .default(true),
  /** A log file is written when this many records wait, or when the oldest is this old. */
  SKIFF_PREDICTION_LOG_BATCH: count(1000),
  /** …or when the waiting records add up to this many bytes (requests with many rows). */
  SKIFF_PREDICTION_LOG_BATCH_BYTES: count(4 * 1024 * 1024),
  SKIFF_PREDICTION_LOG_MAX_AGE_MS: millis(5000),
  /** Records kept while storage is unreachable; past this, new records are dropped and counted. */
  SKIFF_PREDICTION_LOG_MAX_BUFFER: count(50_000),
  SKIFF_PREDICTION_LOG_MAX_BUFFER_BYTES: count(64 * 1024 * 1024),
  /**
   * On SIGTERM, after the drain: the longest the last writes may take; what is unwritten then is
   * counted and logged as lost. Kept by a timer, so it holds while storage does not answer.
   */
  SKIFF_PREDICTION_LOG_FLUSH_TIMEOUT_MS: millis(20_000),
});

export const serveEnv = baseEnv.extend(storageEnv.shape).extend(serveSettings.shape);

export type ServeEnv = z.infer<typeof serveEnv>;
