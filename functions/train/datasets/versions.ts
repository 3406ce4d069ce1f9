/**
 * @module train/datasets/versions
 * How a dataset version comes to exist without two writers ever sharing one, and without a
 * reader ever seeing half of one:
 *
 * 1. claim: create `claim.json` of the next number, only if absent. The one writer that
 *    succeeds owns the number; the others try the next. (dataset.json cannot be the claim: the
 *    data must be in place before it, and an unclaimed data.csv could be overwritten by a rival.)
 * 2. write data.csv under the claimed number;
 * 3. write dataset.json last: its presence is what makes the version exist.
 *
 * A failed write releases the claim and whatever it wrote, so nothing of it is left. A writer
 * that dies between 1 and 3 leaves files no reader looks at; `abortStaleUploads` removes them.
 */
import { layout } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { claimNextVersion } from "../../lib/storage/version-claims.ts";
import type { ScanResult } from "./scan.ts";
import type { DatasetRecord } from "./schema.ts";

/** Claims the next free version number of `name`. */
export function claimVersion(store: ObjectStore, name: string): Promise<string> {
  return claimNextVersion(store, {
    label: `dataset ${name}`,
    root: layout.datasetRoot(name),
    metaFile: "dataset.json",
    claimKey: (v) => layout.datasetClaim(name, v),
  });
}

/** Makes a claimed version exist, with data.csv already in place. */
export async function publishVersion(
  store: ObjectStore,
  name: string,
  version: string,
  scan: ScanResult,
): Promise<DatasetRecord> {
  const record: DatasetRecord = { name, version, ...scan, createdAt: new Date().toISOString() };
  await store.putJson(layout.datasetMeta(name, version), record, { onlyIfAbsent: true });
  return record;
}

/**
 * Undoes a claimed version that failed before it was published: data first, the claim last,
 * so a crash halfway still leaves the claim that marks the leftovers as abandoned.
 */
export async function releaseVersion(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<void> {
  await store.delete(layout.datasetData(name, version));
  await store.delete(layout.datasetClaim(name, version));
}

/**
 * Cleanup after a failure must not hide the failure: if releasing fails too, the leftovers are
 * an abandoned claim, which abortStaleUploads removes later.
 */
export async function releaseQuietly(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<void> {
  try {
    await releaseVersion(store, name, version);
  } catch {
    // the caller's error is the one to report
  }
}
