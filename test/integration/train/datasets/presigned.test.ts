/**
 * Presigned multipart uploads end to end on a real MinIO: parts PUT with fetch() straight to
 * the signed URLs, a client that is "killed" and resumes, completion with validation, and the
 * sweep of abandoned uploads.
 */
import { createHash } from "node:crypto";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { parseEnv } from "../../../../functions/lib/config.ts";
import { ensureBucket } from "../../../../functions/lib/storage/bucket-admin.ts";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import {
  copyObject,
  putChunks,
  startMultipart,
} from "../../../../functions/lib/storage/multipart.ts";
import { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { datasetSettings } from "../../../../functions/train/datasets/config.ts";
import {
  type DatasetsContext,
  datasetsContext,
} from "../../../../functions/train/datasets/context.ts";
import { abortStaleUploads } from "../../../../functions/train/datasets/presigned.ts";
import type { DatasetRecord } from "../../../../functions/train/datasets/schema.ts";
import { WritesInFlight } from "../../../../functions/train/datasets/writes-in-flight.ts";
import { datasetsTestApp } from "../../../support/datasets.ts";
import { freshStore, testStorageEnv } from "../../../support/storage.ts";

const MiB = 1024 * 1024;

let store: ObjectStore;
let ctx: DatasetsContext;
let app: Hono;
/** Clients reach storage as localhost, the function as 127.0.0.1: both are this MinIO. */
let publicHost: string;

const appWith = datasetsTestApp;

beforeAll(async () => {
  const env = testStorageEnv();
  store = ObjectStore.fromEnv(env);
  await ensureBucket(store);
  const publicEndpoint = env.SKIFF_S3_ENDPOINT.replace("127.0.0.1", "localhost");
  publicHost = new URL(publicEndpoint).host;
  const settings = parseEnv(datasetSettings, {
    SKIFF_S3_PUBLIC_ENDPOINT: publicEndpoint,
    SKIFF_DATASET_MAX_BYTES: String(64 * MiB),
  });
  ctx = datasetsContext(store, { ...env, ...settings }, new WritesInFlight());
  app = appWith(ctx);
});

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** A CSV of about `bytes` bytes. */
function csvOf(bytes: number): Buffer {
  const lines = ["id,value,group"];
  let size = lines[0]?.length ?? 0;
  for (let i = 1; size < bytes; i++) {
    const line = `${i},${(i / 3).toFixed(4)},${i % 2 ? "odd" : "even"}`;
    lines.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${lines.join("\n")}\n`);
}

async function call(method: string, path: string, body?: unknown) {
  const res = await app.request(path, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await res.text();
  const answer: unknown = text === "" ? undefined : JSON.parse(text);
  return { status: res.status, body: answer };
}

async function start(name: string): Promise<string> {
  const res = await call("POST", `/datasets/${name}/uploads`);
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

/** What a client does: ask for the part's URL, PUT the bytes to it. */
async function sendPart(name: string, id: string, part: number, bytes: Uint8Array) {
  const res = await call("GET", `/datasets/${name}/uploads/${id}/parts/${part}`);
  expect(res.status).toBe(200);
  const { url } = res.body as { url: string };
  const put = await fetch(url, { method: "PUT", body: bytes });
  expect(put.status).toBe(200);
}

async function pendingUploads(): Promise<string[]> {
  const out = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
  return (out.Uploads ?? []).map((u) => u.Key ?? "");
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys;
}

describe("presigned multipart upload", () => {
  it("uploads parts straight to storage, resumes after the client dies, and commits a version", async () => {
    const data = csvOf(12 * MiB + 12345);
    const parts = [
      data.subarray(0, 5 * MiB),
      data.subarray(5 * MiB, 10 * MiB),
      data.subarray(10 * MiB),
    ];

    const started = await call("POST", "/train/datasets/huge/uploads");
    expect(started.status).toBe(201);
    const upload = started.body as { id: string; expiresAt: string; minPartBytes: number };
    expect(upload.minPartBytes).toBe(5 * MiB);
    expect(Date.parse(upload.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    // The first part's URL names the public endpoint, and works.
    const first = await call("GET", `/datasets/huge/uploads/${upload.id}/parts/1`);
    const { url, expiresAt } = first.body as { url: string; expiresAt: string };
    expect(new URL(url).host).toBe(publicHost);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect((await fetch(url, { method: "PUT", body: parts[0] })).status).toBe(200);

    // The client is killed here and knows only the upload id when it comes back.
    const status = await call("GET", `/datasets/huge/uploads/${upload.id}`);
    expect(status.status).toBe(200);
    const received = status.body as { parts: Array<{ part: number; size: number }> };
    expect(received.parts.map((p) => [p.part, p.size])).toEqual([[1, 5 * MiB]]);

    const batch = await call("GET", `/datasets/huge/uploads/${upload.id}/parts?parts=2-3`);
    expect(batch.status).toBe(200);
    const { urls } = batch.body as { urls: Array<{ part: number; url: string }> };
    expect(urls.map((u) => u.part)).toEqual([2, 3]);
    for (const u of urls) {
      expect(new URL(u.url).host).toBe(publicHost);
      const put = await fetch(u.url, { method: "PUT", body: parts[u.part - 1] });
      expect(put.status).toBe(200);
    }

    const done = await call("POST", `/datasets/huge/uploads/${upload.id}/complete`, {
      sha256: sha256(data),
    });
    expect(done.status).toBe(201);
    const record = done.body as DatasetRecord;
    expect(record).toMatchObject({
      name: "huge",
      version: "1",
      bytes: data.length,
      sha256: sha256(data),
      rows: data.toString().split("\n").length - 2,
    });
    expect(record.columns.map((c) => [c.name, c.type])).toEqual([
      ["id", "integer"],
      ["value", "number"],
      ["group", "categorical"],
    ]);

    const stored = await store.getBytes(layout.datasetData("huge", "1"));
    expect(sha256(stored ?? new Uint8Array())).toBe(record.sha256);
    const listed = await call("GET", "/datasets/huge/versions/1");
    expect(listed.body).toEqual(record);
    expect(await keysUnder(layout.datasetUploadsRoot)).toEqual([]);
    expect(await pendingUploads()).toEqual([]);
    expect((await call("GET", `/datasets/huge/uploads/${upload.id}`)).status).toBe(404);
  }, 60_000);

  it("refuses to complete with a part missing or too small, and keeps the upload for the fix", async () => {
    const id = await start("gappy");
    const data = csvOf(5 * MiB + 100);
    await sendPart("gappy", id, 1, data.subarray(0, 5 * MiB));
    await sendPart("gappy", id, 3, data.subarray(5 * MiB));

    const gap = await call("POST", `/datasets/gappy/uploads/${id}/complete`);
    expect(gap.status).toBe(400);
    expect(gap.body).toEqual({
      error: {
        code: "invalid_request",
        message: `upload ${id} of dataset gappy is missing part 2: parts must be numbered from 1 without gaps`,
      },
    });

    await sendPart("gappy", id, 2, new Uint8Array(1024));
    const small = await call("POST", `/datasets/gappy/uploads/${id}/complete`);
    expect(small.status).toBe(400);
    expect((small.body as { error: { message: string } }).error.message).toMatch(
      /^part 2 of upload \w+ has 1024 bytes; every part but the last needs at least 5242880 bytes/,
    );
    const still = await call("GET", `/datasets/gappy/uploads/${id}`);
    expect((still.body as { parts: unknown[] }).parts).toHaveLength(3);

    expect((await call("DELETE", `/datasets/gappy/uploads/${id}`)).status).toBe(204);
    expect((await call("GET", `/datasets/gappy/uploads/${id}`)).status).toBe(404);
    expect(await pendingUploads()).toEqual([]);
  }, 30_000);

  it.each([
    {
      what: "a ragged CSV",
      data: Buffer.from("a,b\n1,2\n3\n"),
      expected: undefined,
      status: 400,
      message: /^line 3 has 1 field, but the header has 2$/,
    },
    {
      what: "bytes that are not UTF-8",
      data: Buffer.from([0x61, 0x0a, 0xc3, 0x28, 0x0a]),
      expected: undefined,
      status: 400,
      message: /not valid UTF-8/,
    },
    {
      what: "data whose sha256 is not the one the client expected",
      data: Buffer.from("a,b\n1,2\n"),
      expected: "0".repeat(64),
      status: 400,
      message: /has sha256 [0-9a-f]{64}, not the expected 0{64}/,
    },
  ])("refuses $what and leaves nothing behind", async ({ data, expected, status, message }) => {
    const id = await start("refused");
    await sendPart("refused", id, 1, data);
    const res = await call(
      "POST",
      `/datasets/refused/uploads/${id}/complete`,
      expected === undefined ? undefined : { sha256: expected },
    );
    expect(res.status).toBe(status);
    expect((res.body as { error: { message: string } }).error.message).toMatch(message);
    expect(await keysUnder(layout.datasetRoot("refused"))).toEqual([]);
    expect(await keysUnder(layout.datasetUploadsRoot)).toEqual([]);
    expect(await pendingUploads()).toEqual([]);
  });

  it("aborts an upload larger than the limit with 413 naming the setting", async () => {
    const small = appWith({ ...ctx, maxBytes: 1000 });
    const id = (
      (await (await small.request("/datasets/refused/uploads", { method: "POST" })).json()) as {
        id: string;
      }
    ).id;
    await sendPart("refused", id, 1, csvOf(2000));
    const res = await small.request(`/datasets/refused/uploads/${id}/complete`, { method: "POST" });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /more than the limit of 1000 bytes \(set by SKIFF_DATASET_MAX_BYTES\); it was aborted/,
    );
    expect(await pendingUploads()).toEqual([]);
    expect(await keysUnder(layout.datasetRoot("refused"))).toEqual([]);
  });

  it("commits one version when two requests complete the same upload at once", async () => {
    const id = await start("twice");
    await sendPart("twice", id, 1, csvOf(4000));
    const answers = await Promise.all([
      call("POST", `/datasets/twice/uploads/${id}/complete`),
      call("POST", `/datasets/twice/uploads/${id}/complete`),
    ]);
    // The loser finds the upload completed (409) or, a moment later, gone (404).
    const [won, lost] = answers.map((a) => a.status).sort();
    expect(won).toBe(201);
    expect([404, 409]).toContain(lost);
    const versions = await call("GET", "/datasets/twice");
    expect((versions.body as { versions: string[] }).versions).toEqual(["1"]);
  });

  it("answers 404 for an unknown upload and 400 for malformed ids and part numbers", async () => {
    const unknown = "0".repeat(32);
    for (const [method, path] of [
      ["GET", `/datasets/nope/uploads/${unknown}`],
      ["GET", `/datasets/nope/uploads/${unknown}/parts/1`],
      ["POST", `/datasets/nope/uploads/${unknown}/complete`],
      ["DELETE", `/datasets/nope/uploads/${unknown}`],
    ] as const) {
      const res = await call(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((res.body as { error: { message: string } }).error.message).toMatch(
        /dataset nope has no upload 0{32} in progress/,
      );
    }
    const id = await start("limits");
    for (const path of [
      "/datasets/limits/uploads/not-an-id",
      `/datasets/limits/uploads/${id}/parts/0`,
      `/datasets/limits/uploads/${id}/parts/10001`,
      `/datasets/limits/uploads/${id}/parts?parts=1-101`,
      `/datasets/limits/uploads/${id}/parts?parts=5-3`,
      `/datasets/limits/uploads/${id}/parts?parts=x`,
    ]) {
      expect((await call("GET", path)).status, path).toBe(400);
    }
    expect((await call("DELETE", `/datasets/limits/uploads/${id}`)).status).toBe(204);
  });
});

describe("storage helpers the flows rely on", () => {
  it("streams an object in reused parts and copies a large one server-side, part by part", async () => {
    const hash = createHash("sha256");
    async function* chunks() {
      for (let i = 0; i < 70; i++) {
        const chunk = new Uint8Array(MiB).fill(i % 251);
        hash.update(chunk);
        yield chunk;
      }
    }
    // 70 MiB: several parts to write, and more than the 64 MiB a single copy request takes.
    const written = await putChunks(store, "misc/big.bin", chunks(), "application/octet-stream");
    expect(written).toBe(70 * MiB);
    await copyObject(store, "misc/big.bin", "misc/copy.bin", written);
    const digest = async (key: string) => {
      const h = createHash("sha256");
      for await (const chunk of (await store.getStream(key)) ?? []) h.update(chunk as Uint8Array);
      return h.digest("hex");
    };
    const expected = hash.digest("hex");
    expect(await digest("misc/big.bin")).toBe(expected);
    expect(await digest("misc/copy.bin")).toBe(expected);
    expect(await pendingUploads()).toEqual([]);
    await store.delete("misc/big.bin");
    await store.delete("misc/copy.bin");
  }, 60_000);
});

describe("abortStaleUploads", () => {
  it("aborts abandoned uploads, deletes staged files and releases unpublished claims, sparing the rest", async () => {
    const own = await freshStore();
    const sweepApp = appWith({ ...ctx, store: own, signer: own });
    const post = await sweepApp.request("/datasets/old/uploads", { method: "POST" });
    const { id } = (await post.json()) as { id: string };
    const partUrl = (await (
      await sweepApp.request(`/datasets/old/uploads/${id}/parts/1`)
    ).json()) as { url: string };
    expect(new URL(partUrl.url).host).not.toBe(publicHost); // this store signs for itself
    expect((await fetch(partUrl.url, { method: "PUT", body: "a\n1\n" })).status).toBe(200);

    // A streamed upload whose process died: its claim, and its multipart upload at data.csv.
    await own.putJson(layout.datasetClaim("old", "2"), { claimedAt: "then" });
    await startMultipart(own, layout.datasetData("old", "2"), "text/csv");
    // A completion that died before committing left its staged file.
    await own.putBytes(layout.datasetUpload("old", "f".repeat(32)), "a\n1\n", "text/csv");
    // What must survive: a published version, and an upload that is not a dataset's.
    const published = await sweepApp.request("/datasets/old", {
      method: "PUT",
      body: "a\n1\n",
      headers: { "content-type": "text/csv" },
    });
    expect(published.status).toBe(201);
    await startMultipart(own, "elsewhere/blob.bin", "application/octet-stream");

    expect(await abortStaleUploads(own, 60_000)).toEqual({
      abortedUploads: 0,
      deletedStagedFiles: 0,
      releasedVersions: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await abortStaleUploads(own, 1)).toEqual({
      abortedUploads: 2,
      deletedStagedFiles: 1,
      releasedVersions: 1,
    });

    expect((await sweepApp.request(`/datasets/old/uploads/${id}`)).status).toBe(404);
    const pending = await own.client.send(new ListMultipartUploadsCommand({ Bucket: own.bucket }));
    expect((pending.Uploads ?? []).map((u) => u.Key)).toEqual(["elsewhere/blob.bin"]);
    const left: string[] = [];
    for await (const object of own.list("")) left.push(object.key);
    // The published version took number 3: 2 was held by the claim in flight.
    expect(left.sort()).toEqual([
      layout.datasetClaim("old", "3"),
      layout.datasetData("old", "3"),
      layout.datasetMeta("old", "3"),
    ]);
  });
});
