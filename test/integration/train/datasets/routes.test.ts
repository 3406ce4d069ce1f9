/**
 * Streamed dataset upload, validation and the catalogue, on a real MinIO through the real app
 * spine, with bodies sent as streams the way a client sends them.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import {
  readDatasetRecord,
  readDatasetRows,
} from "../../../../functions/train/datasets/catalogue.ts";
import type { DatasetsContext } from "../../../../functions/train/datasets/routes.ts";
import type { DatasetRecord } from "../../../../functions/train/datasets/schema.ts";
import {
  datasetsTestAppOn,
  errorOf,
  leftovers as leftoversOf,
  putCsv as put,
  streamOf,
} from "../../../support/datasets.ts";
import { freshStore } from "../../../support/storage.ts";

const MiB = 1024 * 1024;

let store: ObjectStore;
let app: Hono;

const datasetsApp = (overrides?: Partial<DatasetsContext>) => datasetsTestAppOn(store, overrides);

beforeAll(async () => {
  store = await freshStore();
  app = datasetsApp();
});

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text);
const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

const leftovers = (name: string) => leftoversOf(store, name);
const putCsv = (
  target: Hono,
  name: string,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  headers?: Record<string, string>,
  prefix = "",
) => put(target, name, body, headers, `${prefix}/datasets/${name}`);

/** `count` rows of a plain numeric CSV, generated chunk by chunk, with the faults asked for. */
function generatedCsv(count: number, options: { raggedAt?: number; badLineAt?: number } = {}) {
  const hash = createHash("sha256");
  let bytes = 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let text = "id,x,y,label\n";
    for (let i = 1; i <= count; i++) {
      const line = i + 1;
      if (line === options.raggedAt) text += `${i},${i * 0.5}\n`;
      else if (line === options.badLineAt)
        text += `${i},\u0001,1,a\n`; // 0x01 becomes 0xff below
      else text += `${i},${(i * 0.5).toFixed(1)},${i % 7},${i % 3 === 0 ? "a" : "b"}\n`;
      if (text.length >= 64 * 1024 || i === count) {
        const chunk = bytesOf(text);
        const marker = chunk.indexOf(1);
        if (marker !== -1) chunk[marker] = 0xff;
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
        text = "";
      }
    }
  }
  return { stream: streamOf(chunks()), digest: () => hash.digest("hex"), size: () => bytes };
}

