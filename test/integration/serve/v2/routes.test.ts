import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irisRecord, publishModel } from "../../../support/models.ts";
import { pythonModels, startServe } from "../../../support/serve.ts";
import { predictionLogFiles } from "../../../support/storage.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
let serve: Serve;
const { file, expected } = pythonModels();
const iris = expected.iris;
const get = (path: string) => serve.app.request(path);

beforeAll(async () => {
  serve = await startServe({ SKIFF_MAX_BATCH: "32" });
  await publishModel(serve.store, "iris", "1", file("iris.onnx"), irisRecord(iris.classes));
  await publishModel(serve.store, "iris", "2", file("iris-zipmap.onnx"), irisRecord(iris.classes));
});
afterAll(() => serve.close());

function request(rows: number[][], extra: Record<string, unknown> = {}) {
  return {
    inputs: [{ name: "float_input", shape: [rows.length, 4], datatype: "FP32", data: rows.flat() }],
    ...extra,
  };
}

describe("Open Inference Protocol: server", () => {
  it("answers server metadata, liveness and readiness", async () => {
    expect(await (await get("/v2")).json()).toEqual({
      name: "skiff",
      version: expect.any(String),
      extensions: ["binary_tensor_data"],
    });
    expect((await get("/v2/health/live")).status).toBe(200);
    expect((await get("/serve/v2/health/ready")).status).toBe(200);
    const draining = await startServe({}, serve.store);
    draining.readiness.markDraining();
    const notReady = await draining.app.request("/v2/health/ready");
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ error: "not ready: shutting down" });
    draining.close();
  });
});

describe("Open Inference Protocol: models", () => {
  it("describes a model from its session, with -1 for dynamic dimensions", async () => {
    const res = await get("/v2/models/iris/versions/1");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: "iris",
      versions: ["1", "2"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "float_input", datatype: "FP32", shape: [-1, 4] }],
      outputs: [
        { name: "label", datatype: "BYTES", shape: [-1] },
        { name: "probabilities", datatype: "FP32", shape: [-1, 3] },
      ],
    });
  });

  it("says what it changed in a ZipMap graph to serve it", async () => {
    const body = (await (await get("/v2/models/iris/versions/2")).json()) as {
      outputs: Array<{ name: string; datatype: string; shape: number[] }>;
      parameters?: { graph_changes?: string };
    };
    // The ZipMap output keeps its name and becomes the float tensor that fed it.
    expect(body.outputs).toEqual([
      { name: "output_label", datatype: "BYTES", shape: [-1] },
      { name: "output_probability", datatype: "FP32", shape: [-1, 3] },
    ]);
    expect(body.parameters?.graph_changes).toMatch(/ZipMap/);
  });

  it("answers model readiness, loading the model if needed", async () => {
    expect(await (await get("/v2/models/iris/versions/1/ready")).json()).toEqual({
      name: "iris",
      version: "1",
      ready: true,
    });
    expect((await get("/v2/models/iris/ready")).status).toBe(200);
    expect((await get("/v2/models/nope/ready")).status).toBe(404);
  });

  it("infers with flat or nested data, echoes id and parameters, and matches scikit-learn", async () => {
    const flat = await serve.post(
      "/v2/models/iris/versions/1/infer",
      request(iris.rows, { id: "req-1", parameters: { a: 1 } }),
    );
    expect(flat.status).toBe(200);
    const body = (await flat.json()) as {
      model_name: string;
      model_version: string;
      id: string;
      parameters: unknown;
      outputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }>;
    };
    expect(body).toMatchObject({
      model_name: "iris",
      model_version: "1",
      id: "req-1",
      parameters: { a: 1 },
    });
    const labels = body.outputs.find((o) => o.name === "label");
    expect(labels).toMatchObject({ datatype: "BYTES", shape: [iris.rows.length] });
    expect(labels?.data).toEqual(iris.labels);
    const probabilities = body.outputs.find((o) => o.name === "probabilities");
    expect(probabilities?.shape).toEqual([iris.rows.length, 3]);
    ((probabilities?.data ?? []) as number[]).forEach((p, k) => {
      expect(Math.abs(p - (iris.probabilities.flat()[k] as number))).toBeLessThan(1e-5);
    });

    const nested = await serve.post("/v2/models/iris/infer", {
      inputs: [
        {
          name: "float_input",
          shape: [2, 4],
          datatype: "FP32",
          data: [iris.rows[0], iris.rows[1]],
        },
      ],
      outputs: [{ name: "output_label" }],
    });
    const nestedBody = (await nested.json()) as {
      model_version: string;
      outputs: Array<{ name: string; data: unknown[] }>;
    };
    expect(nestedBody.model_version).toBe("2");
    expect(nestedBody.outputs.map((o) => o.name)).toEqual(["output_label"]);
    expect(nestedBody.outputs[0]?.data).toEqual(iris.labels.slice(0, 2));
  });
});

