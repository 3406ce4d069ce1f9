/**
 * @module bootstrap
 * Prepares the bucket once per install or upgrade: creates it unless it exists, and sets the
 * lifecycle rule that expires prediction logs. Every step is idempotent, so running it again
 * changes nothing. Storage that cannot be reached yet (MinIO still starting next to the Helm
 * hook) is retried with backoff until a deadline; any other failure is final at once.
 */
import { S3ServiceException } from "@aws-sdk/client-s3";
import { bucketExists, ensureBucket, setExpiry } from "../lib/storage/bucket-admin.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";

/**
 * The lifecycle rule's prefix: where `layout.predictionLog` files live (storage/layout.ts has
 * no root constant for it; minio/lifecycle-predictions.json names the same prefix).
 */
export const PREDICTIONS_PREFIX = "predictions/";

export interface BootstrapOptions {
  store: ObjectStore;
  expiryDays: number;
  retrySeconds: number;
  /** Progress while waiting for storage; one line each. */
  onRetry?: (line: string) => void;
}

/** Runs the steps, retrying unreachable storage; answers the one line that says what was done. */
export async function bootstrap(options: BootstrapOptions): Promise<string> {
  const { store, expiryDays } = options;
  return withRetry(options, async () => {
    const existed = await bucketExists(store);
    await ensureBucket(store);
    const changed = await setExpiry(store, PREDICTIONS_PREFIX, expiryDays);
    const bucket = `bucket "${store.bucket}" ${existed ? "already existed" : "created"}`;
    const rule =
      expiryDays === 0
        ? `${PREDICTIONS_PREFIX} kept forever${changed ? " (expiry rule removed)" : ""}`
        : `${PREDICTIONS_PREFIX} expires after ${expiryDays} days${changed ? "" : " (rule unchanged)"}`;
    return `${bucket}; ${rule}`;
  });
}

async function withRetry<T>(options: BootstrapOptions, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + options.retrySeconds * 1000;
  let delayMs = 500;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      const reason = transientReason(error);
      if (reason === undefined || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(
        `storage not reachable yet (${reason}); retrying in ${(delayMs / 1000).toFixed(1)}s`,
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 5000);
    }
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Why `error` is worth retrying (a connection problem, or a 5xx such as MinIO's "server not
 * initialized"), or undefined when it is not. Looks through `cause` chains and AggregateErrors.
 */
export function transientReason(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 8) return undefined;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    return status >= 500 ? `${error.name} ${status}` : undefined;
  }
  const { code, name, cause, errors } = error as {
    code?: unknown;
    name?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return code;
  if (name === "TimeoutError") return "timeout";
  for (const inner of [cause, ...(Array.isArray(errors) ? errors : [])]) {
    const reason = transientReason(inner, depth + 1);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** The most telling message in an error's cause chain, on one line. */
export function describeFailure(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 8 && current instanceof Error; i++) {
    const text = current.message || (current as { code?: string }).code || current.name;
    if (text && !messages.includes(text)) messages.push(text);
    current = current.cause ?? (current instanceof AggregateError ? current.errors[0] : undefined);
  }
  return messages.join(": ").replace(/\s+/g, " ") || String(error);
}
