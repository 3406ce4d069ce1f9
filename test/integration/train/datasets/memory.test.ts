/**
 * Memory stays bounded whatever the upload's size: a ~200 MB CSV streamed through the upload
 * path in this process (request → scan → multipart upload to MinIO) must not raise the RSS by
 * 100 MB. The peak is sampled while the upload runs, not only at the end.
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { createFunctionApp, createRoutes } from "../../../../functions/lib/http/function-app.ts";
import { Readiness } from "../../../../functions/lib/http/health.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { mountDatasets } from "../../../../functions/train/datasets/routes.ts";
import type { DatasetRecord } from "../../../../functions/train/datasets/schema.ts";
import { WritesInFlight } from "../../../../functions/train/datasets/writes-in-flight.ts";
import { capturedLogger } from "../../../support/logs.ts";
import { freshStore } from "../../../support/storage.ts";

const MB = 1_000_000;
const TARGET_BYTES = 200 * MB;

/** A full collection before each measurement, so garbage from earlier work does not count. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

const HEADER = "id,age,income,score,member,city,note\n";
const CITIES = ["Paris", "Berlin", "Rome", "Madrid", "Oslo", "Lisbon"];

/**
 * 64 distinct chunks of about 64 KiB of whole rows, made once before the baseline is taken, so
 * that what is measured is the upload path and not the test's own string building.
 */
function rowChunks(): Uint8Array[] {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let i = 0;
  while (chunks.length < 64) {
    const rows: string[] = [];
    let length = 0;
    while (length < 64 * 1024) {
      i++;
      const note = i % 10 === 0 ? `"a note, with ""quotes""\nand a break ${i}"` : `note ${i}`;
      const score = i % 13 === 0 ? "" : ((i % 997) / 7).toFixed(3);
      const row = `${i},${20 + (i % 60)},${(i * 37.25) % 100_000},${score},${i % 3 ? "yes" : "no"},${CITIES[i % 6]},${note}\n`;
      rows.push(row);
      length += row.length;
    }
    chunks.push(encoder.encode(rows.join("")));
  }
  return chunks;
}

/** About `bytes` of CSV: the header, then the chunks over and over, each a fresh copy. */
function generatedCsv(chunks: Uint8Array[], bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let next = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(HEADER));
    },
    pull(controller) {
      if (sent >= bytes) {
        controller.close();
        return;
      }
      // A copy, as a socket hands out new buffers: reusing one would flatter the figure.
      const chunk = (chunks[next++ % chunks.length] as Uint8Array).slice();
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
    maxInflateRatio: 100,
    maxDistinct: 1000,
    uploadMaxAgeMs: 60_000,
    partUrlTtlSeconds: 600,
    writes: new WritesInFlight(),
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

/** Streams one upload while sampling the RSS every 10 ms; the growth is peak minus before. */
async function measuredUpload(chunks: Uint8Array[], gc: () => void) {
  gc();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  const res = await upload(generatedCsv(chunks, TARGET_BYTES));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  expect(res.status).toBe(201);
  const record = (await res.json()) as DatasetRecord;
  gc();
  const after = process.memoryUsage().rss;
  const growth = (peak - before) / MB;
  const line =
    `${(record.bytes / MB).toFixed(0)} MB, ${record.rows} rows at ${(record.bytes / MB / seconds).toFixed(0)} MB/s; ` +
    `RSS ${(before / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB (+${growth.toFixed(0)} MB), ` +
    `${(after / MB).toFixed(0)} MB after`;
  return { record, growth, line };
}

describe("memory while streaming a large upload", () => {
  it("raises the RSS by less than 100 MB for a ~200 MB CSV, first upload of the process included", async () => {
    const gc = collector();
    const chunks = rowChunks();
    // The first upload pays for compiling the upload path, growing the heap and opening
    // connections to storage; it must stay within the bound too.
    const first = await measuredUpload(chunks, gc);
    const second = await measuredUpload(chunks, gc);
    console.log(`first upload: ${first.line}\nsecond upload: ${second.line}`);
    expect(first.record.bytes).toBeGreaterThan(TARGET_BYTES);
    expect(first.record.columns.map((c) => c.type)).toEqual([
      "integer",
      "integer",
      "number",
      "number",
      "boolean",
      "categorical",
      "categorical",
    ]);
    expect(first.record.columns[3]?.missing).toBeGreaterThan(0);
    expect(first.growth).toBeLessThan(100);
    expect(second.growth).toBeLessThan(100);
  }, 300_000);
});
