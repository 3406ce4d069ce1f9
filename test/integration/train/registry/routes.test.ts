/**
 * Model registration and alias names over HTTP, on the real app spine and a real MinIO: every
 * malformed form is a 400 or 415 saying what is wrong, the size limit is enforced while the body
 * streams, and names from the path are data, never object keys.
 */
import type { Hono } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import { listVersions, readAliases } from "../../../../functions/lib/storage/model-catalogue.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { publishVersion } from "../../../../functions/train/registry/versions.ts";
import { irisRecord } from "../../../support/models.ts";
import { registryTestApp } from "../../../support/registry.ts";
import { pythonModels } from "../../../support/serve.ts";
import { freshStore } from "../../../support/storage.ts";

const { file, expected } = pythonModels();
const record = irisRecord(expected.iris.classes);
const LIMIT = 4 * 1024 * 1024;
let store: ObjectStore;
let app: Hono;

beforeAll(async () => {
  store = await freshStore();
  app = registryTestApp({ store, modelUploadMaxBytes: LIMIT });
});

/** A registration form as a client serializes it: its bytes and its Content-Type. */
async function formBody(
  fill: (form: FormData) => void,
): Promise<{ bytes: Uint8Array; type: string; boundary: string }> {
  const form = new FormData();
  fill(form);
  const response = new Response(form);
  const type = response.headers.get("content-type") ?? "";
  const boundary = /boundary=(.+)$/.exec(type)?.[1] ?? "";
  return { bytes: new Uint8Array(await response.arrayBuffer()), type, boundary };
}

const irisForm = (form: FormData) => {
  form.append("model", new Blob([file("iris.onnx")]), "iris.onnx");
  form.append("metadata", JSON.stringify(record));
};

async function post(
  name: string,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string>,
): Promise<Response> {
  return await app.request(`/train/models/${name}/versions`, {
    method: "POST",
    body,
    headers,
    duplex: "half",
  } as RequestInit);
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

/** A body that arrives in `size`-byte pieces, counting what the server pulled from it. */
function pulledStream(data: Uint8Array, size = 64 * 1024) {
  const seen = { bytes: 0 };
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= data.length) return controller.close();
      const piece = data.slice(offset, offset + size);
      offset += piece.length;
      seen.bytes += piece.length;
      controller.enqueue(piece);
    },
  });
  return { stream, seen };
}

