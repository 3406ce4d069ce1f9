/**
 * @module bootstrap/config
 * The settings the bootstrap command reads: the bucket it prepares and how long it waits for
 * storage to come up.
 */
import type { z } from "zod";
import { count, storageEnv } from "../lib/config.ts";

export const bootstrapEnv = storageEnv.extend({
  /** Days after which prediction logs expire; 0 keeps them forever (and removes the rule). */
  SKIFF_PREDICTIONS_EXPIRY_DAYS: count(30, { min: 0 }),
  /** How long unreachable storage is retried before giving up (MinIO may still be starting). */
  SKIFF_BOOTSTRAP_RETRY_SECONDS: count(120, { min: 0 }),
});

export type BootstrapEnv = z.infer<typeof bootstrapEnv>;
