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
import { ConflictError } from "../../lib/errors.ts";
import { layout, versionOfKey } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import type { ScanResult } from "./scan.ts";
import type { DatasetRecord } from "./schema.ts";

const MAX_CLAIM_ATTEMPTS = 50;

/** Highest number claimed or published so far: a number a write in flight holds is skipped. */
async function highestVersion(store: ObjectStore, name: string): Promise<number> {
  const root = layout.datasetRoot(name);
  let highest = 0;
  for await (const object of store.list(root)) {
    const v =
      versionOfKey(root, "claim.json", object.key) ??
      versionOfKey(root, "dataset.json", object.key);
    if (v !== undefined) highest = Math.max(highest, Number(v));
  }
  return highest;
}

/** Claims the next free version number of `name`. */
export async function claimVersion(store: ObjectStore, name: string): Promise<string> {
  let next = (await highestVersion(store, name)) + 1;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, next++) {
    const version = String(next);
    try {
      await store.putJson(
        layout.datasetClaim(name, version),
        { claimedAt: new Date().toISOString() },
        { onlyIfAbsent: true },
      );
      return version;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError(
    `could not claim a new version of dataset ${name}: too many concurrent uploads, try again`,
  );
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