describe("model registration over HTTP", () => {
  it("registers a well-formed form, streamed in pieces, and stores the file byte for byte", async () => {
    const { bytes, type } = await formBody(irisForm);
    const { stream } = pulledStream(bytes, 1000);
    const res = await post("byo-ok", stream, { "content-type": type });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ model: "byo-ok", version: "1" });
    expect(await store.getBytes(layout.modelOnnx("byo-ok", "1"))).toEqual(file("iris.onnx"));
  });

  it("answers every malformed form with a 400 or 415 that says what is wrong, and stores nothing", async () => {
    const good = await formBody(irisForm);
    const cases: Array<[string, Promise<Response>, number, RegExp]> = [
      [
        "another boundary than the declared one",
        post("byo-bad", good.bytes, { "content-type": "multipart/form-data; boundary=not-it" }),
        400,
        /no part delimited by the boundary "not-it"/,
      ],
      [
        "no boundary at all",
        post("byo-bad", good.bytes, { "content-type": "multipart/form-data" }),
        400,
        /has no boundary parameter/,
      ],
      [
        "a truncated body",
        post("byo-bad", good.bytes.subarray(0, good.bytes.length - 200), {
          "content-type": good.type,
        }),
        400,
        /ended before its closing delimiter/,
      ],
      [
        "a body without its last bytes only",
        post("byo-bad", good.bytes.subarray(0, good.bytes.length - 3), {
          "content-type": good.type,
        }),
        400,
        /ended before its closing delimiter/,
      ],
      [
        "an empty body",
        post("byo-bad", new Uint8Array(), { "content-type": good.type }),
        400,
        /no part delimited by the boundary/,
      ],
      [
        "JSON instead of a form",
        post("byo-bad", JSON.stringify(record), { "content-type": "application/json" }),
        415,
        /expected content type multipart\/form-data, got application\/json/,
      ],
      [
        "no content type",
        post("byo-bad", good.bytes, {}),
        415,
        /expected content type multipart\/form-data/,
      ],
      [
        "multipart/mixed",
        post("byo-bad", good.bytes, {
          "content-type": `multipart/mixed; boundary=${good.boundary}`,
        }),
        415,
        /multipart\/form-data/,
      ],
      [
        "a part without Content-Disposition",
        post("byo-bad", `--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n`, {
          "content-type": "multipart/form-data; boundary=b",
        }),
        400,
        /no Content-Disposition: form-data header/,
      ],
      [
        "a broken header line",
        post("byo-bad", `--b\r\nnot a header\r\n\r\nhello\r\n--b--\r\n`, {
          "content-type": "multipart/form-data; boundary=b",
        }),
        400,
        /malformed header line/,
      ],
    ];
    for (const [what, response, status, message] of cases) {
      const error = await errorOf(await response);
      expect({ what, status: error.status }).toEqual({ what, status });
      expect(error.message, what).toMatch(message);
    }
    expect(await listVersions(store, "byo-bad")).toEqual([]);
  });

  it("refuses forms with missing, doubled, unknown or ill-typed fields", async () => {
    const cases: Array<[string, (form: FormData) => void, RegExp]> = [
      [
        "no model",
        (f) => f.append("metadata", JSON.stringify(record)),
        /the form has no model; it needs model \(the ONNX file\)/,
      ],
      [
        "no metadata",
        (f) => f.append("model", new Blob([file("iris.onnx")]), "iris.onnx"),
        /the form has no metadata/,
      ],
      ["nothing", (f) => f.append("other", "x"), /unknown form field other/],
      [
        "a model part without a filename",
        (f) => {
          f.append("model", new TextDecoder("latin1").decode(file("iris.onnx")));
          f.append("metadata", JSON.stringify(record));
        },
        /form field model must be a file \(a part with a filename\)/,
      ],
      [
        "two models",
        (f) => {
          irisForm(f);
          f.append("model", new Blob([file("iris.onnx")]), "again.onnx");
        },
        /form field model is given twice/,
      ],
      [
        "an empty model file",
        (f) => {
          f.append("model", new Blob([]), "empty.onnx");
          f.append("metadata", JSON.stringify(record));
        },
        /form field model is an empty file/,
      ],
      [
        "metadata that is not JSON",
        (f) => {
          f.append("model", new Blob([file("iris.onnx")]), "iris.onnx");
          f.append("metadata", "{task: classification");
        },
        /form field metadata must be the model's metadata as JSON/,
      ],
      [
        "a model that is not ONNX (text)",
        (f) => {
          f.append("model", new Blob(["this is not a model\n"]), "model.onnx");
          f.append("metadata", JSON.stringify(record));
        },
        /the model cannot be served/,
      ],
      [
        "a model that is not ONNX (a PNG)",
        (f) => {
          const png = new Uint8Array(2048).fill(7);
          png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
          f.append("model", new Blob([png]), "model.onnx");
          f.append("metadata", JSON.stringify(record));
        },
        /the model cannot be served/,
      ],
    ];
    for (const [what, fill, message] of cases) {
      const { bytes, type } = await formBody(fill);
      const error = await errorOf(await post("byo-fields", bytes, { "content-type": type }));
      expect({ what, status: error.status }).toEqual({ what, status: 400 });
      expect(error.message, what).toMatch(message);
    }
    expect(await listVersions(store, "byo-fields")).toEqual([]);
  });

  it("takes metadata given as a file too", async () => {
    const { bytes, type } = await formBody((f) => {
      f.append("model", new Blob([file("iris.onnx")]), "iris.onnx");
      f.append("metadata", new Blob([JSON.stringify(record)]), "model.json");
    });
    expect((await post("byo-file-meta", bytes, { "content-type": type })).status).toBe(201);
  });

  it("refuses a declared Content-Length over the limit at once, without reading the body", async () => {
    const { bytes, type } = await formBody((f) => {
      f.append("model", new Blob([new Uint8Array(LIMIT + 1)]), "big.onnx");
      f.append("metadata", JSON.stringify(record));
    });
    const { stream, seen } = pulledStream(bytes);
    const res = await post("byo-big", stream, {
      "content-type": type,
      "content-length": String(bytes.length),
    });
    const error = await errorOf(res);
    expect(error.status).toBe(413);
    expect(error.message).toContain("SKIFF_MODEL_UPLOAD_MAX_BYTES");
    expect(error.message).toContain(String(LIMIT));
    // At most what the stream had queued before the answer: none of the excess.
    expect(seen.bytes).toBeLessThanOrEqual(64 * 1024);
  });

  it("counts a body of unknown length as it streams and stops reading once it passes the limit", async () => {
    const { bytes, type } = await formBody((f) => {
      f.append("model", new Blob([new Uint8Array(4 * LIMIT)]), "big.onnx");
      f.append("metadata", JSON.stringify(record));
    });
    const piece = 64 * 1024;
    const { stream, seen } = pulledStream(bytes, piece);
    const error = await errorOf(await post("byo-big", stream, { "content-type": type }));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/SKIFF_MODEL_UPLOAD_MAX_BYTES/);
    // The body is left unread past the piece that crossed the limit (and the stream's
    // read-ahead), never drained to its end.
    expect(seen.bytes).toBeLessThanOrEqual(LIMIT + 3 * piece);
    expect(await listVersions(store, "byo-big")).toEqual([]);
  });
});

