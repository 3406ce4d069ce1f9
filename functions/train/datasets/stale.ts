/**
 * @module train/datasets/stale
 * Clears what abandoned dataset writes leave behind, for the train function to run now and
 * then. Older than `maxAgeMs` means abandoned, so the age must exceed the longest upload.
 *
 * - multipart uploads of datasets (presigned ones, and streamed ones whose process died):
 *   aborted, which frees their parts;
 * - staged files of presigned uploads whose completion died before committing: deleted;
 * - claimed versions that never got their dataset.json: released, data and claim.
 */
import { datasetFileOfKey, datasetUploadOfKey, layout } from "../../lib/storage/layout.ts";
import { abortMultipart, listMultiparts } from "../../lib/storage/multipart.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { releaseVersion } from "./versions.ts";

export interface StaleCleanup {
  abortedUploads: number;
  deletedStagedFiles: number;
  releasedVersions: number;
}

export async function abortStaleUploads(
  store: ObjectStore,
  maxAgeMs: number,
  now = Date.now(),
): Promise<StaleCleanup> {
  const stale = (at: Date | undefined) => at !== undefined && now - at.getTime() >= maxAgeMs;
  const result: StaleCleanup = { abortedUploads: 0, deletedStagedFiles: 0, releasedVersions: 0 };

  for await (const upload of listMultiparts(store)) {
    const ours =
      datasetUploadOfKey(upload.key) !== undefined ||
      datasetFileOfKey(upload.key)?.file === "data.csv";
    if (ours && stale(upload.initiated)) {
      await abortMultipart(store, upload.key, upload.uploadId);
      result.abortedUploads++;
    }
  }

  for await (const object of store.list(layout.datasetUploadsRoot)) {
    if (datasetUploadOfKey(object.key) !== undefined && stale(object.lastModified)) {
      await store.delete(object.key);
      result.deletedStagedFiles++;
    }
  }

  // Claims and published versions, by dataset and version, from one listing.
  const versions = new Map<string, { dataset: string; version: string; claimedAt?: Date }>();
  const published = new Set<string>();
  for await (const object of store.list(layout.datasetsRoot)) {
    const file = datasetFileOfKey(object.key);
    if (file === undefined) continue;
    const id = `${file.dataset}/${file.version}`;
    if (file.file === "dataset.json") published.add(id);
    if (file.file === "claim.json") {
      versions.set(id, {
        dataset: file.dataset,
        version: file.version,
        claimedAt: object.lastModified,
      });
    }
  }
  for (const [id, claim] of versions) {
    if (published.has(id) || !stale(claim.claimedAt)) continue;
    await releaseVersion(store, claim.dataset, claim.version);
    result.releasedVersions++;
  }
  return result;
}