async function storedSha256(name: string, version: string): Promise<string> {
  const stream = await store.getStream(layout.datasetData(name, version));
  const hash = createHash("sha256");
  for await (const chunk of stream ?? []) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

const mixedCsv = [
  "id,height,active,color,note,score",
  '1,1.5,true,red,"hello, world",10',
  '2,2.25,False,blue,"two\r\nlines",',
  '3,-3e2,yes,red,"say ""hi""",7',
  "4,,no,,plain,",
  '5,0.5,TRUE,green,"",8',
  "",
].join("\r\n");

describe("PUT /datasets/{name}: streamed CSV upload", () => {
  let record: DatasetRecord;

  it("stores the CSV as version 1 and answers its dataset.json with the inferred schema", async () => {
    const res = await putCsv(app, "mixed", bytesOf(mixedCsv));
    expect(res.status).toBe(201);
    record = (await res.json()) as DatasetRecord;
    expect(record).toMatchObject({
      name: "mixed",
      version: "1",
      rows: 5,
      bytes: bytesOf(mixedCsv).length,
      sha256: sha256(mixedCsv),
    });
    expect(record.columns).toEqual([
      {
        name: "id",
        type: "integer",
        missing: 0,
        values: ["1", "2", "3", "4", "5"],
        min: 1,
        max: 5,
      },
      {
        name: "height",
        type: "number",
        missing: 1,
        values: ["-300", "0.5", "1.5", "2.25"],
        min: -300,
        max: 2.25,
      },
      {
        name: "active",
        type: "boolean",
        missing: 0,
        values: ["False", "TRUE", "no", "true", "yes"],
      },
      { name: "color", type: "categorical", missing: 1, values: ["blue", "green", "red"] },
      {
        name: "note",
        type: "categorical",
        missing: 1,
        values: ["hello, world", "plain", 'say "hi"', "two\r\nlines"],
      },
      { name: "score", type: "integer", missing: 2, values: ["7", "8", "10"], min: 7, max: 10 },
    ]);
    expect(Date.parse(record.createdAt)).not.toBeNaN();
  });

  it("keeps the bytes unchanged, with the sha256 of what is stored, and dataset.json as answered", async () => {
    const stored = await store.getBytes(layout.datasetData("mixed", "1"));
    expect(Buffer.from(stored ?? []).toString("utf8")).toBe(mixedCsv);
    expect(await storedSha256("mixed", "1")).toBe(record.sha256);
    expect(await readDatasetRecord(store, "mixed", "1")).toEqual(record);
  });

  it("reads the rows back for training, header excluded, as often as asked", async () => {
    const rows = readDatasetRows(store, record);
    for (let pass = 0; pass < 2; pass++) {
      const seen: string[][] = [];
      for await (const row of rows()) seen.push(row);
      expect(seen).toEqual([
        ["1", "1.5", "true", "red", "hello, world", "10"],
        ["2", "2.25", "False", "blue", "two\r\nlines", ""],
        ["3", "-3e2", "yes", "red", 'say "hi"', "7"],
        ["4", "", "no", "", "plain", ""],
        ["5", "0.5", "TRUE", "green", "", "8"],
      ]);
    }
  });

  it("gunzips a gzip body and stores the CSV itself", async () => {
    const res = await putCsv(app, "mixed", gzipSync(bytesOf(mixedCsv)), {
      "content-type": "text/csv; charset=utf-8",
      "content-encoding": "gzip",
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as DatasetRecord;
    expect(body).toMatchObject({ version: "2", rows: 5, sha256: sha256(mixedCsv) });
    expect(await storedSha256("mixed", "2")).toBe(sha256(mixedCsv));
  });

  it("streams a multi-part upload (> 8 MiB) whose sha256 is that of the stored object", async () => {
    const csv = generatedCsv(600_000);
    const res = await putCsv(app, "big", csv.stream, { "content-type": "text/csv" }, "/train");
    expect(res.status).toBe(201);
    const body = (await res.json()) as DatasetRecord;
    expect(csv.size()).toBeGreaterThan(8 * MiB);
    expect(body).toMatchObject({ name: "big", version: "1", rows: 600_000, bytes: csv.size() });
    expect(body.sha256).toBe(csv.digest());
    expect(await storedSha256("big", "1")).toBe(body.sha256);
    expect(body.columns.map((c) => [c.name, c.type, c.tooManyValues ?? false])).toEqual([
      ["id", "integer", true],
      ["x", "number", true],
      ["y", "integer", false],
      ["label", "categorical", false],
    ]);
    expect((await leftovers("big")).pendingUploads).toEqual([]);
  }, 60_000);

  it("gives concurrent uploads of one name different versions, each with its own data", async () => {
    const bodies = Array.from({ length: 5 }, (_, i) => `k,v\n${i},${"x".repeat(i + 1)}\n`);
    const answers = await Promise.all(bodies.map((b) => putCsv(app, "racing", bytesOf(b))));
    const records = await Promise.all(
      answers.map(async (res) => {
        expect(res.status).toBe(201);
        return (await res.json()) as DatasetRecord;
      }),
    );
    expect(records.map((r) => r.version).sort()).toEqual(["1", "2", "3", "4", "5"]);
    for (const [i, r] of records.entries()) {
      expect(r.sha256).toBe(sha256(bodies[i] as string));
      expect(await storedSha256("racing", r.version)).toBe(r.sha256);
    }
  });

  it("skips a number claimed by a write in flight, which is no version yet", async () => {
    await store.putJson(layout.datasetClaim("racing", "6"), { claimedAt: "now" });
    const res = await app.request("/datasets/racing");
    expect(((await res.json()) as { latest: string }).latest).toBe("5");
    const next = await putCsv(app, "racing", bytesOf("k,v\n9,z\n"));
    expect(((await next.json()) as DatasetRecord).version).toBe("7");
  });
});

describe("bad input never leaves a version behind", () => {
  const cases: Array<{
    what: string;
    body: () => Uint8Array | ReadableStream<Uint8Array> | null;
    headers?: Record<string, string>;
    status: number;
    code: string;
    message: RegExp;
  }> = [
    {
      what: "an empty body",
      body: () => new Uint8Array(),
      status: 400,
      code: "invalid_request",
      message: /the CSV is empty/,
    },
    {
      what: "no body at all",
      body: () => null,
      status: 400,
      code: "invalid_request",
      message: /the CSV is empty/,
    },
    {
      what: "no header, only empty lines",
      body: () => bytesOf("\n\r\n\n"),
      status: 400,
      code: "invalid_request",
      message: /no header line/,
    },
    {
      what: "a header without data rows",
      body: () => bytesOf("a,b\n"),
      status: 400,
      code: "invalid_request",
      message: /a header but no data rows/,
    },
    {
      what: "a duplicate column name",
      body: () => bytesOf("a,b,a\n1,2,3\n"),
      status: 400,
      code: "invalid_request",
      message: /names column "a" twice \(columns 1 and 3\)/,
    },
    {
      what: "an empty column name",
      body: () => bytesOf('a,"",c\n1,2,3\n'),
      status: 400,
      code: "invalid_request",
      message: /leaves column 2 without a name/,
    },
    {
      what: "a ragged row",
      body: () => bytesOf('a,b,c\n1,2,3\n4,"five\nstill five",6\n7,8\n'),
      status: 400,
      code: "invalid_request",
      message: /^line 5 has 2 fields, but the header has 3$/,
    },
    {
      what: "a ragged row after 8 MiB, once a multipart upload is under way",
      body: () => generatedCsv(800_000, { raggedAt: 700_001 }).stream,
      status: 400,
      code: "invalid_request",
      message: /^line 700001 has 2 fields, but the header has 4$/,
    },
    {
      what: "bytes that are not UTF-8, after 8 MiB",
      body: () => generatedCsv(800_000, { badLineAt: 600_001 }).stream,
      status: 400,
      code: "invalid_request",
      message: /^line 600001 is not valid UTF-8 text; save the CSV as UTF-8/,
    },
    {
      what: "Latin-1 text",
      body: () => Uint8Array.from([...bytesOf("name\n"), 0x5a, 0xfc, 0x72, 0x69, 0x63, 0x68, 0x0a]),
      status: 400,
      code: "invalid_request",
      message: /^line 2 is not valid UTF-8/,
    },
    {
      what: "a quote never closed",
      body: () => bytesOf('a,b\n1,"two\n3,4\n'),
      status: 400,
      code: "invalid_request",
      message: /line 2 opens a quoted field that is never closed/,
    },
    {
      what: "a gzip body sent without Content-Encoding",
      body: () => gzipSync(bytesOf("a\n1\n")),
      status: 400,
      code: "invalid_request",
      message: /gzip-compressed/,
    },
    {
      what: "a body that is not gzip sent as gzip",
      body: () => bytesOf("a,b\n1,2\n"),
      headers: { "content-type": "text/csv", "content-encoding": "gzip" },
      status: 400,
      code: "invalid_request",
      message: /not valid gzip/,
    },
    {
      what: "a truncated gzip body",
      body: () => {
        const zipped = gzipSync(bytesOf("a,b\n1,2\n".repeat(1000)));
        return zipped.subarray(0, zipped.length - 8); // without its checksum and length
      },
      headers: { "content-type": "text/csv", "content-encoding": "gzip" },
      status: 400,
      code: "invalid_request",
      message: /not valid gzip/,
    },
    {
      what: "a JSON content type",
      body: () => bytesOf('{"a": 1}'),
      headers: { "content-type": "application/json" },
      status: 415,
      code: "unsupported_media_type",
      message: /expected content type text\/csv, got application\/json/,
    },
    {
      what: "no content type",
      body: () => bytesOf("a\n1\n"),
      headers: {},
      status: 415,
      code: "unsupported_media_type",
      message: /expected content type text\/csv, got none/,
    },
    {
      what: "a charset other than UTF-8",
      body: () => bytesOf("a\n1\n"),
      headers: { "content-type": "text/csv; charset=iso-8859-1" },
      status: 415,
      code: "unsupported_media_type",
      message: /must be UTF-8/,
    },
    {
      what: "an unsupported content encoding",
      body: () => bytesOf("a\n1\n"),
      headers: { "content-type": "text/csv", "content-encoding": "br" },
      status: 415,
      code: "unsupported_media_type",
      message: /content encoding br is not supported/,
    },
  ];

  it.each(cases)(
    "$what: $status",
    async ({ body, headers, status, code, message }) => {
      const res = await putCsv(app, "refused", body(), headers);
      expect(res.status).toBe(status);
      const error = await errorOf(res);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(await leftovers("refused")).toEqual({ keys: [], pendingUploads: [] });
    },
    60_000,
  );

  it("answers 413 naming the limit and its setting when the body outgrows it", async () => {
    const small = datasetsApp({ maxBytes: 9 * MiB });
    const res = await putCsv(small, "refused", generatedCsv(600_000).stream);
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toEqual({
      code: "payload_too_large",
      message: `request body is larger than the limit of ${9 * MiB} bytes (set by SKIFF_DATASET_MAX_BYTES)`,
    });
    expect(await leftovers("refused")).toEqual({ keys: [], pendingUploads: [] });
  }, 60_000);

  it("counts the limit in uncompressed bytes, so a small gzip body cannot exceed it", async () => {
    const small = datasetsApp({ maxBytes: 1000 });
    const zipped = gzipSync(bytesOf(`a\n${"1\n".repeat(5000)}`));
    expect(zipped.length).toBeLessThan(1000);
    const res = await putCsv(small, "refused", zipped, {
      "content-type": "text/csv",
      "content-encoding": "gzip",
    });
    expect(res.status).toBe(413);
    expect(await leftovers("refused")).toEqual({ keys: [], pendingUploads: [] });
  });

  it("refuses a declared Content-Length over the limit before reading the body", async () => {
    const small = datasetsApp({ maxBytes: 10 });
    const res = await small.request("/datasets/refused", {
      method: "PUT",
      body: "a,b\n1,2\n3,4\n",
      headers: { "content-type": "text/csv", "content-length": "12" },
    });
    expect(res.status).toBe(413);
    expect((await errorOf(res)).message).toMatch(/SKIFF_DATASET_MAX_BYTES/);
  });

  it("refuses a name that is not a DNS label", async () => {
    const res = await putCsv(app, "Not_A_Name", bytesOf("a\n1\n"));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/^param\.name: must be a dataset name/);
  });
});

describe("the catalogue", () => {
  it("lists datasets with their latest version", async () => {
    const res = await app.request("/train/datasets");
    expect(res.status).toBe(200);
    const { datasets } = (await res.json()) as {
      datasets: Array<{ name: string; latest: string; versions: number }>;
    };
    expect(datasets).toEqual([
      { name: "big", latest: "1", versions: 1 },
      { name: "mixed", latest: "2", versions: 2 },
      { name: "racing", latest: "7", versions: 6 },
    ]);
  });

  it("lists a dataset's versions", async () => {
    const res = await app.request("/datasets/racing");
    expect(await res.json()).toEqual({
      name: "racing",
      latest: "7",
      versions: ["1", "2", "3", "4", "5", "7"],
    });
  });

  it("answers a version's dataset.json", async () => {
    const res = await app.request("/datasets/mixed/versions/2");
    expect(res.status).toBe(200);
    const body = (await res.json()) as DatasetRecord;
    expect(body).toEqual(await readDatasetRecord(store, "mixed", "2"));
    expect(body.rows).toBe(5);
  });

  it("answers 404 for an unknown dataset or version, and 400 for a malformed version", async () => {
    const missing = await app.request("/datasets/nothing-here");
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toEqual({
      code: "not_found",
      message: "dataset nothing-here does not exist",
    });
    const noVersion = await app.request("/datasets/mixed/versions/9");
    expect(noVersion.status).toBe(404);
    expect((await errorOf(noVersion)).message).toBe(
      "dataset mixed has no version 9 (versions: 1, 2)",
    );
    const unknown = await app.request("/datasets/nothing-here/versions/1");
    expect((await errorOf(unknown)).message).toBe("dataset nothing-here does not exist");
    const malformed = await app.request("/datasets/mixed/versions/01");
    expect(malformed.status).toBe(400);
    expect((await errorOf(malformed)).message).toMatch(/param\.version/);
  });

  it("does not list a dataset whose only upload failed", async () => {
    const res = await app.request("/datasets/refused");
    expect(res.status).toBe(404);
  });
});
