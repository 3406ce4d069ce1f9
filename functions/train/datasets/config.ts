/**
 * @module train/datasets/config
 * The dataset settings, as a zod object the train function composes into its environment
 * schema (`baseEnv.extend(storageEnv.shape).extend(datasetSettings.shape)`, say).
 */
import { z } from "zod";
import { count, millis } from "../../lib/config.ts";

const GiB = 1024 * 1024 * 1024;

export const datasetSettings = z.object({
  /** Largest CSV a version may hold, in bytes of uncompressed text, whichever way it arrives. */
  SKIFF_DATASET_MAX_BYTES: count(10 * GiB),
  /**
   * How many times its compressed size a gzip body may inflate to. Real CSV compresses 2-5x
   * (sparse 0/1 columns about 30x); a gzip bomb inflates about 1000x, and without this it would
   * be streamed into storage up to SKIFF_DATASET_MAX_BYTES before its 413.
   */
  SKIFF_DATASET_MAX_INFLATE_RATIO: count(100),
  /** Presigned uploads not completed within this long are aborted and their parts freed. */
  SKIFF_UPLOAD_MAX_AGE_MS: millis(24 * 60 * 60 * 1000, { min: 1 }),
  /**
   * Where clients outside the cluster reach S3. Part URLs are signed for this host; without it
   * they name SKIFF_S3_ENDPOINT, which only works for clients that can reach that.
   */
  SKIFF_S3_PUBLIC_ENDPOINT: z.url().optional(),
  /** Distinct values a column may have and still be listed in dataset.json. */
  SKIFF_SCHEMA_MAX_DISTINCT: count(1000, { max: 100_000 }),
});

export type DatasetSettings = z.infer<typeof datasetSettings>;

/** The setting a client must ask to raise when an upload is too large. */
export const MAX_BYTES_SETTING = "SKIFF_DATASET_MAX_BYTES";

/** The setting a client must ask to raise when a gzip body inflates too far. */
export const MAX_INFLATE_RATIO_SETTING = "SKIFF_DATASET_MAX_INFLATE_RATIO";
