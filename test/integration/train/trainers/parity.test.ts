/**
 * @module test/integration/train/trainers/parity
 * skiff's TypeScript trainers against scikit-learn (the same pipeline fitted by the pinned venv
 * on exactly the same train/test rows), their exported ONNX models run by the real
 * onnxruntime-node, by Python's onnxruntime on the same inputs, and through serve's own
 * named-feature path, the streaming trainer against the in-memory one, and the errors a person
 * gets for data or settings that cannot work.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { OnnxModel } from "../../../../functions/lib/onnx/onnx-model.ts";
import { modelRecordSchema } from "../../../../functions/lib/storage/model-record.ts";
import { decodeOutputs } from "../../../../functions/serve/predict/decode.ts";
import { encodeInstances } from "../../../../functions/serve/predict/encode.ts";
import { planFor } from "../../../../functions/serve/predict/plan.ts";
import type { ColumnType } from "../../../../functions/train/datasets/schema.ts";
import {
  splitIndices,
  TrainingError,
  type TrainResult,
  type TrainSpec,
  train,
} from "../../../../functions/train/trainers/index.ts";
import {
  columnsOf,
  feedsOf,
  readCsv,
  runOnnx,
  source,
  type Table,
} from "../../../support/csv-tables.ts";
import { IRIS_FEATURES } from "../../../support/models.ts";

const run = promisify(execFile);
const { bin: python } = inject("python");
const parityScript = fileURLToPath(new URL("../../../python/train_parity.py", import.meta.url));
const predictScript = fileURLToPath(new URL("../../../python/onnx_predict.py", import.meta.url));
const irisCsv = fileURLToPath(new URL("../../../../examples/iris.csv", import.meta.url));

// --- the datasets ---

let workDir: string;
let iris: Table;
let generated: Table;
const GENERATED_TYPES: Record<string, ColumnType> = {
  age: "integer",
  income: "number",
  score: "number",
  tenure: "number",
  member: "boolean",
  color: "categorical",
  region: "categorical",
  segment: "categorical",
  churn: "categorical",
  spend: "number",
};
const GENERATED_FEATURES = ["age", "income", "score", "tenure", "member", "color", "region"];

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), "skiff-trainers-"));
  iris = readCsv(irisCsv);
  const out = join(workDir, "generated.csv");
  await run(python, [parityScript, "generate", out, "--rows", "3000", "--seed", "7"]);
  generated = readCsv(out);
}, 60_000);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function irisSpec(overrides: Partial<TrainSpec> = {}): TrainSpec {
  return {
    task: "classification",
    target: "species",
    features: IRIS_FEATURES,
    columns: columnsOf(iris, { species: "categorical" }),
    algorithm: "logistic_regression",
    params: {},
    testFraction: 0.2,
    seed: 42,
    datasetBytes: iris.bytes,
    ...overrides,
  };
}

function generatedSpec(overrides: Partial<TrainSpec> = {}): TrainSpec {
  return {
    task: "classification",
    target: "segment",
    features: GENERATED_FEATURES,
    columns: columnsOf(generated, GENERATED_TYPES),
    algorithm: "logistic_regression",
    params: {},
    testFraction: 0.2,
    seed: 7,
    datasetBytes: generated.bytes,
    ...overrides,
  };
}

const timings: Record<string, number> = {};

async function timedTrain(label: string, spec: TrainSpec, table: Table): Promise<TrainResult> {
  const started = performance.now();
  const result = await train(spec, source(table), () => {});
  timings[label] = Math.round(performance.now() - started);
  return result;
}

afterAll(() => {
  process.stderr.write(`trainers: training times (ms) ${JSON.stringify(timings)}\n`);
});

// --- scikit-learn on the same rows ---

interface SklearnClassifier {
  classes: string[];
  accuracy: number;
  log_loss: number;
  n_iter: number;
  labels: string[];
  probabilities: number[][];
}

interface SklearnRegressor {
  r2: number;
  rmse: number;
  values: number[];
}

async function sklearn<T>(
  spec: TrainSpec,
  table: Table,
  model: "logistic" | "linear" | "ridge",
): Promise<T & { test: number[] }> {
  const { train: trainRows, test } = await splitIndices(spec, source(table));
  const types = Object.fromEntries(spec.columns.map((c) => [c.name, c.type]));
  const specFile = join(
    workDir,
    `spec-${createHash("sha1").update(JSON.stringify(spec)).digest("hex")}.json`,
  );
  writeFileSync(
    specFile,
    JSON.stringify({
      csv: table.path,
      task: spec.task,
      target: spec.target,
      features: spec.features.map((name) => ({ name, kind: types[name] })),
      model,
      train: trainRows,
      test,
      ...spec.params,
    }),
  );
  const { stdout } = await run(python, [parityScript, "fit", specFile], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ...(JSON.parse(stdout) as T), test };
}

// --- running the exported model ---

/** Whether `feeds` hold both kinds of missing cell: a NaN number and an empty category. */
function hasMissingCells(feeds: Record<string, ort.Tensor>): boolean {
  const cells = Object.values(feeds).flatMap((t) => Array.from(t.data as ArrayLike<unknown>));
  return cells.some((c) => Number.isNaN(c)) && cells.includes("");
}