/** A request with the binary tensor data extension: JSON, then the tensors' bytes. */
/** A body in the binary extension's framing, and the header that says where its JSON ends. */
function binaryFrame(json: unknown, ...tensors: Uint8Array[]) {
  const head = Buffer.from(JSON.stringify(json));
  return {
    body: Buffer.concat([head, ...tensors]),
    headers: { "inference-header-content-length": String(head.byteLength) },
  };
}

function binaryRequest(json: unknown, ...tensors: Uint8Array[]) {
  const { body, headers } = binaryFrame(json, ...tensors);
  return serve.app.request("/v2/models/iris/versions/1/infer", { method: "POST", headers, body });
}

const fp32 = (rows: number[][]) => new Uint8Array(Float32Array.from(rows.flat()).buffer);

/** An answer with binary outputs, split back into its JSON and each output's bytes. */
async function readBinaryAnswer(res: Response) {
  const header = res.headers.get("inference-header-content-length");
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = JSON.parse(bytes.subarray(0, Number(header)).toString()) as {
    outputs: Array<{
      name: string;
      datatype: string;
      shape: number[];
      data?: unknown[];
      parameters?: { binary_data_size?: number };
    }>;
  };
  let offset = Number(header);
  const parts = new Map<string, Buffer>();
  for (const output of json.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    parts.set(output.name, bytes.subarray(offset, offset + size));
    offset += size;
  }
  expect(offset).toBe(bytes.byteLength);
  return { json, parts };
}

/** BYTES elements as the extension lays them out: a 4-byte little-endian length, then the text. */
function readStrings(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < bytes.byteLength; ) {
    const length = bytes.readUInt32LE(offset);
    out.push(bytes.subarray(offset + 4, offset + 4 + length).toString());
    offset += 4 + length;
  }
  return out;
}

