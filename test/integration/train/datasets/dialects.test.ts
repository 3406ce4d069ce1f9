/**
 * CSV files that are not comma-and-LF: uploaded streamed or presigned, on a real MinIO through
 * the real app spine, stored as sent, and read back for training in the dialect dataset.json
 * records.
 */
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import {
  readDatasetRecord,
  readDatasetRows,
} from "../../../../functions/train/datasets/catalogue.ts";
import type { DatasetRecord } from "../../../../functions/train/datasets/schema.ts";
import { datasetsTestAppOn, errorOf, leftovers, putCsv } from "../../../support/datasets.ts";
import { freshStore } from "../../../support/storage.ts";

let store: ObjectStore;
let app: Hono;

beforeAll(async () => {
  store = await freshStore();
  app = datasetsTestAppOn(store);
});

const bytesOf = (text: string) => new TextEncoder().encode(text);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The rows as training reads them: by the dataset.json in storage. */
async function rowsOf(record: DatasetRecord): Promise<string[][]> {
  const rows = readDatasetRows(store, await readDatasetRecord(store, record.name, record.version));
  const seen: string[][] = [];
  for await (const row of rows()) seen.push(row);
  return seen;
}

async function stored(record: DatasetRecord): Promise<string> {
  const bytes = await store.getBytes(layout.datasetData(record.name, record.version));
  return Buffer.from(bytes ?? []).toString("utf8");
}

describe("PUT /datasets/{name} in other dialects", () => {
  it("sniffs a semicolon file, stores it as sent, and training reads its columns", async () => {
    const csv = 'price;rooms;city\n1250.5;3;Lyon\n980;2;"Aix; Provence"\n';
    const res = await putCsv(app, "semicolons", bytesOf(csv));
    expect(res.status).toBe(201);
    const record = (await res.json()) as DatasetRecord;
    expect(record).toMatchObject({
      rows: 2,
      sha256: sha256(csv),
      dialect: { delimiter: ";", lineEnding: "lf" },
    });
    expect(record.columns.map((c) => [c.name, c.type])).toEqual([
      ["price", "number"],
      ["rooms", "integer"],
      ["city", "categorical"],
    ]);
    expect(await stored(record)).toBe(csv);
    expect(await rowsOf(record)).toEqual([
      ["1250.5", "3", "Lyon"],
      ["980", "2", "Aix; Provence"],
    ]);
  });

  it("reads CR-only line ends as lines, a quoted line break included", async () => {
    const csv = 'x,y,note\r1,2,"one\rtwo"\r3,4,plain\r';
    const res = await putCsv(app, "old-mac", bytesOf(csv));
    expect(res.status).toBe(201);
    const record = (await res.json()) as DatasetRecord;
    expect(record).toMatchObject({ rows: 2, dialect: { delimiter: ",", lineEnding: "cr" } });
    expect(record.columns.map((c) => c.name)).toEqual(["x", "y", "note"]);
    expect(await stored(record)).toBe(csv);
    expect(await rowsOf(record)).toEqual([
      ["1", "2", "one\rtwo"],
      ["3", "4", "plain"],
    ]);
  });

  it("takes ?delimiter= by name or as the character, over what the header suggests", async () => {
    const csv = "a|b\tc\r\n1|2\t3\r\n";
    const byName = await putCsv(
      app,
      "tabs",
      bytesOf(csv),
      { "content-type": "text/csv" },
      "/datasets/tabs?delimiter=tab",
    );
    expect(byName.status).toBe(201);
    const record = (await byName.json()) as DatasetRecord;
    expect(record.dialect).toEqual({ delimiter: "\t", lineEnding: "crlf" });
    expect(await rowsOf(record)).toEqual([["1|2", "3"]]);
    const byChar = await putCsv(
      app,
      "tabs",
      bytesOf(csv),
      { "content-type": "text/csv" },
      "/datasets/tabs?delimiter=%7C",
    );
    expect(((await byChar.json()) as DatasetRecord).columns.map((c) => c.name)).toEqual([
      "a",
      "b\tc",
    ]);
  });

  it("refuses a header with two candidate delimiters with 400, saying what it saw, and stores nothing", async () => {
    const res = await putCsv(app, "ambiguous", bytesOf("a;b,c\n1;2,3\n"));
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({
      code: "invalid_request",
      message:
        'cannot tell which character separates the columns: the header line has 1 "," and 1 ";" outside quotes; name it with ?delimiter= (comma, semicolon, tab or pipe)',
    });
    expect(await leftovers(store, "ambiguous")).toEqual({ keys: [], pendingUploads: [] });
  });

  it("refuses a delimiter it does not know with 400 naming the parameter", async () => {
    const res = await putCsv(
      app,
      "ambiguous",
      bytesOf("a:b\n1:2\n"),
      { "content-type": "text/csv" },
      "/datasets/ambiguous?delimiter=%3A",
    );
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/delimiter/);
    expect(await leftovers(store, "ambiguous")).toEqual({ keys: [], pendingUploads: [] });
  });
});

describe("presigned uploads in other dialects", () => {
  async function presigned(name: string, csv: string, query = "") {
    const started = await app.request(`/datasets/${name}/uploads`, { method: "POST" });
    const { id } = (await started.json()) as { id: string };
    const part = await app.request(`/datasets/${name}/uploads/${id}/parts/1`);
    const { url } = (await part.json()) as { url: string };
    const put = await fetch(url, { method: "PUT", body: csv });
    expect(put.status).toBe(200);
    return app.request(`/datasets/${name}/uploads/${id}/complete${query}`, { method: "POST" });
  }

  it("sniffs the dialect when completing, and records it", async () => {
    const res = await presigned("presigned-semi", "x;y\r1;2\r3;4\r");
    expect(res.status).toBe(201);
    const record = (await res.json()) as DatasetRecord;
    expect(record).toMatchObject({ rows: 2, dialect: { delimiter: ";", lineEnding: "cr" } });
    expect(await rowsOf(record)).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it("takes ?delimiter= on completion, and refuses an ambiguous header there too", async () => {
    const named = await presigned("presigned-pipe", "a,b|c\n1,2|3\n", "?delimiter=pipe");
    expect(named.status).toBe(201);
    expect(((await named.json()) as DatasetRecord).columns.map((c) => c.name)).toEqual([
      "a,b",
      "c",
    ]);
    const ambiguous = await presigned("presigned-amb", "a,b|c\n1,2|3\n");
    expect(ambiguous.status).toBe(400);
    expect((await errorOf(ambiguous)).message).toMatch(/^cannot tell which character/);
    expect((await leftovers(store, "presigned-amb")).keys).toEqual([]);
  });
});
