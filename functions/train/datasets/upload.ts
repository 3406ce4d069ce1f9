/**
 * @module train/datasets/upload
 * A CSV arriving as a stream becomes a new dataset version in one pass: each chunk is scanned
 * (size, hash, parse, schema) on its way into the version's data.csv, which S3 receives as a
 * multipart upload, so memory holds five parts at most whatever the file's size. Only when the
 * last byte has been scanned and stored is dataset.json written. Any failure (bad CSV, too
 * large, client gone, process stopping, storage down) aborts the upload and releases the
 * version, so nothing of it remains.
 */
import { layout } from "../../lib/storage/layout.ts";
import { putChunks } from "../../lib/storage/multipart.ts";
import { MULTIPART } from "../../lib/storage/multipart-limits.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import type { Delimiter } from "./dialect.ts";
import { DatasetScanner, type ScanLimits, type ScanResult } from "./scan.ts";
import type { DatasetRecord } from "./schema.ts";
import { claimVersion, publishVersion, releaseQuietly } from "./versions.ts";

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

export async function uploadDataset(
  store: ObjectStore,
  name: string,
  body: AsyncIterable<Uint8Array>,
  limits: ScanLimits,
  delimiter?: Delimiter,
): Promise<DatasetRecord> {
  const version = await claimVersion(store, name);
  try {
    const scanner = new DatasetScanner(limits, delimiter);
    let scan: ScanResult | undefined;
    // The scan runs inside the stream S3 reads from: an error thrown here reaches the upload
    // before its last part, so the multipart upload is aborted, never completed.
    async function* scanned(): AsyncGenerator<Uint8Array> {
      for await (const chunk of body) {
        scanner.push(chunk);
        yield chunk;
      }
      scan = scanner.finish();
    }
    await putChunks(store, layout.datasetData(name, version), scanned(), CSV_CONTENT_TYPE, {
      partBytes: partBytesFor(limits.maxBytes),
      // Four parts in flight keep storage busy while the next one is scanned; with two, the
      // upload measurably waited on storage between parts.
      concurrency: 4,
    });
    if (scan === undefined) throw new Error("the upload finished before the scan did");
    return await publishVersion(store, name, version, scan);
  } catch (error) {
    await releaseQuietly(store, name, version);
    throw error;
  }
}

/**
 * Parts as small as S3 allows, so memory holds little (five parts: one filling, four in
 * flight), yet large enough that the largest dataset fits in S3's 10,000 parts.
 */
function partBytesFor(maxBytes: number): number {
  return Math.max(MULTIPART.minPartBytes, Math.ceil(maxBytes / MULTIPART.maxParts));
}
