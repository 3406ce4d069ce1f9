/**
 * Uploads that end without a version: a gzip bomb, a client that goes away, a process stopped
 * mid-upload, and claims a dead writer left behind. None may leave anything in storage that a
 * later upload or listing trips over, and none may keep working for nobody.
 */

import { connect } from "node:net";
import { gzipSync } from "node:zlib";
import type { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startHttpServer } from "../../../../functions/lib/server.ts";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import type { DatasetsContext } from "../../../../functions/train/datasets/context.ts";
import type { DatasetRecord } from "../../../../functions/train/datasets/schema.ts";
import { abortStaleUploads } from "../../../../functions/train/datasets/stale.ts";
import { WritesInFlight } from "../../../../functions/train/datasets/writes-in-flight.ts";
import { datasetsTestAppOn, errorOf, leftovers, putCsv } from "../../../support/datasets.ts";
import { capturedLogger } from "../../../support/logs.ts";
import { type Spawned, startTrainProcess } from "../../../support/processes.ts";
import { freshStore } from "../../../support/storage.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const GZIP = { "content-type": "text/csv", "content-encoding": "gzip" };

let store: ObjectStore;

function appWith(overrides: Partial<DatasetsContext> = {}): Hono {
  return datasetsTestAppOn(store, { maxBytes: 8 * GiB, ...overrides });
}

beforeAll(async () => {
  store = await freshStore();
});

/**
 * A valid CSV as gzip that inflates to about `inflated` bytes: gzip members may follow one
 * another, so one member of 16 MiB of "0,0" rows, repeated, makes a bomb cheaply.
 */
function gzipBomb(inflated: number): Buffer {
  const rows = gzipSync(Buffer.from("0,0\n".repeat(4 * MiB)), { level: 9 });
  const members = Math.ceil(inflated / (16 * MiB));
  return Buffer.concat([gzipSync(Buffer.from("x,y\n")), ...Array(members).fill(rows)]);
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

const nothingLeft = async (name: string) => {
  const left = await leftovers(store, name);
  return left.keys.length === 0 && left.pendingUploads.length === 0;
};

describe("a gzip body that inflates far beyond its size", () => {
  it("is refused with 413 naming SKIFF_DATASET_MAX_INFLATE_RATIO before a part reaches storage", async () => {
    const bomb = gzipBomb(4 * GiB);
    expect(bomb.length).toBeLessThan(8 * MiB);
    const started = Date.now();
    const res = await putCsv(appWith(), "bomb", bomb, GZIP);
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe("payload_too_large");
    expect(error.message).toMatch(
      /^the gzip body inflates to more than 100 times its compressed size \(\d+ bytes from \d+\), more than SKIFF_DATASET_MAX_INFLATE_RATIO allows/,
    );
    // Refused within its first few MiB inflated (of 4 GiB), before a part could be stored.
    const inflated = Number(/\((\d+) bytes from/.exec(error.message)?.[1]);
    expect(inflated).toBeLessThan(5 * MiB);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await leftovers(store, "bomb")).toEqual({ keys: [], pendingUploads: [] });
  }, 30_000);

  it("lets real CSV through gzipped under the default ratio, and a raised ratio lets more", async () => {
    let csv = "id,x,y,label\n";
    for (let i = 1; csv.length < 12 * MiB; i++) {
      csv += `${i},${(i * 0.37).toFixed(2)},${i % 7},${i % 3 === 0 ? "a" : "b"}\n`;
    }
    const real = await putCsv(appWith(), "gzipped", gzipSync(Buffer.from(csv)), GZIP);
    expect(real.status).toBe(201);
    expect(((await real.json()) as DatasetRecord).bytes).toBe(csv.length);

    const repetitive = gzipBomb(32 * MiB);
    const raised = await putCsv(appWith({ maxInflateRatio: 2000 }), "gzipped", repetitive, GZIP);
    expect(raised.status).toBe(201);
  }, 60_000);
});

describe("a client that goes away mid-upload", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const app = appWith({ maxInflateRatio: 1_000_000 });
    server = await startHttpServer({
      fetch: app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: capturedLogger("train").logger,
      drainTimeoutMs: 1000,
    });
  });
  afterAll(() => server?.close());

  it("stops the inflate, the scan and the upload at once: no multipart upload, claim or version stays", async () => {
    // All of it sent before the client leaves: only the connection says nobody is waiting.
    const bomb = gzipBomb(2 * GiB);
    const socket = connect(server.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `PUT /datasets/gone HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`,
    );
    socket.write(bomb);
    await until("the multipart upload of data.csv starting", 20_000, async () =>
      (await leftovers(store, "gone")).pendingUploads.includes(layout.datasetData("gone", "1")),
    );
    socket.destroy();
    const took = await until("everything of the upload going", 5000, () => nothingLeft("gone"));
    expect(took).toBeLessThan(5000);
    // and it stays gone: nothing went on writing for the client that left
    await new Promise((r) => setTimeout(r, 1500));
    expect(await leftovers(store, "gone")).toEqual({ keys: [], pendingUploads: [] });
  }, 60_000);
});

