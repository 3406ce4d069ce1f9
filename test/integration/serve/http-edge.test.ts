/**
 * serve's HTTP edge: what counts as a JSON body and the limit on it, JSON nested too deeply,
 * compressed bodies, clients that hang up, and the Open Inference Protocol's error shape on
 * every path under /v2.
 */
import { connect, type Socket } from "node:net";
import { createGzip, deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../../functions/lib/http/json-body.ts";
import { type RunningServer, startHttpServer } from "../../../functions/lib/server.ts";
import type { PredictionRecord } from "../../../functions/serve/prediction-log.ts";
import { capturedLogger } from "../../support/logs.ts";
import { IRIS_SETOSA, irisRecord, publishModel } from "../../support/models.ts";
import { pythonModels, rowsAsInstances, startServe } from "../../support/serve.ts";
import { predictionLogFiles } from "../../support/storage.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
const LIMIT = 64 * 1024;
const { file, expected } = pythonModels();
const iris = expected.iris;
let serve: Serve;

beforeAll(async () => {
  serve = await startServe({ SKIFF_JSON_BODY_LIMIT: String(LIMIT) });
  await publishModel(serve.store, "iris", "1", file("iris-zipmap.onnx"), irisRecord(iris.classes));
});
afterAll(() => serve.close());

const PREDICT = "/models/iris/predict";
const INFER = "/v2/models/iris/infer";
const predictBody = JSON.stringify({ instances: rowsAsInstances(iris.features, iris.rows) });
const inferBody = JSON.stringify({
  inputs: [
    { name: "float_input", shape: [iris.rows.length, 4], datatype: "FP32", data: iris.rows.flat() },
  ],
});

/** A body of `total` bytes sent in chunks with no Content-Length; `pulled()` is what was read. */
function chunkedBody(total: number, first = "") {
  let sent = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const head = new TextEncoder().encode(first);
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      const part = sent === 0 && head.length > 0 ? head : chunk;
      sent += part.byteLength;
      controller.enqueue(part);
    },
  });
  return { body, pulled: () => sent };
}

/** skiff's error message, or the protocol's string error. */
async function errorMessage(res: Response): Promise<string> {
  const body = (await res.json()) as { error: string | { message: string } };
  return typeof body.error === "string" ? body.error : body.error.message;
}

function send(path: string, body: RequestInit["body"], headers: Record<string, string>) {
  return serve.app.request(path, { method: "POST", headers, body, duplex: "half" } as RequestInit);
}

describe("JSON bodies: one definition of JSON, and the limit on every one", () => {
  it.each([
    "application/json",
    "Application/JSON",
    "APPLICATION/JSON; charset=UTF-8",
    "application/vnd.skiff+json",
  ])("stops reading a chunked %s body at the limit and answers 413", async (type) => {
    const { body, pulled } = chunkedBody(200 * 1024 * 1024, '{"instances":[');
    const res = await send(PREDICT, body, { "content-type": type });
    expect(res.status).toBe(413);
    expect(await errorMessage(res)).toContain("SKIFF_JSON_BODY_LIMIT");
    expect(pulled()).toBeLessThan(4 * LIMIT);
  });

  it.each(["Application/JSON", "application/problem+json"])(
    "refuses a declared %s length over the limit before reading",
    async (type) => {
      const res = await serve.post(PREDICT, " ".repeat(LIMIT + 1), { "content-type": type });
      expect(res.status).toBe(413);
    },
  );

  it("reads a JSON body declared in any case, or with a +json type, as JSON", async () => {
    for (const type of ["Application/Json", "application/vnd.api+json"]) {
      const res = await serve.post(PREDICT, IRIS_SETOSA, { "content-type": type });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { label: string }).label).toBe("setosa");
    }
  });

  it("holds an infer body with no content type, or any type with binary data, to the limit", async () => {
    const untyped = chunkedBody(200 * 1024 * 1024, '{"inputs":[');
    const res = await send(INFER, untyped.body, {});
    expect(res.status).toBe(413);
    expect(untyped.pulled()).toBeLessThan(4 * LIMIT);
    const binary = chunkedBody(200 * 1024 * 1024, '{"inputs":[]}');
    const odd = await send(INFER, binary.body, {
      "content-type": "text/plain",
      "inference-header-content-length": "13",
    });
    expect(odd.status).toBe(413);
    expect(await odd.json()).toEqual({ error: expect.any(String) });
    expect(binary.pulled()).toBeLessThan(4 * LIMIT);
  });
});

