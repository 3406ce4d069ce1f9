/**
 * @module storage/version-claims
 * How a new version number is taken without two writers ever sharing one: the writer creates
 * the version's `claim.json` only if it is absent, and whoever succeeds owns the number. The
 * next number is one past the highest claimed or published so far, so a number held by a write
 * in flight (or by a deleted version) is skipped, never reused. Datasets and models use it alike.
 */
import { ConflictError } from "../errors.ts";
import { byVersion, versionOfKey } from "./layout.ts";
import type { ObjectStore } from "./object-store.ts";

const MAX_CLAIM_ATTEMPTS = 50;

export interface VersionedThing {
  /** e.g. "dataset iris", for the error a writer gets when it cannot claim. */
  label: string;
  /** The folder that holds the versions, e.g. `models/iris/`. */
  root: string;
  /** The file whose presence makes a version exist, e.g. `model.json`. */
  metaFile: string;
  claimKey: (version: string) => string;
}

/** The versions under `root` that exist (their `metaFile` is written), oldest first. */
export async function listPublishedVersions(
  store: ObjectStore,
  root: string,
  metaFile: string,
): Promise<string[]> {
  const versions: string[] = [];
  for await (const object of store.list(root)) {
    const version = versionOfKey(root, metaFile, object.key);
    if (version !== undefined) versions.push(version);
  }
  return versions.sort(byVersion);
}

async function highestVersion(store: ObjectStore, thing: VersionedThing): Promise<number> {
  let highest = 0;
  for await (const object of store.list(thing.root)) {
    const v =
      versionOfKey(thing.root, "claim.json", object.key) ??
      versionOfKey(thing.root, thing.metaFile, object.key);
    if (v !== undefined) highest = Math.max(highest, Number(v));
  }
  return highest;
}

export async function claimNextVersion(store: ObjectStore, thing: VersionedThing): Promise<string> {
  let next = (await highestVersion(store, thing)) + 1;
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, next++) {
    const version = String(next);
    try {
      await store.putJson(
        thing.claimKey(version),
        { claimedAt: new Date().toISOString() },
        { onlyIfAbsent: true },
      );
      return version;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  throw new ConflictError(
    `could not claim a new version of ${thing.label}: too many concurrent writers, try again`,
  );
}
