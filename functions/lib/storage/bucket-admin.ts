/**
 * @module storage/bucket-admin
 * The bucket itself rather than its objects: whether it exists, creating it, and the lifecycle
 * rules that expire what is written under a prefix. Only bootstrap and the local platform
 * prepare a bucket; the functions that serve requests never load this.
 */
import {
  CreateBucketCommand,
  DeleteBucketLifecycleCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketLifecycleConfigurationCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { ObjectStore } from "./object-store.ts";
import { isMissing, storageFailure } from "./s3-errors.ts";

/** Answers whether the bucket exists and can be reached; any failure answers false. */
export async function bucketExists(store: ObjectStore): Promise<boolean> {
  try {
    await store.client.send(new HeadBucketCommand({ Bucket: store.bucket }), store.bounded());
    return true;
  } catch {
    return false;
  }
}

/** Creates the bucket unless it exists already; safe to race with another creator. */
export async function ensureBucket(store: ObjectStore): Promise<void> {
  try {
    await store.client.send(new HeadBucketCommand({ Bucket: store.bucket }), store.bounded());
    return;
  } catch (error) {
    if (!isMissing(error)) throw storageFailure("check bucket", error);
  }
  try {
    await store.client.send(new CreateBucketCommand({ Bucket: store.bucket }), store.bounded());
  } catch (error) {
    const name = error instanceof S3ServiceException ? error.name : "";
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") {
      throw storageFailure("create bucket", error);
    }
  }
}

/**
 * Makes objects under `prefix` expire `days` after they were written, through the bucket's
 * lifecycle configuration; `days` 0 removes that expiry. Idempotent: the rule has an ID
 * derived from the prefix, rules with other IDs are kept, and nothing is written when the
 * configuration is already as asked. Answers whether the configuration changed.
 */
export async function setExpiry(
  store: ObjectStore,
  prefix: string,
  days: number,
): Promise<boolean> {
  if (!Number.isInteger(days) || days < 0) {
    throw new RangeError(`expiry days must be a whole number ≥ 0, got ${days}`);
  }
  const id = expiryRuleId(prefix);
  const current = await lifecycleRules(store);
  const ours = current.find((rule) => rule.ID === id);
  const others = current.filter((rule) => rule.ID !== id);
  if (days === 0) {
    if (!ours) return false;
    await writeLifecycle(store, others, `remove the lifecycle rule for ${prefix}`);
    return true;
  }
  const unchanged =
    ours?.Status === "Enabled" &&
    ours.Expiration?.Days === days &&
    ours.Filter?.Prefix === prefix &&
    ours.Filter.And === undefined &&
    ours.Filter.Tag === undefined;
  if (unchanged) return false;
  const rule: LifecycleRule = {
    ID: id,
    Status: "Enabled",
    Filter: { Prefix: prefix },
    Expiration: { Days: days },
  };
  await writeLifecycle(store, [...others, rule], `set the lifecycle rule for ${prefix}`);
  return true;
}

async function writeLifecycle(
  store: ObjectStore,
  rules: LifecycleRule[],
  what: string,
): Promise<void> {
  try {
    if (rules.length === 0) {
      await store.client.send(
        new DeleteBucketLifecycleCommand({ Bucket: store.bucket }),
        store.bounded(),
      );
    } else {
      await store.client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: store.bucket,
          LifecycleConfiguration: { Rules: rules },
        }),
        store.bounded(),
      );
    }
  } catch (error) {
    throw storageFailure(what, error);
  }
}

/** The bucket's lifecycle rules; none when it has no lifecycle configuration. */
export async function lifecycleRules(store: ObjectStore): Promise<LifecycleRule[]> {
  try {
    const out = await store.client.send(
      new GetBucketLifecycleConfigurationCommand({ Bucket: store.bucket }),
      store.bounded(),
    );
    return out.Rules ?? [];
  } catch (error) {
    if (error instanceof S3ServiceException && error.name === "NoSuchLifecycleConfiguration") {
      return [];
    }
    throw storageFailure("read the lifecycle configuration", error);
  }
}

/** `predictions/` → `skiff-expire-predictions`: one rule per prefix, found again by its ID. */
export function expiryRuleId(prefix: string): string {
  const slug = prefix.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `skiff-expire-${slug || "all"}`;
}
