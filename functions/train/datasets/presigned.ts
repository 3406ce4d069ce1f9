/**
 * @module train/datasets/presigned
 * Uploads too big to pass through a function: the client sends the parts of an S3 multipart
 * upload straight to storage, through URLs signed here one part (or a small batch) at a time,
 * so no URL expires during a long upload. It can ask which parts arrived and resume after a
 * crash without sending those again. Completing joins the parts at a staging key outside
 * datasets/, reads them back through the same scan as a streamed upload (dialect included),
 * and only a valid file becomes a version: copied server-side into a claimed version,
 * dataset.json last.
 */
import { randomBytes } from "node:crypto";
import { ConflictError, InvalidRequestError, NotFoundError, SkiffError } from "../../lib/errors.ts";
import { layout } from "../../lib/storage/layout.ts";
import {
  abortMultipart,
  completeMultipart,
  copyObject,
  findMultipart,
  listParts,
  type PendingUpload,
  presignPart,
  startMultipart,
  type UploadedPart,
} from "../../lib/storage/multipart.ts";
import { MULTIPART } from "../../lib/storage/multipart-limits.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { MAX_BYTES_SETTING } from "./config.ts";
import type { Delimiter } from "./dialect.ts";
import { DatasetScanner, type ScanLimits, type ScanResult } from "./scan.ts";
import type { DatasetRecord } from "./schema.ts";
import { CSV_CONTENT_TYPE } from "./upload.ts";
import { claimVersion, publishVersion, releaseQuietly } from "./versions.ts";
import { whyStopped } from "./writes-in-flight.ts";

/** Most part URLs one request may ask for. */
export const MAX_PART_BATCH = 100;

export interface UploadStarted {
  id: string;
  name: string;
  createdAt: string;
  /** When an upload that is not completed by then gets aborted. */
  expiresAt: string;
  minPartBytes: number;
  maxPartBytes: number;
  maxParts: number;
  maxBytes: number;
}

export interface UploadStatus {
  id: string;
  name: string;
  createdAt: string | undefined;
  expiresAt: string | undefined;
  parts: Array<{ part: number; size: number; etag: string }>;
  receivedBytes: number;
}

export interface PartUrl {
  part: number;
  url: string;
  expiresAt: string;
}

export async function startUpload(
  store: ObjectStore,
  name: string,
  limits: { maxBytes: number; maxAgeMs: number },
): Promise<UploadStarted> {
  const id = randomBytes(16).toString("hex");
  await startMultipart(store, layout.datasetUpload(name, id), CSV_CONTENT_TYPE);
  const now = Date.now();
  return {
    id,
    name,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + limits.maxAgeMs).toISOString(),
    minPartBytes: MULTIPART.minPartBytes,
    maxPartBytes: MULTIPART.maxPartBytes,
    maxParts: MULTIPART.maxParts,
    maxBytes: limits.maxBytes,
  };
}

/** The S3 upload behind a dataset's upload id; storage is the only record of it. */
async function pendingUpload(store: ObjectStore, name: string, id: string): Promise<PendingUpload> {
  const found = await findMultipart(store, layout.datasetUpload(name, id));
  if (found === undefined) throw uploadNotFound(name, id);
  return found;
}

function uploadNotFound(name: string, id: string): NotFoundError {
  return new NotFoundError(
    `dataset ${name} has no upload ${id} in progress (it was completed, aborted or expired, or never existed)`,
  );
}

async function partsOf(store: ObjectStore, name: string, id: string, upload: PendingUpload) {
  const parts = await listParts(store, upload.key, upload.uploadId);
  if (parts === undefined) throw uploadNotFound(name, id);
  return parts;
}

/** The parts received so far, so a client that was stopped sends only the rest. */
export async function describeUpload(
  store: ObjectStore,
  name: string,
  id: string,
  maxAgeMs: number,
): Promise<UploadStatus> {
  const upload = await pendingUpload(store, name, id);
  const parts = await partsOf(store, name, id, upload);
  return {
    id,
    name,
    createdAt: upload.initiated?.toISOString(),
    expiresAt: upload.initiated && new Date(upload.initiated.getTime() + maxAgeMs).toISOString(),
    parts: parts.map((p) => ({ part: p.partNumber, size: p.size, etag: p.etag })),
    receivedBytes: parts.reduce((sum, p) => sum + p.size, 0),
  };
}

/**
 * Signed PUT URLs for parts `first`..`last`. `signer` is the store as clients reach it (the
 * public endpoint), `store` the one this function reaches.
 */