// --- the same model and feeds in Python's onnxruntime ---

interface JsonTensor {
  type: string;
  dims: number[];
  data: Array<number | string | null>;
}

function jsonTensor(tensor: ort.Tensor): JsonTensor {
  return {
    type: tensor.type,
    dims: [...tensor.dims],
    // JSON has no NaN: a missing number travels as null and becomes NaN again in Python.
    data: Array.from(tensor.data as ArrayLike<number | string>, (v) =>
      typeof v === "number" && Number.isNaN(v) ? null : v,
    ),
  };
}

/** `feeds`, element for element, through the exported model in Python's onnxruntime. */
async function runPythonOnnx(
  result: TrainResult,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, JsonTensor>> {
  const base = join(workDir, `predict-${createHash("sha1").update(result.onnx).digest("hex")}`);
  writeFileSync(`${base}.onnx`, result.onnx);
  writeFileSync(
    `${base}.json`,
    JSON.stringify(Object.fromEntries(Object.entries(feeds).map(([n, t]) => [n, jsonTensor(t)]))),
  );
  const { stdout } = await run(python, [predictScript, `${base}.onnx`, `${base}.json`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as Record<string, JsonTensor>;
}

/**
 * Both runtimes must give the same outputs: the same names, types and shapes, identical labels,
 * and numbers within 1e-5 (absolute). Both are onnxruntime 1.30.0 fed the same float32 tensors,
 * so they compute the same bits here; the bound only leaves room for a kernel dispatched
 * differently to round differently: a few float32 ulps of a probability (≤ 6e-8 each), about
 * one ulp of a spend near 120 (7.6e-6). A value or category fed differently moves the outputs by
 * orders of magnitude more (a missing number read as 0 instead of NaN: 0.6 in a probability,
 * 117 in spend). Returns the largest difference seen.
 */
async function expectSameInPython(
  result: TrainResult,
  feeds: Record<string, ort.Tensor>,
  node: ort.InferenceSession.OnnxValueMapType,
): Promise<number> {
  const python = await runPythonOnnx(result, feeds);
  expect(Object.keys(python).sort()).toEqual(Object.keys(node).sort());
  let max = 0;
  for (const [name, value] of Object.entries(node)) {
    const ours = value as ort.Tensor;
    const theirs = python[name] as JsonTensor;
    expect({ name, type: theirs.type, dims: theirs.dims }).toEqual({
      name,
      type: ours.type,
      dims: [...ours.dims],
    });
    const data = Array.from(ours.data as ArrayLike<number | string>);
    expect(data.length).toBeGreaterThan(0);
    expect(theirs.data).toHaveLength(data.length);
    if (ours.type === "string") {
      expect(theirs.data, `${name}: onnxruntime-node vs Python onnxruntime`).toEqual(data);
      continue;
    }
    // A NaN on either side makes the difference NaN, which fails the comparison.
    const difference = maxAbsDifference([data as number[]], [theirs.data as number[]]);
    expect(difference, `${name}: onnxruntime-node vs Python onnxruntime`).toBeLessThan(1e-5);
    max = Math.max(max, difference);
  }
  return max;
}

/** Probabilities [N, C] as rows. */
function rowsOf(tensor: ort.Tensor): number[][] {
  const [n = 0, c = 0] = tensor.dims;
  const data = Array.from(tensor.data as Float32Array);
  return Array.from({ length: n }, (_, i) => data.slice(i * c, (i + 1) * c));
}

function logLoss(probabilities: number[][], truth: number[]): number {
  const eps = Number.EPSILON;
  const total = probabilities.reduce(
    (sum, row, i) =>
      sum - Math.log(Math.min(Math.max(row[truth[i] as number] as number, eps), 1 - eps)),
    0,
  );
  return total / probabilities.length;
}

function maxAbsDifference(a: number[][], b: number[][]): number {
  let max = 0;
  a.forEach((row, i) => {
    row.forEach((v, j) => {
      max = Math.max(max, Math.abs(v - (b[i]?.[j] ?? Number.NaN)));
    });
  });
  return max;
}

const parity: Record<string, unknown> = {};
afterAll(() => {
  process.stderr.write(`trainers: parity with scikit-learn ${JSON.stringify(parity)}\n`);
});

// --- the tests ---

describe("classification parity with scikit-learn's LogisticRegression (lbfgs)", () => {
  // `close`: how far the exported model's probabilities may be from scikit-learn's. At the
  // default tol (1e-4 on the gradient) both optimizers stop near, not at, the same optimum;
  // with a tight tol both reach it and the difference is float32 rounding.
  const cases = [
    { name: "iris (3 classes, numeric)", spec: () => irisSpec(), table: () => iris, close: 5e-3 },
    {
      name: "generated segment (3 classes, mixed, missing values)",
      spec: () => generatedSpec(),
      table: () => generated,
      close: 5e-3,
    },
    {
      name: "generated churn (binary, C=0.5)",
      spec: () => generatedSpec({ target: "churn", params: { C: 0.5 } }),
      table: () => generated,
      close: 5e-3,
    },
    {
      name: "generated segment, C=10, tol=1e-8",
      spec: () => generatedSpec({ params: { C: 10, tol: 1e-8, max_iter: 1000 } }),
      table: () => generated,
      close: 1e-5,
    },
  ];

  it.each(cases)(
    "$name: accuracy within 1 pp, same predictions and probabilities, same in Python onnxruntime",
    async ({ name, spec: specOf, table: tableOf, close }) => {
      const spec = specOf();
      const table = tableOf();
      const ours = await timedTrain(name, spec, table);
      const theirs = await sklearn<SklearnClassifier>(spec, table, "logistic");

      expect(ours.record.classes).toEqual(theirs.classes);
      expect(ours.testRows).toBe(theirs.test.length);
      const accuracy = ours.record.metrics.accuracy as number;
      parity[name] = {
        ours: accuracy,
        sklearn: theirs.accuracy,
        oursLogLoss: ours.record.metrics.log_loss,
        sklearnLogLoss: theirs.log_loss,
      };
      expect(Math.abs(accuracy - theirs.accuracy)).toBeLessThanOrEqual(0.01);
      expect(Math.abs((ours.record.metrics.log_loss as number) - theirs.log_loss)).toBeLessThan(
        2e-3,
      );

      // The exported model, on the raw test rows, against scikit-learn's own predictions.
      const feeds = feedsOf(ours, table, theirs.test);
      // The generated cases must send missing values through both runtimes, not only complete rows.
      expect(hasMissingCells(feeds)).toBe(table === generated);
      const outputs = await runOnnx(ours, feeds);
      const probabilities = rowsOf(outputs.probabilities as ort.Tensor);
      const labels = Array.from((outputs.label as ort.Tensor).data as string[]);
      const difference = maxAbsDifference(probabilities, theirs.probabilities);
      const agree = labels.filter((l, i) => l === theirs.labels[i]).length / labels.length;
      Object.assign(parity[name] as object, {
        maxProbabilityDifference: difference,
        sameLabel: agree,
        pythonOnnxMaxDifference: await expectSameInPython(ours, feeds, outputs),
      });
      expect(difference).toBeLessThan(close);
      expect(agree).toBeGreaterThanOrEqual(0.99);

      // …and against our own TypeScript forward pass, which computed the record's metrics.
      const classes = ours.record.classes as string[];
      const truth = theirs.test.map((i) =>
        classes.indexOf(table.rows[i]?.[table.header.indexOf(spec.target)] as string),
      );
      expect(
        Math.abs(logLoss(probabilities, truth) - (ours.record.metrics.log_loss as number)),
      ).toBeLessThan(1e-5);
      const onnxAccuracy =
        labels.filter((l, i) => l === classes[truth[i] as number]).length / labels.length;
      expect(onnxAccuracy).toBeCloseTo(accuracy, 10);
      // Labels are the argmax of the probabilities, in the order of `classes`.
      probabilities.forEach((row, i) => {
        expect(labels[i]).toBe(classes[row.indexOf(Math.max(...row))]);
      });
    },
  );
});

describe("regression parity with scikit-learn's LinearRegression and Ridge", () => {
  const cases = [
    { name: "linear_regression", model: "linear" as const, params: {} },
    { name: "ridge alpha=10", model: "ridge" as const, params: { alpha: 10 } },
  ];

  it.each(cases)(
    "generated spend, $name: R² within 0.01, same predictions, same in Python onnxruntime",
    async ({ name, model, params }) => {
      const spec = generatedSpec({
        task: "regression",
        target: "spend",
        algorithm: model === "linear" ? "linear_regression" : "ridge",
        params,
      });
      const ours = await timedTrain(`generated spend ${name}`, spec, generated);
      const theirs = await sklearn<SklearnRegressor>(spec, generated, model);
      const r2 = ours.record.metrics.r2 as number;
      parity[`generated spend ${name}`] = { ours: r2, sklearn: theirs.r2 };
      expect(Math.abs(r2 - theirs.r2)).toBeLessThanOrEqual(0.01);
      // The same least-squares problem: far tighter than the requirement.
      expect(Math.abs(r2 - theirs.r2)).toBeLessThan(1e-9);
      expect(ours.record.metrics.rmse).toBeCloseTo(theirs.rmse, 6);

      const feeds = feedsOf(ours, generated, theirs.test);
      expect(hasMissingCells(feeds)).toBe(true);
      const outputs = await runOnnx(ours, feeds);
      (parity[`generated spend ${name}`] as Record<string, unknown>).pythonOnnxMaxDifference =
        await expectSameInPython(ours, feeds, outputs);
      const values = Array.from((outputs.value as ort.Tensor).data as Float32Array);
      expect(outputs.value?.dims).toEqual([theirs.test.length, 1]);
      // float32 inference of values around 100: a few units in the 5th significant digit.
      expect(maxAbsDifference([values], [theirs.values])).toBeLessThan(5e-3);
      // …and our TypeScript forward pass, which computed the record's RMSE, agrees with it.
      const target = generated.header.indexOf("spend");
      const squared = theirs.test.reduce(
        (sum, row, i) => sum + (Number(generated.rows[row]?.[target]) - (values[i] as number)) ** 2,
        0,
      );
      expect(Math.sqrt(squared / values.length)).toBeCloseTo(ours.record.metrics.rmse as number, 4);
    },
  );
});

describe("the exported ONNX graph", () => {
  interface Checked {
    ir_version: number;
    opsets: Record<string, number>;
    inputs: Record<string, { type: string; shape: Array<string | number> }>;
    outputs: Record<string, { type: string; shape: Array<string | number> }>;
  }

  async function onnxCheck(result: TrainResult, name: string): Promise<Checked> {
    const file = join(workDir, `${name}.onnx`);
    writeFileSync(file, result.onnx);
    const { stdout } = await run(python, [parityScript, "check", file]);
    return JSON.parse(stdout) as Checked;
  }

  it("passes ONNX's checker with full type and shape inference: raw named inputs, typed outputs", async () => {
    const classifier = await train(generatedSpec(), source(generated), () => {});
    const checked = await onnxCheck(classifier, "segment");
    expect(checked.ir_version).toBe(13);
    expect(checked.opsets).toEqual({ "ai.onnx": 17, "ai.onnx.ml": 3 });
    expect(checked.inputs).toEqual({
      age: { type: "FLOAT", shape: ["N", 1] },
      income: { type: "FLOAT", shape: ["N", 1] },
      score: { type: "FLOAT", shape: ["N", 1] },
      tenure: { type: "FLOAT", shape: ["N", 1] },
      member: { type: "FLOAT", shape: ["N", 1] },
      color: { type: "STRING", shape: ["N", 1] },
      region: { type: "STRING", shape: ["N", 1] },
    });
    expect(checked.outputs).toEqual({
      probabilities: { type: "FLOAT", shape: ["N", 3] },
      label: { type: "STRING", shape: ["N"] },
    });

    const binary = await train(generatedSpec({ target: "churn" }), source(generated), () => {});
    expect((await onnxCheck(binary, "churn")).outputs.probabilities).toEqual({
      type: "FLOAT",
      shape: ["N", 2],
    });

    const regressor = await train(
      generatedSpec({ task: "regression", target: "spend", algorithm: "ridge" }),
      source(generated),
      () => {},
    );
    expect((await onnxCheck(regressor, "spend")).outputs).toEqual({
      value: { type: "FLOAT", shape: ["N", 1] },
    });
  });

  it("is the same bytes for the same data, spec and seed, in memory and streaming", async () => {
    const once = await train(irisSpec(), source(iris), () => {});
    const again = await train(irisSpec(), source(iris), () => {});
    expect(Buffer.from(again.onnx).equals(Buffer.from(once.onnx))).toBe(true);
    const streaming = irisSpec({ params: { streaming: true, epochs: 5 } });
    const first = await train(streaming, source(iris), () => {});
    const second = await train(streaming, source(iris), () => {});
    expect(Buffer.from(second.onnx).equals(Buffer.from(first.onnx))).toBe(true);
    const otherSeed = await train(irisSpec({ seed: 43 }), source(iris), () => {});
    expect(Buffer.from(otherSeed.onnx).equals(Buffer.from(once.onnx))).toBe(false);
  });
});

describe("the exported model through serve's named-feature path", () => {
  it("a classifier with missing values answers exactly what the model itself does", async () => {
    const result = await timedTrain("generated segment (serve check)", generatedSpec(), generated);
    const sha256 = createHash("sha256").update(result.onnx).digest("hex");
    const record = modelRecordSchema.parse({ ...result.record, sha256 });
    const model = await OnnxModel.load({
      name: "segments",
      version: "1",
      record,
      onnx: result.onnx,
    });
    try {
      const plan = planFor(model);
      expect(plan.layout.kind).toBe("columns");
      expect(model.changes).toEqual([]);
      // Rows with missing cells among them: null for a missing number, "" for a missing category.
      const rows = generated.rows
        .map((_, i) => i)
        .filter((i) => generated.rows[i]?.includes(""))
        .slice(0, 20);
      rows.push(0, 1, 2);
      const instances = rows.map((i) =>
        Object.fromEntries(
          result.record.features.map((f) => {
            const cell = generated.rows[i]?.[generated.header.indexOf(f.name)] as string;
            if (f.type === "string") return [f.name, cell];
            if (cell === "") return [f.name, null];
            return [f.name, f.type === "boolean" ? cell === "true" : Number(cell)];
          }),
        ),
      );
      const outputs = await model.run(encodeInstances(plan, instances, false));
      const served = decodeOutputs(plan.output, outputs, rows.length);
      const direct = await runOnnx(result, feedsOf(result, generated, rows));
      const probabilities = rowsOf(direct.probabilities as ort.Tensor);
      served.forEach((prediction, i) => {
        expect(prediction).toMatchObject({ label: (direct.label as ort.Tensor).data[i] });
        const answer = prediction as { probabilities: Record<string, number> };
        expect(Object.values(answer.probabilities)).toEqual(probabilities[i]);
      });
    } finally {
      model.retire();
    }
  });

  it("a regressor answers its value; output names step aside for a feature named like them", async () => {
    const table: Table = {
      path: "inline",
      header: ["value", "label", "y"],
      rows: Array.from({ length: 40 }, (_, i) => [
        String(i),
        i % 2 ? "a" : "b",
        String(3 * i + (i % 2 ? 5 : 0) + 1),
      ]),
      bytes: 400,
    };
    const result = await train(
      {
        task: "regression",
        target: "y",
        features: ["value", "label"],
        columns: columnsOf(table, { label: "categorical" }),
        algorithm: "linear_regression",
        params: {},
        testFraction: 0.25,
        seed: 1,
        datasetBytes: table.bytes,
      },
      source(table),
      () => {},
    );
    expect(result.record.outputs).toEqual({ value: "value_" });
    expect(result.record.metrics.r2).toBeCloseTo(1, 9);
    const sha256 = createHash("sha256").update(result.onnx).digest("hex");
    const model = await OnnxModel.load({
      name: "line",
      version: "1",
      record: modelRecordSchema.parse({ ...result.record, sha256 }),
      onnx: result.onnx,
    });
    try {
      const plan = planFor(model);
      const instances = [
        { value: 10, label: "b" },
        { value: 11, label: "a" },
        { value: null, label: "" },
      ];
      const outputs = await model.run(encodeInstances(plan, instances, false));
      const served = decodeOutputs(plan.output, outputs, 3) as Array<{ value: number }>;
      expect(served[0]?.value).toBeCloseTo(31, 3);
      expect(served[1]?.value).toBeCloseTo(39, 3);
      expect(Number.isFinite(served[2]?.value)).toBe(true);
    } finally {
      model.retire();
    }
  });
});

describe("the streaming trainer", () => {
  it("logistic regression: accuracy within 2 pp of the in-memory trainer, on the same split", async () => {
    const inMemory = await timedTrain("generated segment in memory", generatedSpec(), generated);
    const spec = generatedSpec({
      params: { streaming: true, epochs: 30, batchSize: 64, learningRate: 0.02 },
    });
    const progress: number[] = [];
    const started = performance.now();
    const streamed = await train(spec, source(generated), (fraction) => progress.push(fraction));
    timings["generated segment streaming (30 epochs)"] = Math.round(performance.now() - started);

    expect(streamed.record.training.mode).toBe("streaming");
    expect([streamed.trainRows, streamed.testRows]).toEqual([
      inMemory.trainRows,
      inMemory.testRows,
    ]);
    const [a, b] = [
      streamed.record.metrics.accuracy as number,
      inMemory.record.metrics.accuracy as number,
    ];
    parity["streaming vs in-memory segment accuracy"] = { streaming: a, inMemory: b };
    expect(Math.abs(a - b)).toBeLessThanOrEqual(0.02);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= (progress[i - 1] as number))).toBe(true);
  });

  it("is chosen automatically above inMemoryMaxBytes", async () => {
    const result = await train(
      irisSpec({
        params: { inMemoryMaxBytes: 1000, epochs: 40, batchSize: 16, learningRate: 0.05 },
      }),
      source(iris),
      () => {},
    );
    expect(result.record.training.mode).toBe("streaming");
    expect(result.record.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it.each([
    ["linear_regression", {}],
    ["ridge", { alpha: 10 }],
  ] as const)("%s: R² equals the in-memory trainer's within 1e-6", async (algorithm, params) => {
    const spec = generatedSpec({ task: "regression", target: "spend", algorithm, params });
    const inMemory = await train(spec, source(generated), () => {});
    const streamed = await timedTrain(
      `generated spend ${algorithm} streaming`,
      { ...spec, params: { ...params, streaming: true } },
      generated,
    );
    expect(
      Math.abs((streamed.record.metrics.r2 as number) - (inMemory.record.metrics.r2 as number)),
    ).toBeLessThan(1e-6);
    expect(streamed.record.metrics.rmse).toBeCloseTo(inMemory.record.metrics.rmse as number, 6);
  });

  it("reads the rows once per pass: statistics, each epoch, metrics", async () => {
    let passes = 0;
    const counting = async function* () {
      passes++;
      yield* iris.rows;
    };
    await train(irisSpec({ params: { streaming: true, epochs: 3 } }), counting, () => {});
    expect(passes).toBe(5);
  });
});

describe("errors a person can act on", () => {
  async function failure(spec: TrainSpec, rows: string[][]): Promise<TrainingError> {
    const error = await train(
      spec,
      async function* () {
        yield* rows;
      },
      () => {},
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    return error as TrainingError;
  }

  it("a target with one class", async () => {
    const rows = iris.rows.filter((r) => r[4] === "setosa");
    const error = await failure(irisSpec(), rows);
    expect(error.message).toBe(
      'the target "species" has only one class ("setosa"); a classifier needs at least two',
    );
  });

  it("an unknown parameter, named, with the known ones", async () => {
    const error = await failure(irisSpec({ params: { C: 1, max_iters: 50 } }), iris.rows);
    expect(error.message).toMatch(
      /^unknown parameter "max_iters" for logistic_regression \(known: .*max_iter.*\)$/,
    );
  });

  it("a parameter out of range", async () => {
    const error = await failure(irisSpec({ params: { C: -1 } }), iris.rows);
    expect(error.message).toMatch(/^parameter C: /);
  });

  it("no data rows", async () => {
    const error = await failure(irisSpec(), []);
    expect(error.message).toBe('the dataset has no rows with a value for the target "species"');
  });

  it("a non-numeric target for regression", async () => {
    const error = await failure(
      irisSpec({ task: "regression", algorithm: "linear_regression" }),
      iris.rows,
    );
    expect(error.message).toMatch(
      /regression needs a numeric target, but column "species" is categorical/,
    );
  });

  it("an algorithm that does not fit the task", async () => {
    const error = await failure(irisSpec({ algorithm: "ridge" }), iris.rows);
    expect(error.message).toBe("ridge is a regression algorithm, but the task is classification");
  });

  it("a feature that is not a column, and a cell that is not a number", async () => {
    const missing = await failure(
      irisSpec({ features: ["sepal_length", "petal_size"] }),
      iris.rows,
    );
    expect(missing.message).toBe('feature "petal_size" is not a column of the dataset');
    const bad = iris.rows.map((r, i) => (i === 3 ? ["5.1", "abc", ...r.slice(2)] : r));
    const error = await failure(irisSpec(), bad);
    expect(error.message).toBe('row 4, column "sepal_width": "abc" is not a finite number');
  });
});