describe("JSON nested too deeply", () => {
  const deep = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;

  it("is a 400 naming the limit, on named predict and on v2 infer, and nothing else breaks", async () => {
    const levels = 100_000;
    // The default limit, which the deep bodies are well within.
    const roomy = await startServe({}, serve.store);
    const predict = await roomy.post(
      PREDICT,
      `{"instances":[{"sepal_length":${deep(levels)},"sepal_width":1,"petal_length":1,"petal_width":1}]}`,
    );
    expect(predict.status).toBe(400);
    expect(await errorMessage(predict)).toContain(`${MAX_JSON_DEPTH} levels`);
    const infer = await roomy.post(
      INFER,
      `{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":${deep(levels)}}]}`,
    );
    expect(infer.status).toBe(400);
    expect(await errorMessage(infer)).toContain(`${MAX_JSON_DEPTH} levels`);
    // Brackets inside a string are not nesting.
    const id = deep(levels).replaceAll("1", "");
    const text = await roomy.post(INFER, { ...JSON.parse(inferBody), id });
    expect(text.status).toBe(200);
    expect(((await text.json()) as { id: string }).id).toBe(id);
    roomy.close();
  });

  it("keeps the record of a refused call, and writes a note for inputs it cannot serialize", async () => {
    const own = await startServe({}, serve.store);
    const refused = await own.post(PREDICT, {
      instances: [{ ...IRIS_SETOSA, sepal_length: JSON.parse(deep(MAX_JSON_DEPTH - 4)) }],
    });
    expect(refused.status).toBe(400);
    const requestId = refused.headers.get("x-request-id");
    const log = own.parts.context.log;
    if (log === undefined) throw new Error("the prediction log is enabled by default");
    let unserializable: unknown = 1;
    for (let i = 0; i < 100_000; i++) unserializable = [unserializable];
    log.append({
      requestId: "too-deep",
      time: new Date().toISOString(),
      model: "iris",
      version: "1",
      api: "predict",
      status: 200,
      latencyMs: 1,
      inputs: unserializable,
    });
    await log.flush();
    const records = (
      await predictionLogFiles<PredictionRecord>(own.store, "predictions/iris/")
    ).flatMap((f) => f.records);
    expect(records.find((r) => r.requestId === requestId)).toMatchObject({ status: 400 });
    expect(records.find((r) => r.requestId === "too-deep")).toMatchObject({
      inputs: { unserializable: expect.stringContaining("call stack") },
    });
    const replaced = await own.parts.context.metrics.logInputsReplaced.get();
    expect(replaced.values[0]?.value).toBe(1);
    own.close();
  });
});