describe("shutdown while writes are under way", () => {
  it("ends them and waits until each has released its version", async () => {
    const writes = new WritesInFlight();
    const app = appWith({ writes, maxInflateRatio: 1_000_000 });
    const answer = putCsv(app, "stopped", gzipBomb(2 * GiB), GZIP);
    await until("the multipart upload of data.csv starting", 20_000, async () =>
      (await leftovers(store, "stopped")).pendingUploads.includes(
        layout.datasetData("stopped", "1"),
      ),
    );
    await writes.stop();
    // Nothing is left the moment stop resolves: the process may exit right after it.
    expect(await leftovers(store, "stopped")).toEqual({ keys: [], pendingUploads: [] });
    const res = await answer;
    expect(res.status).toBe(503);
    expect((await errorOf(res)).message).toMatch(/shutting down/);
  }, 60_000);
});

describe("the train process stopped mid-upload", () => {
  let spawned: Spawned | undefined;
  afterAll(() => {
    spawned?.child.kill("SIGKILL");
  });

  it("exits within its drain timeout, having released the version: no claim, data or upload stays", async () => {
    const train = await startTrainProcess(store.bucket, {
      SKIFF_API_TOKEN: "shutdown-test-token-0123456789",
      SKIFF_DRAIN_TIMEOUT_MS: "500",
    });
    spawned = train.spawned;
    const port = train.port;
    // More than a part, then nothing more: the upload is under way when SIGTERM comes.
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      "PUT /train/datasets/sigterm HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer shutdown-test-token-0123456789\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    const rows = Buffer.from(`x,y\n${"1,2\n".repeat(3 * MiB)}`);
    socket.write(`${rows.length.toString(16)}\r\n`);
    socket.write(rows);
    socket.write("\r\n");
    await until("the multipart upload of data.csv starting", 20_000, async () =>
      (await leftovers(store, "sigterm")).pendingUploads.includes(
        layout.datasetData("sigterm", "1"),
      ),
    );
    const stopped = Date.now();
    spawned.child.kill("SIGTERM");
    expect(await spawned.exited).toBe(0);
    expect(Date.now() - stopped).toBeLessThan(10_000);
    expect(await leftovers(store, "sigterm")).toEqual({ keys: [], pendingUploads: [] });
    socket.destroy();
  }, 90_000);
});

describe("claims a dead writer left behind", () => {
  it("neither break listing nor the next upload, and the sweep removes them", async () => {
    const app = appWith();
    const first = await putCsv(app, "leftover", Buffer.from("a,b\n1,2\n"));
    expect(first.status).toBe(201);
    // What a writer killed mid-upload leaves: a claim (whatever its content) and data.csv.
    await store.putBytes(
      layout.datasetClaim("leftover", "2"),
      Buffer.from("not json"),
      "text/plain",
    );
    await store.putBytes(layout.datasetData("leftover", "2"), Buffer.from("a,b\n1"), "text/csv");
    await store.putJson(layout.datasetClaim("only-claims", "1"), { claimedAt: "long ago" });

    const list = await app.request("/datasets");
    const { datasets } = (await list.json()) as { datasets: Array<{ name: string }> };
    expect(datasets).toContainEqual({ name: "leftover", latest: "1", versions: 1 });
    expect(datasets.map((d) => d.name)).not.toContain("only-claims");
    expect(await (await app.request("/datasets/leftover")).json()).toEqual({
      name: "leftover",
      latest: "1",
      versions: ["1"],
    });
    expect((await app.request("/datasets/leftover/versions/2")).status).toBe(404);
    expect((await app.request("/datasets/only-claims")).status).toBe(404);

    const next = await putCsv(app, "leftover", Buffer.from("a,b\n3,4\n"));
    expect(next.status).toBe(201);
    expect(((await next.json()) as DatasetRecord).version).toBe("3");
    const fresh = await putCsv(app, "only-claims", Buffer.from("a\n1\n"));
    expect(((await fresh.json()) as DatasetRecord).version).toBe("2");

    const swept = await abortStaleUploads(store, 60_000, Date.now() + 120_000);
    // leftover's version 2, and only-claims' version 1
    expect(swept.releasedVersions).toBe(2);
    const keys = (await leftovers(store, "leftover")).keys.filter((k) => k.includes("/2/"));
    expect(keys).toEqual([]);
    expect(await (await app.request("/datasets/leftover")).json()).toMatchObject({
      versions: ["1", "3"],
    });
  });
});
