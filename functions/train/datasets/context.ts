/**
 * @module train/datasets/context
 * What the dataset routes share: storage, the signer for part URLs and the limits.
 */
import type { StorageEnv } from "../../lib/config.ts";
import { ObjectStore } from "../../lib/storage/object-store.ts";
import type { DatasetSettings } from "./config.ts";
import type { WritesInFlight } from "./writes-in-flight.ts";

export interface DatasetsContext {
  store: ObjectStore;
  /**
   * Signs presigned part URLs: the same bucket, as clients reach it (SKIFF_S3_PUBLIC_ENDPOINT),
   * since the host is part of what is signed. `store` itself when there is no public endpoint.
   */
  signer: ObjectStore;
  /** SKIFF_DATASET_MAX_BYTES */
  maxBytes: number;
  /** SKIFF_DATASET_MAX_INFLATE_RATIO */
  maxInflateRatio: number;
  /** SKIFF_SCHEMA_MAX_DISTINCT */
  maxDistinct: number;
  /** SKIFF_UPLOAD_MAX_AGE_MS: how long a presigned upload may stay open. */
  uploadMaxAgeMs: number;
  /** How long one part URL stays valid; URLs are signed on demand, so this can be short. */
  partUrlTtlSeconds: number;
  /** The writes under way, which shutdown ends and waits for. */
  writes: WritesInFlight;
}

export const DEFAULT_PART_URL_TTL_SECONDS = 60 * 60;

/** The context from the train function's settings. */
export function datasetsContext(
  store: ObjectStore,
  env: StorageEnv & DatasetSettings,
  writes: WritesInFlight,
): DatasetsContext {
  const publicEndpoint = env.SKIFF_S3_PUBLIC_ENDPOINT;
  return {
    store,
    signer:
      publicEndpoint === undefined ? store : ObjectStore.fromEnv(env, { endpoint: publicEndpoint }),
    maxBytes: env.SKIFF_DATASET_MAX_BYTES,
    maxInflateRatio: env.SKIFF_DATASET_MAX_INFLATE_RATIO,
    maxDistinct: env.SKIFF_SCHEMA_MAX_DISTINCT,
    uploadMaxAgeMs: env.SKIFF_UPLOAD_MAX_AGE_MS,
    partUrlTtlSeconds: DEFAULT_PART_URL_TTL_SECONDS,
    writes,
  };
}
