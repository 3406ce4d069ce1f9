/**
 * Memory stays bounded whatever the upload's size: a ~200 MB CSV streamed through the upload
 * path in this process (request → scan → multipart upload to MinIO) must not raise the RSS by
 * 100 MB. The peak is sampled while the upload runs, not only at the end.
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { createFunctionApp, createRoutes } from "../../functions/lib/http/function-app.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { mountDatasets } from "../../functions/train/datasets/routes.ts";
import type { DatasetRecord } from "../../functions/train/datasets/schema.ts";
import { capturedLogger } from "../support/logs.ts";
import { freshStore } from "../support/storage.ts";

const MB = 1_000_000;
const TARGET_BYTES = 200 * MB;

/** A full collection before each measurement, so garbage from earlier work does not count. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

/** About `bytes` of CSV, generated a chunk at a time as the reader pulls. */
function generatedCsv(bytes: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const cities = ["Paris", "Berlin", "Rome", "Madrid", "Oslo", "Lisbon"];
  let sent = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) {
        controller.close();
        return;
      }
      let text = sent === 0 ? "id,age,income,score,member,city,note\n" : "";
      while (text.length < 64 * 1024) {
        i++;
        const note = i % 10 === 0 ? `"a note, with ""quotes""\nand a break ${i}"` : `note ${i}`;
        text += `${i},${20 + (i % 60)},${(i * 37.25) % 100_000},${(i % 997) / 7},${i % 3 ? "yes" : "no"},${cities[i % 6]},${note}\n`;
      }
      const chunk = encoder.encode(text);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

let store: ObjectStore;
let app: Hono;

beforeAll(async () => {
  store = await freshStore();
  const routes = createRoutes();
  mountDatasets(routes, {
    store,
    signer: store,
    maxBytes: 1024 * MB,
    maxDistinct: 1000,
    uploadMaxAgeMs: 60_000,
    partUrlTtlSeconds: 600,
  });
  const readiness = new Readiness();
  readiness.markStarted();
  app = createFunctionApp(routes, {
    name: "train",
    logger: capturedLogger("train").logger,
    readiness,
    jsonBodyLimitBytes: MB,
  });
});

async function upload(body: ReadableStream<Uint8Array>): Promise<Response> {
  return app.request("/datasets/memory", {
    method: "PUT",
    body,
    headers: { "content-type": "text/csv" },
    duplex: "half",
  } as RequestInit);
}

describe("memory while streaming a large upload", () => {
  it("raises the RSS by less than 100 MB for a ~200 MB CSV", async () => {
    const gc = collector();
    // Warm up: modules, JIT and the S3 client's connections are not what is measured.
    expect((await upload(generatedCsv(20 * MB))).status).toBe(201);
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 10);
    const started = performance.now();
    const res = await upload(generatedCsv(TARGET_BYTES));
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(res.status).toBe(201);
    const record = (await res.json()) as DatasetRecord;
    gc();
    const after = process.memoryUsage().rss;

    const growth = (peak - before) / MB;
    console.log(
      `upload of ${(record.bytes / MB).toFixed(0)} MB, ${record.rows} rows: ${(record.bytes / MB / seconds).toFixed(0)} MB/s; ` +
        `RSS ${(before / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB (+${growth.toFixed(0)} MB), ` +
        `${(after / MB).toFixed(0)} MB after`,
    );
    expect(record.bytes).toBeGreaterThan(TARGET_BYTES);
    expect(record.columns.map((c) => c.type)).toEqual([
      "integer",
      "integer",
      "number",
      "number",
      "boolean",
      "categorical",
      "categorical",
    ]);
    expect(growth).toBeLessThan(100);
  }, 180_000);
});