describe("compressed bodies", () => {
  const plain = async (path: string, body: string) => (await serve.post(path, body)).json();

  it.each([
    ["gzip", gzipSync],
    ["x-gzip", gzipSync],
    ["deflate", deflateSync],
    ["deflate", deflateRawSync],
  ] as const)("decodes a %s body on named predict and v2 infer", async (encoding, compress) => {
    for (const [path, body] of [
      [PREDICT, predictBody],
      [INFER, inferBody],
    ] as const) {
      const res = await send(path, compress(body), {
        "content-type": "application/json",
        "content-encoding": encoding,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(await plain(path, body));
    }
  });

  it("decodes a gzipped body that uses the binary tensor data extension", async () => {
    const json = Buffer.from(
      JSON.stringify({
        inputs: [
          {
            name: "float_input",
            shape: [iris.rows.length, 4],
            datatype: "FP32",
            parameters: { binary_data_size: iris.rows.length * 16 },
          },
        ],
      }),
    );
    const tensor = Buffer.from(new Float32Array(iris.rows.flat()).buffer);
    const res = await send(INFER, gzipSync(Buffer.concat([json, tensor])), {
      "content-encoding": "gzip",
      "inference-header-content-length": String(json.byteLength),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await plain(INFER, inferBody));
  });

  it.each(["br", "zstd", "compress", "gzip, br", "made-up"])(
    "answers 415 naming an encoding it cannot decode (%s)",
    async (encoding) => {
      const predict = await send(PREDICT, predictBody, {
        "content-type": "application/json",
        "content-encoding": encoding,
      });
      expect(predict.status).toBe(415);
      expect(await errorMessage(predict)).toContain(`content encoding ${encoding}`);
      const infer = await send(INFER, Buffer.from(inferBody), { "content-encoding": encoding });
      expect(infer.status).toBe(415);
      expect(await errorMessage(infer)).toContain(`content encoding ${encoding}`);
    },
  );

  it("counts the limit after inflation: a gzip bomb is a 413, not memory", async () => {
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on("data", (part: Buffer) => parts.push(part));
    const zeros = Buffer.alloc(1024 * 1024, 0x20);
    gzip.write('{"instances":[');
    for (let i = 0; i < 1024; i++) gzip.write(zeros);
    await new Promise((resolve) => gzip.end(resolve));
    const bomb = Buffer.concat(parts);
    // 1 GiB of JSON in about 1 MiB: over the limit compressed, so use a larger limit for it.
    const roomy = await startServe(
      { SKIFF_JSON_BODY_LIMIT: String(2 * bomb.byteLength) },
      serve.store,
    );
    const before = process.memoryUsage().arrayBuffers;
    const res = await roomy.app.request(PREDICT, {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(256 * 1024 * 1024);
    roomy.close();
  });

  it("refuses a body that is not what its encoding says with 400", async () => {
    const res = await send(PREDICT, predictBody, {
      "content-type": "application/json",
      "content-encoding": "gzip",
    });
    expect(res.status).toBe(400);
    expect(await errorMessage(res)).toContain("not valid gzip data");
  });
});

describe("a client that hangs up", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startHttpServer({
      fetch: serve.app.fetch,
      port: 0,
      hostname: "127.0.0.1",
      logger: capturedLogger("server").logger,
      drainTimeoutMs: 1000,
    });
  });
  afterAll(() => server?.close());

  /** Sends the head and part of a body over a real socket, then destroys the socket. */
  async function hangUp(path: string, headers: string, part: string, requestId: string) {
    const socket: Socket = connect(server.port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: ${requestId}\r\n${headers}\r\n${part}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    socket.destroy();
    const deadline = Date.now() + 5000;
    for (;;) {
      const line = serve.lines().find((l) => l.requestId === requestId && "status" in l);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no access log line for ${requestId}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("is logged as 499 and counted as 499, never as a server error", async () => {
    const declared = await hangUp(
      PREDICT,
      "Content-Type: application/json\r\nContent-Length: 50000\r\n",
      '{"instances":[',
      "gone-declared",
    );
    const chunked = await hangUp(
      INFER,
      "Transfer-Encoding: chunked\r\n",
      '10\r\n{"inputs":[     \r\n',
      "gone-chunked",
    );
    for (const line of [declared, chunked]) {
      expect(line).toMatchObject({ status: 499, level: "info" });
      expect(line.err).toBeUndefined();
    }
    const counted = (await serve.metrics.requests.get()).values.filter((v) =>
      [PREDICT, INFER].some((route) =>
        String(v.labels.route).endsWith(route.split("/").pop() ?? ""),
      ),
    );
    expect(counted.filter((v) => String(v.labels.status).startsWith("5"))).toEqual([]);
    expect(counted.filter((v) => v.labels.status === "499").length).toBeGreaterThan(0);
  });
});

describe("Open Inference Protocol: every error under /v2 is a string", () => {
  it.each([
    ["GET", "/v2/models/iris/config", 404],
    ["POST", "/v2/repository/index", 404],
    ["GET", "/serve/v2/no/such/route", 404],
    ["GET", "/v2/models/nope", 404],
  ])("%s %s", async (method, path, status) => {
    const res = await serve.app.request(path, { method });
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body).toEqual({ error: expect.any(String) });
  });

  it("answers errors raised before any route in the protocol's shape too", async () => {
    const tooLarge = await serve.post(`/serve${INFER}`, " ".repeat(LIMIT + 1));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: expect.stringContaining("limit") });
    const encoded = await send(INFER, inferBody, {
      "content-type": "application/json",
      "content-encoding": "br",
    });
    expect(await encoded.json()).toEqual({ error: expect.stringContaining("br") });
  });

  it("keeps skiff's own error shape everywhere else", async () => {
    for (const path of ["/no/such/route", "/models/v2/predict", "/serve/v2x"]) {
      const res = await serve.app.request(path, { method: "POST" });
      expect(((await res.json()) as { error: unknown }).error).toMatchObject({
        code: expect.any(String),
      });
    }
  });

  it("lists the extensions it implements", async () => {
    expect(
      ((await (await serve.app.request("/v2")).json()) as { extensions: string[] }).extensions,
    ).toEqual(["binary_tensor_data"]);
  });
});
