/**
 * A value reaches a model only if its input's element type holds it: both APIs refuse the rest
 * with a 400 naming the field, for every numeric type; and a NaN or Infinity the model answers
 * is never passed off as null in a number.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishModel } from "../../support/models.ts";
import { pythonModels, startServe } from "../../support/serve.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
let serve: Serve;
const { file, expected } = pythonModels();

/** Per element type: the largest and smallest value it holds, and one just past each. */
const BOUNDS: Record<string, { v2: string; ok: number[]; refused: number[]; fraction: boolean }> = {
  fp32: { v2: "FP32", ok: [3.4e38, -3.4e38, 0.5], refused: [1e39, -1e39, 3.5e38], fraction: true },
  fp64: { v2: "FP64", ok: [1.7e308, -1e300, 0.5], refused: [], fraction: true },
  int8: { v2: "INT8", ok: [127, -128], refused: [128, -129], fraction: false },
  int16: { v2: "INT16", ok: [32767, -32768], refused: [32768, -32769], fraction: false },
  int32: {
    v2: "INT32",
    ok: [2147483647, -2147483648],
    refused: [2147483648, -2147483649],
    fraction: false,
  },
  int64: {
    v2: "INT64",
    ok: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
    refused: [],
    fraction: false,
  },
  uint8: { v2: "UINT8", ok: [0, 255], refused: [256, -1], fraction: false },
  uint16: { v2: "UINT16", ok: [0, 65535], refused: [65536, -1], fraction: false },
  uint32: { v2: "UINT32", ok: [0, 4294967295], refused: [4294967296, -1], fraction: false },
};

beforeAll(async () => {
  serve = await startServe();
  expect(expected.casts.sort()).toEqual(Object.keys(BOUNDS).sort());
  for (const type of expected.casts) {
    const bounds = BOUNDS[type] as (typeof BOUNDS)[string];
    await publishModel(serve.store, `cast-${type}`, "1", file(`cast-${type}.onnx`), {
      task: "regression",
      features: [{ name: "x", type: bounds.fraction ? "number" : "integer" }],
    });
  }
  await publishModel(serve.store, "diabetes", "1", file("diabetes.onnx"), {
    task: "regression",
    features: expected.diabetes.features.map((name) => ({
      name,
      type: "number" as const,
      // Nullable without an imputer in the graph: a null reaches the model as NaN.
      nullable: true,
    })),
  });
});
afterAll(() => serve.close());

const named = (type: string, values: number[]) =>
  serve.post(`/models/cast-${type}/predict`, { instances: values.map((x) => ({ x })) });
const v2 = (type: string, values: number[]) =>
  serve.post(`/v2/models/cast-${type}/infer`, {
    inputs: [
      {
        name: "x",
        shape: [values.length, 1],
        datatype: BOUNDS[type]?.v2,
        data: values,
      },
    ],
  });
const message = async (res: Response) => {
  const body = (await res.json()) as { error: string | { message: string } };
  return typeof body.error === "string" ? body.error : body.error.message;
};

describe.each(Object.keys(BOUNDS))("element type %s", (type) => {
  const bounds = BOUNDS[type] as (typeof BOUNDS)[string];

  it("takes every value the type holds, through both APIs, and the model sees it exactly", async () => {
    const values = [1, ...bounds.ok];
    const res = await named(type, values);
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Array<{ value: number }> };
    expect(predictions.map((p) => p.value)).toEqual(
      values.map((v) => (type === "fp32" ? Math.fround(v) : v)),
    );
    const infer = await v2(type, values);
    expect(infer.status).toBe(200);
    const { outputs } = (await infer.json()) as { outputs: Array<{ data: number[] }> };
    expect(outputs[0]?.data).toEqual(predictions.map((p) => p.value));
  });

  it.each(bounds.refused)(
    "refuses %d with a 400 naming the feature and instance, or the input and element",
    async (value) => {
      const res = await named(type, [1, value]);
      expect(res.status).toBe(400);
      expect(await message(res)).toBe(
        `instances[1].x must be ${
          bounds.fraction
            ? `a number within the ${bounds.v2} range (±3.4028e+38)`
            : `an integer within the ${bounds.v2} range [${rangeOf(bounds)}]`
        }, got ${value}`,
      );
      const infer = await v2(type, [1, value]);
      expect(infer.status).toBe(400);
      expect(await message(infer)).toMatch(
        new RegExp(
          `^input x: element 1 must be .*within the ${bounds.v2} range.*, got ${literally(String(value))}$`,
        ),
      );
    },
  );
});

describe("a fraction for an integer type", () => {
  const integers = Object.keys(BOUNDS).filter((type) => !BOUNDS[type]?.fraction);

  it.each(integers)("%s: is refused by both APIs", async (type) => {
    const res = await serve.post(`/models/cast-${type}/predict`, { x: 2.5 });
    expect(res.status).toBe(400);
    expect(await message(res)).toBe("x must be an integer, got 2.5");
    const infer = await v2(type, [1, 2.5]);
    expect(infer.status).toBe(400);
    expect(await message(infer)).toBe("input x: element 1 must be an integer, got 2.5");
  });
});

function rangeOf(bounds: (typeof BOUNDS)[string]): string {
  return `${Math.min(...bounds.ok)}, ${Math.max(...bounds.ok)}`;
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("a model that answers NaN or Infinity", () => {
  const row = Object.fromEntries(expected.diabetes.features.map((f) => [f, 0.01]));

  it("is a 500 saying which value, never a null in the answer", async () => {
    // 3e38 fits FP32; the regression's sum of it times its coefficients does not.
    const huge = await serve.post("/models/diabetes/predict", {
      instances: [row, { ...row, bmi: 3e38, s1: -3e38 }],
    });
    expect(huge.status).toBe(500);
    expect(await message(huge)).toMatch(
      /^the model answered (-?Infinity|NaN) as the value for instances\[1\]$/,
    );
    const missing = await serve.post("/models/diabetes/predict", { ...row, bmi: null });
    expect(missing.status).toBe(500);
    expect(await message(missing)).toBe("the model answered NaN as the value");
    const fine = await serve.post("/models/diabetes/predict", row);
    expect(fine.status).toBe(200);
  });

  it("is a 500 on v2 for a JSON output, and the exact bytes for a binary one", async () => {
    const data = [...Object.values(row).slice(0, 3), 3e38, -3e38, ...Object.values(row).slice(5)];
    const body = (binary: boolean) => ({
      inputs: [{ name: "float_input", shape: [1, 10], datatype: "FP32", data }],
      outputs: [{ name: "variable", parameters: { binary_data: binary } }],
    });
    const json = await serve.post("/v2/models/diabetes/infer", body(false));
    expect(json.status).toBe(500);
    expect(await message(json)).toMatch(
      /^output variable element 0 is (-?Infinity|NaN), which JSON cannot carry; ask for variable as binary data/,
    );
    const binary = await serve.post("/v2/models/diabetes/infer", body(true));
    expect(binary.status).toBe(200);
    const length = Number(binary.headers.get("inference-header-content-length"));
    const bytes = new Uint8Array(await binary.arrayBuffer());
    const value = new Float32Array(bytes.slice(length).buffer)[0] as number;
    expect(Number.isFinite(value)).toBe(false);
  });
});