describe("Open Inference Protocol: binary tensor data extension", () => {
  const binaryInput = (rows: number[][]) => ({
    name: "float_input",
    shape: [rows.length, 4],
    datatype: "FP32",
    parameters: { binary_data_size: rows.length * 16 },
  });

  it("reads binary inputs and answers binary outputs when the request asks for all of them", async () => {
    const res = await binaryRequest(
      { inputs: [binaryInput(iris.rows)], parameters: { binary_data_output: true } },
      fp32(iris.rows),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const { json, parts } = await readBinaryAnswer(res);
    expect(json.outputs.map((o) => [o.name, o.datatype, o.shape, o.data])).toEqual([
      ["label", "BYTES", [iris.rows.length], undefined],
      ["probabilities", "FP32", [iris.rows.length, 3], undefined],
    ]);
    expect(readStrings(parts.get("label") as Buffer)).toEqual(iris.labels);
    const probabilities = parts.get("probabilities") as Buffer;
    const values = new Float32Array(
      probabilities.buffer,
      probabilities.byteOffset,
      probabilities.byteLength / 4,
    );
    values.forEach((p, k) => {
      expect(Math.abs(p - (iris.probabilities.flat()[k] as number))).toBeLessThan(1e-5);
    });
  });

  it("answers each output as asked: binary for one, JSON for the other", async () => {
    const rows = iris.rows.slice(0, 3);
    const res = await binaryRequest(
      {
        inputs: [binaryInput(rows)],
        outputs: [
          { name: "label", parameters: { binary_data: false } },
          { name: "probabilities", parameters: { binary_data: true } },
        ],
      },
      fp32(rows),
    );
    expect(res.status).toBe(200);
    const { json, parts } = await readBinaryAnswer(res);
    expect(json.outputs[0]?.data).toEqual(iris.labels.slice(0, 3));
    expect([...parts.keys()]).toEqual(["probabilities"]);
    expect((parts.get("probabilities") as Buffer).byteLength).toBe(3 * 3 * 4);
  });

  it("answers JSON to binary inputs when no output asks for bytes, and logs the decoded inputs", async () => {
    const res = await binaryRequest(
      { id: "bin-json", inputs: [binaryInput([iris.rows[0] as number[]])] },
      fp32([iris.rows[0] as number[]]),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("inference-header-content-length")).toBeNull();
    const body = (await res.json()) as { outputs: Array<{ name: string; data: unknown[] }> };
    expect(body.outputs[0]?.data).toEqual([iris.labels[0]]);
    await serve.parts.context.log?.flush();
    const records = (await predictionLogFiles(serve.store, "predictions/iris/")).flatMap(
      (file) => file.records,
    );
    const record = records.find((r) => r.requestId === res.headers.get("x-request-id"));
    expect(record).toMatchObject({ api: "v2", status: 200 });
    expect(record?.inputs).toEqual([
      {
        name: "float_input",
        datatype: "FP32",
        shape: [1, 4],
        data: Array.from(Float32Array.from(iris.rows[0] as number[])),
      },
    ]);
  });

  it.each([
    [
      "a JSON length past the end of the body",
      { "inference-header-content-length": "9999" },
      "{}",
      /^Inference-Header-Content-Length must be the byte length of the JSON/,
    ],
    [
      "a JSON length that is not a number",
      { "inference-header-content-length": "ten" },
      "{}",
      /^Inference-Header-Content-Length must be the byte length of the JSON/,
    ],
  ])("refuses %s", async (_, headers, body, message) => {
    const res = await serve.app.request("/v2/models/iris/versions/1/infer", {
      method: "POST",
      headers,
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
  });

  it("refuses sizes that disagree with the shape or the body, and binary sizes without the header", async () => {
    const row = iris.rows[0] as number[];
    const short = await binaryRequest({ inputs: [binaryInput([row, row])] }, fp32([row]));
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(
      /^input float_input: binary_data_size 32 runs past the end of the body \(16 bytes left\)/,
    );
    const wrongSize = await binaryRequest(
      { inputs: [{ ...binaryInput([row]), parameters: { binary_data_size: 12 } }] },
      fp32([row]).subarray(0, 12),
    );
    expect(((await wrongSize.json()) as { error: string }).error).toBe(
      "input float_input: 4 elements take 16 bytes, but binary_data_size is 12",
    );
    const extra = await binaryRequest({ inputs: [binaryInput([row])] }, fp32([row, row]));
    expect(((await extra.json()) as { error: string }).error).toMatch(
      /^16 bytes follow the last binary tensor/,
    );
    const both = await binaryRequest(
      { inputs: [{ ...binaryInput([row]), data: row }] },
      fp32([row]),
    );
    expect(((await both.json()) as { error: string }).error).toBe(
      "input float_input: give either data or parameters.binary_data_size, not both",
    );
    const noHeader = await serve.post("/v2/models/iris/versions/1/infer", {
      inputs: [binaryInput([row])],
    });
    expect(noHeader.status).toBe(400);
    expect(((await noHeader.json()) as { error: string }).error).toMatch(
      /binary_data_size needs the body's JSON length in the Inference-Header-Content-Length header/,
    );
    const noData = await serve.post("/v2/models/iris/versions/1/infer", {
      inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32" }],
    });
    expect(((await noData.json()) as { error: string }).error).toMatch(
      /^input float_input: data is missing/,
    );
  });

  it("holds a binary body to the same size limit as JSON", async () => {
    const limited = await startServe({ SKIFF_JSON_BODY_LIMIT: "1024" }, serve.store);
    const rows = Array.from({ length: 100 }, () => iris.rows[0] as number[]);
    const { body: big, headers } = binaryFrame({ inputs: [binaryInput(rows)] }, fp32(rows));
    expect(big.byteLength).toBeGreaterThan(1024);
    try {
      const res = await limited.app.request("/v2/models/iris/versions/1/infer", {
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/octet-stream",
          "content-length": String(big.byteLength),
        },
        body: big,
      });
      expect(res.status).toBe(413);
    } finally {
      limited.close();
    }
  });
});

describe("Open Inference Protocol: bad input is a 400 with the reason, in the protocol's shape", () => {
  const row = [5.1, 3.5, 1.4, 0.2];
  it.each([
    [
      "a wrong datatype",
      { inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP64", data: row }] },
      "input float_input: expected datatype FP32, got FP64",
    ],
    [
      "a shape that does not hold the data",
      { inputs: [{ name: "float_input", shape: [2, 4], datatype: "FP32", data: row }] },
      "input float_input: shape [2,4] holds 8 elements but data has 4",
    ],
    [
      "a shape the model does not take",
      { inputs: [{ name: "float_input", shape: [4, 1], datatype: "FP32", data: row }] },
      "input float_input: expected shape [-1,4], got [4,1]",
    ],
    [
      "an unknown input",
      { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: row }] },
      "unknown input x; model iris takes float_input",
    ],
    [
      "an unknown output",
      { ...request([row]), outputs: [{ name: "y" }] },
      "unknown output y; model iris gives label, probabilities",
    ],
    [
      "a string element",
      { inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32", data: [1, 2, "3", 4] }] },
      'input float_input: element 2 must be a finite number, got "3"',
    ],
    [
      "an unknown datatype",
      { inputs: [{ name: "float_input", shape: [1, 4], datatype: "FLOAT", data: row }] },
      /inputs\.0\.datatype/,
    ],
    [
      "a batch over the limit",
      request(Array.from({ length: 33 }, () => row)),
      "batch of 33 rows is larger than the limit of 32",
    ],
  ])("%s", async (_what, body, message) => {
    const res = await serve.post("/v2/models/iris/versions/1/infer", body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    if (typeof message === "string") expect(error).toBe(message);
    else expect(error).toMatch(message);
  });

  it("refuses a non-finite number and malformed JSON", async () => {
    const infinite = await serve.post(
      "/v2/models/iris/versions/1/infer",
      '{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":[1e999,1,1,1]}]}',
    );
    expect(infinite.status).toBe(400);
    expect(((await infinite.json()) as { error: string }).error).toBe(
      "input float_input: element 0 must be a finite number, got null",
    );
    const malformed = await serve.post("/v2/models/iris/infer", "{");
    expect(malformed.status).toBe(400);
    expect(typeof ((await malformed.json()) as { error: unknown }).error).toBe("string");
  });

  it("reads an infer body without a content type as JSON, as stock clients send it", async () => {
    // A string body would get text/plain from the Request constructor; bytes get no type at all.
    const body = new TextEncoder().encode(JSON.stringify(request([row])));
    const res = await serve.app.request("/v2/models/iris/infer", { method: "POST", body });
    expect(res.status).toBe(200);
  });

  it("answers 404 for an unknown model or version, everywhere", async () => {
    for (const path of [
      "/v2/models/nope",
      "/v2/models/iris/versions/9",
      "/v2/models/iris/versions/x/ready",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(Object.keys((await res.json()) as object)).toEqual(["error"]);
    }
    expect((await serve.post("/v2/models/iris/versions/9/infer", request([row]))).status).toBe(404);
    // And it keeps serving.
    expect((await serve.post("/v2/models/iris/infer", request([row]))).status).toBe(200);
  });
});