describe("alias names over HTTP", () => {
  beforeAll(async () => {
    await publishVersion(store, "names", file("iris.onnx"), record);
  });

  const call = (method: string, alias: string, body?: unknown) =>
    app.request(`/train/models/names/aliases/${alias}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });

  it("answers 404 for an alias the model does not have, whatever it is called", async () => {
    for (const alias of ["constructor", "valueof", "tostring", "hasownproperty"]) {
      const error = await errorOf(await call("DELETE", alias));
      expect({ alias, status: error.status }).toEqual({ alias, status: 404 });
      expect(error.message).toBe(`model names has no alias ${alias}`);
    }
  });

  it("refuses names that are not DNS labels clearly and leaves aliases.json whole", async () => {
    expect((await call("PUT", "production", { version: "1" })).status).toBe(200);
    for (const alias of ["__proto__", "toString", "hasOwnProperty"]) {
      for (const method of ["PUT", "DELETE"]) {
        const error = await errorOf(
          await call(method, alias, method === "PUT" ? { version: "1" } : undefined),
        );
        expect({ alias, method, status: error.status }).toEqual({ alias, method, status: 400 });
        expect(error.message).toMatch(/alias: must be a DNS label/);
      }
    }
    expect(await readAliases(store, "names")).toEqual({ production: "1" });
    const stored = new TextDecoder().decode(await store.getBytes(layout.modelAliases("names")));
    expect(JSON.parse(stored)).toEqual({ production: "1" });
  });

  it("refuses an alias that is a number, which ?version= would read as a version", async () => {
    for (const alias of ["2", "007"]) {
      const error = await errorOf(await call("PUT", alias, { version: "1" }));
      expect({ alias, status: error.status }).toEqual({ alias, status: 400 });
      expect(error.message).toMatch(/alias: must be a DNS label that is not a number/);
    }
    expect(await readAliases(store, "names")).toEqual({ production: "1" });
    // One that only starts with digits names no version, so it is an alias like any other.
    expect((await call("PUT", "2024-q1", { version: "1" })).status).toBe(200);
    expect((await call("DELETE", "2024-q1")).status).toBe(200);
  });

  it("sets, reads and removes an alias called constructor like any other", async () => {
    const set = await call("PUT", "constructor", { version: "1" });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({
      model: "names",
      aliases: { production: "1", constructor: "1" },
    });
    const removed = await call("DELETE", "constructor");
    expect(await removed.json()).toEqual({ model: "names", aliases: { production: "1" } });
  });
});
