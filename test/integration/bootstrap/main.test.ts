/**
 * The bootstrap command as the chart's hook Job runs it, as a real process against the test
 * run's MinIO: it creates the bucket, sets the prediction-log expiry, and a second run changes
 * nothing and still succeeds.
 */

import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import {
  ensureBucket,
  expiryRuleId,
  lifecycleRules,
  setExpiry,
} from "../../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../../functions/lib/storage/object-store.ts";
import { freePort } from "../../../minio/launcher.ts";
import { spawnEntry } from "../../support/processes.ts";
import { testStorageEnv } from "../../support/storage.ts";

const ENTRY = "functions/bootstrap/main.ts";

async function runBootstrap(env: Record<string, string>) {
  const spawned = spawnEntry(ENTRY, env);
  const code = await spawned.exited;
  // Its own lines only: on Node 20 the AWS SDK adds a deprecation warning to stderr.
  const lines = spawned
    .output()
    .split("\n")
    .filter((line) => line.startsWith("skiff bootstrap:"));
  return { code, lines, last: lines.at(-1) ?? "" };
}

function envFor(bucket: string, extra: Record<string, string> = {}): Record<string, string> {
  const storage = testStorageEnv(bucket);
  return {
    SKIFF_S3_ENDPOINT: storage.SKIFF_S3_ENDPOINT,
    SKIFF_S3_BUCKET: bucket,
    SKIFF_S3_ACCESS_KEY_ID: storage.SKIFF_S3_ACCESS_KEY_ID,
    SKIFF_S3_SECRET_ACCESS_KEY: storage.SKIFF_S3_SECRET_ACCESS_KEY,
    ...extra,
  };
}

describe("bootstrap command", { timeout: 60_000 }, () => {
  it("creates the bucket and the predictions/ expiry; a second run is a no-op success", async () => {
    const bucket = `boot-${Date.now().toString(36)}`;
    const env = envFor(bucket, { SKIFF_PREDICTIONS_EXPIRY_DAYS: "14" });
    const store = ObjectStore.fromEnv(testStorageEnv(bucket));

    const first = await runBootstrap(env);
    expect(first.code, first.lines.join("\n")).toBe(0);
    expect(first.lines).toEqual([
      `skiff bootstrap: done: bucket "${bucket}" created; predictions/ expires after 14 days`,
    ]);
    const { Buckets = [] } = await store.client.send(new ListBucketsCommand({}));
    expect(Buckets.map((b) => b.Name)).toContain(bucket);
    expect(await lifecycleRules(store)).toEqual([
      {
        ID: expiryRuleId("predictions/"),
        Status: "Enabled",
        Filter: { Prefix: "predictions/" },
        Expiration: { Days: 14 },
      },
    ]);

    const second = await runBootstrap(env);
    expect(second.code, second.lines.join("\n")).toBe(0);
    expect(second.last).toBe(
      `skiff bootstrap: done: bucket "${bucket}" already existed; predictions/ expires after 14 days (rule unchanged)`,
    );
    expect(await lifecycleRules(store)).toHaveLength(1);
  });

  it("changes the expiry in place and keeps rules it does not own", async () => {
    const bucket = `boot-${Date.now().toString(36)}-b`;
    const store = ObjectStore.fromEnv(testStorageEnv(bucket));
    await ensureBucket(store);
    // Someone else's rule on the same bucket must survive every run.
    await setExpiry(store, "scratch/", 1);

    const run = await runBootstrap(envFor(bucket, { SKIFF_PREDICTIONS_EXPIRY_DAYS: "30" }));
    expect(run.code, run.lines.join("\n")).toBe(0);
    const changed = await runBootstrap(envFor(bucket, { SKIFF_PREDICTIONS_EXPIRY_DAYS: "7" }));
    expect(changed.last).toMatch(/already existed; predictions\/ expires after 7 days$/);
    const rules = await lifecycleRules(store);
    expect(rules.map((r) => [r.Filter?.Prefix, r.Expiration?.Days]).sort()).toEqual([
      ["predictions/", 7],
      ["scratch/", 1],
    ]);

    const forever = await runBootstrap(envFor(bucket, { SKIFF_PREDICTIONS_EXPIRY_DAYS: "0" }));
    expect(forever.last).toMatch(/predictions\/ kept forever \(expiry rule removed\)$/);
    expect((await lifecycleRules(store)).map((r) => r.Filter?.Prefix)).toEqual(["scratch/"]);
  });

  it("retries unreachable storage until its deadline, then fails with one line", async () => {
    const port = await freePort();
    const started = Date.now();
    const run = await runBootstrap({
      ...envFor("never-created"),
      SKIFF_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      SKIFF_BOOTSTRAP_RETRY_SECONDS: "2",
    });
    expect(run.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(run.lines.some((l) => l.includes("storage not reachable yet (ECONNREFUSED)"))).toBe(
      true,
    );
    expect(run.last).toMatch(
      /^skiff bootstrap: failed: storage failed to check bucket: .*ECONNREFUSED/,
    );
  });

  it("fails at once, naming the variable, on a bad setting", async () => {
    const run = await runBootstrap(envFor("x-bucket", { SKIFF_PREDICTIONS_EXPIRY_DAYS: "-1" }));
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      expect.stringMatching(
        /^skiff bootstrap: failed: invalid configuration: SKIFF_PREDICTIONS_EXPIRY_DAYS /,
      ),
    ]);
  });
});
