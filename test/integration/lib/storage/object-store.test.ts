import { Readable } from "node:stream";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConflictError,
  InternalError,
  InvalidRequestError,
} from "../../../../functions/lib/errors.ts";
import { bucketExists, ensureBucket } from "../../../../functions/lib/storage/bucket-admin.ts";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import {
  listModels,
  listVersions,
  readAliases,
} from "../../../../functions/lib/storage/model-catalogue.ts";
import { putChunks } from "../../../../functions/lib/storage/multipart.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { freshStore } from "../../../support/storage.ts";

let store: ObjectStore;
beforeAll(async () => {
  store = await freshStore();
});

async function* chunks(count: number, size: number, failAfter?: number) {
  for (let i = 0; i < count; i++) {
    if (failAfter !== undefined && i === failAfter) throw new Error("client went away");
    yield Buffer.alloc(size, i % 251);
  }
}

describe("object store on a real MinIO", () => {
  it("creates its bucket once and tolerates being asked again", async () => {
    await ensureBucket(store);
    await ensureBucket(store);
    expect(await bucketExists(store)).toBe(true);
  });

  it("round-trips JSON and answers undefined for a missing key", async () => {
    await store.putJson("misc/a.json", { hello: "world", n: 1 });
    expect(
      await store.getJson("misc/a.json", z.object({ hello: z.string(), n: z.number() })),
    ).toEqual({
      hello: "world",
      n: 1,
    });
    expect(await store.getJson("misc/missing.json", z.unknown())).toBeUndefined();
    expect(await store.exists("misc/a.json")).toBe(true);
    expect(await store.exists("misc/missing.json")).toBe(false);
  });

  it("reports a stored object that is not valid JSON or breaks its schema", async () => {
    await store.putBytes("misc/broken.json", "{not json", "application/json");
    await expect(store.getJson("misc/broken.json", z.unknown())).rejects.toBeInstanceOf(
      InternalError,
    );
    await store.putJson("misc/wrong.json", { n: "one" });
    await expect(store.getJson("misc/wrong.json", z.object({ n: z.number() }))).rejects.toThrow(
      /does not match/,
    );
  });

  it("lets only the first of two writers create a key", async () => {
    await store.putJson("misc/claim.json", { by: "first" }, { onlyIfAbsent: true });
    await expect(
      store.putJson("misc/claim.json", { by: "second" }, { onlyIfAbsent: true }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getJson("misc/claim.json", z.object({ by: z.string() }))).toEqual({
      by: "first",
    });
  });

  it("streams a multi-part object in without buffering it whole", async () => {
    // 20 MiB in 1 MiB chunks: several 5 MiB parts.
    await putChunks(
      store,
      "misc/big.bin",
      Readable.from(chunks(20, 1024 * 1024)),
      "application/octet-stream",
    );
    const listed = [];
    for await (const object of store.list("misc/big")) listed.push(object);
    expect(listed.map((o) => [o.key, o.size])).toEqual([["misc/big.bin", 20 * 1024 * 1024]]);
    const stream = await store.getStream("misc/big.bin");
    let total = 0;
    for await (const chunk of stream ?? []) total += (chunk as Buffer).length;
    expect(total).toBe(20 * 1024 * 1024);
  });

  it("leaves nothing behind when the incoming stream fails", async () => {
    await expect(
      putChunks(
        store,
        "misc/half.bin",
        Readable.from(chunks(20, 1024 * 1024, 12)),
        "application/octet-stream",
      ),
    ).rejects.toBeInstanceOf(InternalError);
    expect(await store.exists("misc/half.bin")).toBe(false);
    const pending = await store.client.send(
      new ListMultipartUploadsCommand({ Bucket: store.bucket }),
    );
    expect(pending.Uploads ?? []).toEqual([]);
  });

  it("lists children of a prefix", async () => {
    await store.putBytes("tree/a/1.txt", "1", "text/plain");
    await store.putBytes("tree/b/2.txt", "2", "text/plain");
    await store.putBytes("tree/c.txt", "3", "text/plain");
    expect((await store.listChildren("tree/")).sort()).toEqual(["a", "b"]);
  });
});

describe("layout", () => {
  it("builds every key from validated names", () => {
    expect(layout.modelMeta("iris", "3")).toBe("models/iris/3/model.json");
    expect(layout.datasetData("iris", "1")).toBe("datasets/iris/1/data.csv");
    expect(layout.predictionLog("iris", new Date(Date.UTC(2026, 0, 5)), "abc")).toBe(
      "predictions/iris/2026/01/05/abc.ndjson",
    );
    for (const bad of ["Iris", "../x", "a/b", "", "-a", "a".repeat(64)]) {
      expect(() => layout.modelRoot(bad)).toThrow(InvalidRequestError);
    }
    for (const bad of ["0", "01", "v1", "1.0", ""]) {
      expect(() => layout.modelMeta("iris", bad)).toThrow(InvalidRequestError);
    }
  });
});

describe("model catalogue", () => {
  it("lists versions that have metadata, numerically, with aliases", async () => {
    const s = await freshStore();
    for (const v of ["1", "2", "10"]) {
      await s.putBytes(layout.modelOnnx("iris", v), "onnx", "application/octet-stream");
      await s.putJson(layout.modelMeta("iris", v), {
        task: "classification",
        metrics: { accuracy: 0.9 + Number(v) / 100 },
      });
    }
    // A version whose metadata was never written does not exist yet.
    await s.putBytes(layout.modelOnnx("iris", "11"), "onnx", "application/octet-stream");
    // A key that merely starts like a version is not one.
    await s.putJson("models/iris/2/model.json.bak", {});
    await s.putJson(layout.modelAliases("iris"), { production: "2" });
    // A model with no complete version is not listed.
    await s.putBytes(layout.modelOnnx("empty", "1"), "onnx", "application/octet-stream");

    expect(await listVersions(s, "iris")).toEqual(["1", "2", "10"]);
    expect(await readAliases(s, "iris")).toEqual({ production: "2" });
    expect(await readAliases(s, "empty")).toEqual({});
    const models = await listModels(s);
    expect(models.map((m) => m.name)).toEqual(["iris"]);
    expect(models[0]).toMatchObject({ latest: "10", aliases: { production: "2" } });
    expect(models[0]?.versions.map((v) => [v.version, v.task, v.metrics.accuracy])).toEqual([
      ["1", "classification", 0.91],
      ["2", "classification", 0.92],
      ["10", "classification", 1],
    ]);
  });
});
