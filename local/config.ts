/**
 * @module local/config
 * The settings of local mode (`npm start`).
 */
import { z } from "zod";
import { baseEnv, millis } from "../functions/lib/config.ts";
import { serveSettings } from "../functions/serve/config.ts";
import { trainSettings } from "../functions/train/config.ts";

export const localEnv = baseEnv
  .extend(serveSettings.shape)
  .extend(trainSettings.shape)
  .extend({
    /** Generated at each start and printed when not set. */
    SKIFF_API_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
    /** Where MinIO keeps its data and credentials; it survives restarts. */
    SKIFF_DATA_DIR: z.string().min(1).default(".skiff"),
    /** MinIO's port on 127.0.0.1; 0 picks a free one. */
    SKIFF_MINIO_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    SKIFF_S3_BUCKET: z.string().min(3).default("skiff"),
    /** Not-found and the drain timeout are tuned down: nothing long-running is in flight locally. */
    SKIFF_DRAIN_TIMEOUT_MS: millis(10_000),
  });

export type LocalEnv = z.infer<typeof localEnv>;