export async function presignParts(
  store: ObjectStore,
  signer: ObjectStore,
  name: string,
  id: string,
  range: { first: number; last: number },
  ttlSeconds: number,
): Promise<PartUrl[]> {
  const { first, last } = range;
  if (first < 1 || last > MULTIPART.maxParts || first > last) {
    throw new InvalidRequestError(
      `parts ${first}-${last} is not a range of part numbers within 1-${MULTIPART.maxParts}`,
    );
  }
  if (last - first + 1 > MAX_PART_BATCH) {
    throw new InvalidRequestError(
      `at most ${MAX_PART_BATCH} part URLs per request; ask again as the upload goes on`,
    );
  }
  const upload = await pendingUpload(store, name, id);
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const numbers = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  return Promise.all(
    numbers.map(async (part) => ({
      part,
      url: await presignPart(signer, upload.key, upload.uploadId, part, ttlSeconds),
      expiresAt,
    })),
  );
}

/** Gives up an upload and frees its parts. */
export async function abortUpload(store: ObjectStore, name: string, id: string): Promise<void> {
  const upload = await pendingUpload(store, name, id);
  await abortMultipart(store, upload.key, upload.uploadId);
}

/**
 * Parts must be 1..n without a gap, and all but the last at least S3's minimum. These are the
 * client's to fix (send the missing part, send a part again), so the upload stays open.
 */
function checkParts(parts: readonly UploadedPart[], name: string, id: string): void {
  if (parts.length === 0) {
    throw new InvalidRequestError(`upload ${id} of dataset ${name} has received no parts yet`);
  }
  parts.forEach((part, index) => {
    if (part.partNumber !== index + 1) {
      throw new InvalidRequestError(
        `upload ${id} of dataset ${name} is missing part ${index + 1}: parts must be numbered from 1 without gaps`,
      );
    }
    if (index < parts.length - 1 && part.size < MULTIPART.minPartBytes) {
      throw new InvalidRequestError(
        `part ${part.partNumber} of upload ${id} has ${part.size} bytes; every part but the last needs at least ${MULTIPART.minPartBytes} bytes (5 MiB), so send it again larger`,
      );
    }
  });
}

export interface CompleteOptions {
  /** When the client sends it, what storage holds must hash to it. */
  expectedSha256?: string;
  /** The delimiter the client named; sniffed from the header line otherwise. */
  delimiter?: Delimiter;
  /** Stops the scan when the client goes away or the process is stopping. */
  signal?: AbortSignal;
}

/**
 * Turns a finished upload into the next version of `name`. The upload is joined only if none
 * was joined at its key before (so two concurrent completions cannot both commit), then scanned;
 * a file that fails the scan is deleted and the reason thrown.
 */
export async function completeUpload(
  store: ObjectStore,
  name: string,
  id: string,
  limits: ScanLimits,
  options: CompleteOptions = {},
): Promise<DatasetRecord> {
  const { expectedSha256, delimiter, signal } = options;
  const upload = await pendingUpload(store, name, id);
  const parts = await partsOf(store, name, id, upload);
  checkParts(parts, name, id);
  const size = parts.reduce((sum, p) => sum + p.size, 0);
  if (size > limits.maxBytes) {
    // It can never become valid: free its storage now rather than when it expires.
    await abortMultipart(store, upload.key, upload.uploadId);
    throw new SkiffError(
      "payload_too_large",
      `upload ${id} holds ${size} bytes, more than the limit of ${limits.maxBytes} bytes (set by ${MAX_BYTES_SETTING}); it was aborted`,
    );
  }
  const staged = upload.key;
  try {
    await completeMultipart(store, staged, upload.uploadId, parts, { onlyIfAbsent: true });
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) {
      throw new ConflictError(
        `upload ${id} of dataset ${name} was completed or aborted by another request`,
      );
    }
    throw error;
  }
  try {
    const scan = await scanObject(store, staged, new DatasetScanner(limits, delimiter), signal);
    if (expectedSha256 !== undefined && expectedSha256 !== scan.sha256) {
      throw new InvalidRequestError(
        `the uploaded data has sha256 ${scan.sha256}, not the expected ${expectedSha256}; upload it again`,
      );
    }
    const version = await claimVersion(store, name);
    try {
      await copyObject(store, staged, layout.datasetData(name, version), scan.bytes);
      return await publishVersion(store, name, version, scan);
    } catch (error) {
      await releaseQuietly(store, name, version);
      throw error;
    }
  } finally {
    // Committed or refused, the staged file has no further use.
    await store.delete(staged).catch(() => undefined);
  }
}

/** Reads an object back through the dataset scan, unless `signal` stops it. */
async function scanObject(
  store: ObjectStore,
  key: string,
  scanner: DatasetScanner,
  signal: AbortSignal | undefined,
): Promise<ScanResult> {
  const stream = await store.getStream(key);
  if (stream === undefined) throw new NotFoundError(`the uploaded data at ${key} is gone`);
  try {
    for await (const chunk of stream) {
      if (signal?.aborted) throw whyStopped(signal);
      scanner.push(chunk as Uint8Array);
    }
  } finally {
    stream.destroy();
  }
  return scanner.finish();
}

/** Part of the presigned flow's lifecycle; lives in stale.ts, re-exported for callers here. */
export { abortStaleUploads } from "./stale.ts";
