import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { ensureBucket } from "../../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../../functions/lib/storage/object-store.ts";
import { createServeMetrics } from "../../../functions/serve/metrics.ts";
import {
  PredictionLog,
  type PredictionLogOptions,
  type PredictionRecord,
} from "../../../functions/serve/prediction-log.ts";
import { capturedLogger } from "../../support/logs.ts";
import { freshStore, predictionLogFiles, testStorageEnv } from "../../support/storage.ts";

function record(i: number, model = "iris"): PredictionRecord {
  return {
    requestId: `r-${i}`,
    time: new Date(Date.UTC(2026, 10, 27, 12)).toISOString(),
    model,
    version: "1",
    api: "predict",
    status: 200,
    latencyMs: 0.5,
    inputs: [{ x: i }],
    outputs: [{ label: "a" }],
  };
}

const logged = (store: ObjectStore, prefix?: string) =>
  predictionLogFiles<PredictionRecord>(store, prefix);

function setUp(
  store: ObjectStore,
  options: Partial<Omit<PredictionLogOptions, "store" | "logger" | "metrics">> = {},
) {
  const { logger, lines } = capturedLogger("serve");
  const metrics = createServeMetrics(new Registry());
  const log = new PredictionLog({
    store,
    logger,
    metrics,
    batchSize: 1000,
    maxAgeMs: 60_000,
    maxBuffered: 1000,
    backoffMs: 50,
    maxBackoffMs: 200,
    ...options,
  });
  const count = async (outcome: string) =>
    (await metrics.logRecords.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { log, lines, count };
}

/** A store whose bucket does not exist: every write fails. */
const unreachableStore = () =>
  ObjectStore.fromEnv(testStorageEnv(`missing-${randomBytes(4).toString("hex")}`));

const until = async (check: () => Promise<boolean> | boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("prediction log", () => {
  it("writes a batch as soon as it is full, as NDJSON under the model and day", async () => {
    const store = await freshStore();
    const { log, count } = setUp(store, { batchSize: 5 });
    for (let i = 0; i < 4; i++) log.append(record(i));
    await new Promise((r) => setTimeout(r, 200));
    expect(await count("written")).toBe(0);
    log.append(record(4));
    await until(async () => (await count("written")) === 5);
    expect(log.pending).toBe(0);
    const files = await logged(store);
    expect(files).toHaveLength(1);
    expect(files[0]?.key).toMatch(/^predictions\/iris\/2026\/11\/27\/[\w-]+\.ndjson$/);
    expect(files[0]?.records.map((r) => r.requestId)).toEqual(["r-0", "r-1", "r-2", "r-3", "r-4"]);
    expect(files[0]?.records[0]).toEqual(record(0));
    log.append(record(5));
    log.append(record(6));
    expect(log.pending).toBe(2);
    await log.close();
    expect((await logged(store)).flatMap((f) => f.records)).toHaveLength(7);
  });

  it("writes a partial batch once its oldest record is old enough", async () => {
    const store = await freshStore();
    const { log } = setUp(store, { maxAgeMs: 100 });
    log.append(record(1));
    log.append(record(2, "wine"));
    await until(async () => (await logged(store)).length === 2);
    expect(log.pending).toBe(0);
    expect((await logged(store, "predictions/wine/"))[0]?.records.map((r) => r.requestId)).toEqual([
      "r-2",
    ]);
  });

  it("keeps records while storage fails, retries with backoff and writes them once it is back", async () => {
    const env = testStorageEnv();
    const store = ObjectStore.fromEnv(env); // its bucket does not exist yet: every write fails
    const { log, lines, count } = setUp(store, { batchSize: 3 });
    for (let i = 0; i < 6; i++) log.append(record(i));
    await until(() => lines().some((l) => l.msg === "prediction log write failed; will retry"));
    expect(log.pending).toBe(6);
    await ensureBucket(store);
    await until(async () => (await count("written")) === 6);
    expect((await logged(store)).flatMap((f) => f.records)).toHaveLength(6);
  });

  it("never holds more than its bound: extra records are dropped, counted and warned about once", async () => {
    const { log, lines, count } = setUp(unreachableStore(), { maxBuffered: 10 });
    const started = performance.now();
    for (let i = 0; i < 25; i++) log.append(record(i));
    // Appending never waits for storage.
    expect(performance.now() - started).toBeLessThan(50);
    expect(log.pending).toBe(10);
    expect(await count("dropped")).toBe(15);
    expect(
      lines().filter((l) => String(l.msg).startsWith("prediction log buffer is full")),
    ).toHaveLength(1);
    await log.close(300);
    expect(log.pending).toBe(0);
    expect(await count("dropped")).toBe(25);
    expect(lines().some((l) => l.msg === "prediction log records lost at shutdown")).toBe(true);
  });

  it("bounds batches and the buffer by bytes too, so requests with many rows cannot pile up", async () => {
    // A record carrying 64 rows of 50 features: about 20 KB of JSON.
    const big = (i: number): PredictionRecord => ({
      ...record(i),
      inputs: Array.from({ length: 64 }, (_, r) =>
        Object.fromEntries(
          Array.from({ length: 50 }, (_, f) => [`feature_${f}`, r * 1000 + f + 0.5]),
        ),
      ),
    });
    const size = JSON.stringify(big(0)).length;
    expect(size).toBeGreaterThan(15_000);

    const store = await freshStore();
    const written = setUp(store, { batchBytes: size * 3 });
    for (let i = 0; i < 2; i++) written.log.append(big(i));
    await new Promise((r) => setTimeout(r, 200));
    expect(await written.count("written")).toBe(0);
    written.log.append(big(2));
    await until(async () => (await written.count("written")) === 3);
    expect((await logged(store)).flatMap((f) => f.records)).toEqual([big(0), big(1), big(2)]);

    const held = setUp(unreachableStore(), { maxBufferedBytes: size * 4 + 100 });
    for (let i = 0; i < 10; i++) held.log.append(big(i));
    expect(held.log.pending).toBe(4);
    expect(await held.count("dropped")).toBe(6);
    await held.log.close(300);
  });
});
