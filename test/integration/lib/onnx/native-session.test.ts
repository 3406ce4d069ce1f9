/**
 * @module test/integration/lib/onnx/native-session
 * Both ways native-session reaches onnxruntime, with real models: the internal binding, which
 * passes its check on the pinned onnxruntime-node, and the public InferenceSession fallback,
 * forced here, describe every model alike and answer the very same outputs, scikit-learn's
 * exports and skiff's own alike, through serve's batching too. The check refuses, saying why,
 * modules that are not the binding the module expects.
 */
import * as ort from "onnxruntime-node";
import { afterEach, describe, expect, it } from "vitest";
import {
  bindingProblemOf,
  internalBindingProblem,
  type OrtSession,
  openSession,
  type SessionApi,
  type ValueSpec,
  warnIfBindingUnusable,
} from "../../../../functions/lib/onnx/native-session.ts";
import { OnnxModel } from "../../../../functions/lib/onnx/onnx-model.ts";
import { rewriteToTensorOutputs } from "../../../../functions/lib/onnx/tensor-outputs.ts";
import { batchedRun } from "../../../../functions/serve/batched-run.ts";
import { RunBatcher } from "../../../../functions/serve/run-batcher.ts";
import { type TrainSpec, train } from "../../../../functions/train/trainers/index.ts";
import { capturedLogger } from "../../../support/logs.ts";
import { irisRecord } from "../../../support/models.ts";
import { pythonModels } from "../../../support/serve.ts";

const { file, expected } = pythonModels();
const ROWS = 5;
const COLORS = ["red", "green", "blue"];

const opened: OrtSession[] = [];
const models: OnnxModel[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.release()));
  for (const model of models.splice(0)) model.retire();
});

async function open(bytes: Uint8Array, api: SessionApi): Promise<OrtSession> {
  const session = await openSession(bytes, {}, { api });
  opened.push(session);
  return session;
}

/** Typed arrays by onnxruntime-node's name for the element type, for the feeds below. */
const NUMERIC = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
} as const;

/** Deterministic feeds for whatever the inputs are, ROWS rows of them. */
function feedsFor(inputs: readonly ValueSpec[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const { name, type, shape } of inputs) {
    const dims = shape.map((d) => (d < 0 ? ROWS : d));
    const size = dims.reduce((n, d) => n * d, 1);
    // Small non-negative whole numbers, which every numeric type holds exactly.
    const numbers = Array.from({ length: size }, (_, i) => (i * 37) % 11);
    if (type === "string") {
      // One value no encoder knows: it encodes as all zeros in both paths alike.
      const values = numbers.map((n) => [...COLORS, "violet"][n % 4] as string);
      feeds[name] = new ort.Tensor("string", values, dims);
    } else if (type === "int64") {
      feeds[name] = new ort.Tensor(type, BigInt64Array.from(numbers.map(BigInt)), dims);
    } else if (type !== undefined && type in NUMERIC) {
      const Kind = NUMERIC[type as keyof typeof NUMERIC];
      feeds[name] = new ort.Tensor(type, new Kind(numbers) as Float32Array, dims);
    } else throw new Error(`no feeds for ${name}: ${type}`);
  }
  return feeds;
}

/** A tensor as plain data, so two runs' answers compare element by element. */
function plain(outputs: Record<string, ort.Tensor>) {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, t]) => [
      name,
      { type: t.type, dims: [...t.dims], data: Array.from(t.data as ArrayLike<unknown>) },
    ]),
  );
}

async function expectSameThroughBoth(bytes: Uint8Array): Promise<void> {
  const binding = await open(bytes, "binding");
  const fallback = await open(bytes, "public");
  expect(binding.api).toBe("binding");
  expect(fallback.api).toBe("public");
  expect(fallback.inputs).toEqual(binding.inputs);
  expect(fallback.outputs).toEqual(binding.outputs);
  expect(fallback.outputNames).toEqual(binding.outputNames);

  const feeds = feedsFor(binding.inputs);
  const direct = binding.run(feeds, binding.outputNames);
  // The binding answers now, on this thread; the public API only as a promise.
  expect(direct).not.toBeInstanceOf(Promise);
  const deferred = fallback.run(feeds, fallback.outputNames);
  expect(deferred).toBeInstanceOf(Promise);
  const answers = plain(await direct);
  expect(Object.keys(answers)).toEqual(binding.outputNames);
  expect(plain(await deferred)).toEqual(answers);
}

describe("the check of onnxruntime-node's internal binding", () => {
  it("passes on the onnxruntime-node release package.json pins, and nothing is logged", () => {
    expect(internalBindingProblem()).toBeUndefined();
    const { logger, lines } = capturedLogger();
    warnIfBindingUnusable(logger);
    logger.flush();
    expect(lines()).toEqual([]);
  });

  it("refuses a module that does not load, or lacks what the sessions use, saying why", () => {
    expect(
      bindingProblemOf(() => {
        throw new Error("Cannot find module");
      }),
    ).toBe("onnxruntime-node/dist/binding.js does not load: Cannot find module");
    expect(bindingProblemOf(() => ({}))).toBe(
      "onnxruntime-node/dist/binding.js has no initOrt or InferenceSession",
    );
    const sessionWith = (methods: object) => ({
      initOrt: () => {},
      binding: { InferenceSession: Object.assign(function Session() {}, { prototype: methods }) },
    });
    expect(bindingProblemOf(() => sessionWith({ loadModel() {} }))).toBe(
      "the binding's InferenceSession has no run, dispose",
    );
  });

  it("refuses a binding whose session fails, or answers wrongly, the one-node model it loads", () => {
    const fake = (session: object) => ({
      initOrt: () => {},
      binding: {
        InferenceSession: class {
          constructor() {
            Object.assign(this, session);
          }
          loadModel() {}
          run() {}
          dispose() {}
        },
      },
    });
    expect(
      bindingProblemOf(() =>
        fake({
          loadModel: () => {
            throw new Error("Invalid model");
          },
        }),
      ),
    ).toBe("the binding fails a one-node model: Invalid model");

    const metadata = (name: string) => [
      { name, isTensor: true, type: 1, shape: [-1, 1], symbolicDimensions: ["N", ""] },
    ];
    const described = { inputMetadata: metadata("x"), outputMetadata: metadata("y") };
    expect(bindingProblemOf(() => fake({ ...described, inputMetadata: [{ name: "x" }] }))).toBe(
      'the binding\'s session metadata differs: it describes x as [{"name":"x"}]',
    );
    expect(bindingProblemOf(() => fake({ ...described, run: () => ({ y: [1.5, -2] }) }))).toBe(
      "the binding's run answers [1.5,-2] for an Identity",
    );
    const answers = new ort.Tensor("float32", Float32Array.from([1.5, -2]), [2, 1]);
    expect(bindingProblemOf(() => fake({ ...described, run: () => ({ y: answers }) }))).toBe(
      undefined,
    );
  });
});

describe("the binding and the forced public fallback answer alike", () => {
  it.each(["iris.onnx", "iris-columns.onnx", "diabetes.onnx", "wine-svc.onnx", "linnerud.onnx"])(
    "%s (scikit-learn)",
    async (name) => {
      await expectSameThroughBoth(file(name));
    },
  );

  it("iris-zipmap.onnx, described alike as exported and run alike once rewritten", async () => {
    const original = file("iris-zipmap.onnx");
    const binding = await open(original, "binding");
    const fallback = await open(original, "public");
    expect(binding.outputs.find((o) => o.name === "output_probability")).toEqual({
      name: "output_probability",
      isTensor: false,
      type: undefined,
      shape: [],
    });
    expect(fallback.outputs).toEqual(binding.outputs);
    await expectSameThroughBoth(rewriteToTensorOutputs(original).bytes);
  });

  it("every element type the cast models take", async () => {
    expect(expected.casts.length).toBeGreaterThan(0);
    for (const type of expected.casts) await expectSameThroughBoth(file(`cast-${type}.onnx`));
  });

  it("a model skiff trains, with a one-hot encoded categorical input", async () => {
    const rows = Array.from({ length: 60 }, (_, i) => [
      String((i * 7) % 13),
      COLORS[i % 3] as string,
      (i * 7) % 13 > 6 || i % 3 === 0 ? "yes" : "no",
    ]);
    const spec: TrainSpec = {
      task: "classification",
      target: "answer",
      features: ["x", "color"],
      columns: [
        { name: "x", type: "number", missing: 0, min: 0, max: 12 },
        { name: "color", type: "categorical", missing: 0, values: [...COLORS].sort() },
        { name: "answer", type: "categorical", missing: 0, values: ["no", "yes"] },
      ],
      algorithm: "logistic_regression",
      params: {},
      testFraction: 0.2,
      seed: 3,
      datasetBytes: 1000,
    };
    const trained = await train(
      spec,
      async function* () {
        yield* rows;
      },
      () => {},
    );
    await expectSameThroughBoth(trained.onnx);
  });
});

describe("serve's batched runs over a public-API session", () => {
  const { classes, rows, labels } = expected.iris;

  async function load(api: SessionApi): Promise<OnnxModel> {
    const model = await OnnxModel.load(
      {
        name: "iris",
        version: "1",
        record: { ...irisRecord(classes), sha256: "0".repeat(64) },
        onnx: file("iris.onnx"),
      },
      { api },
    );
    models.push(model);
    return model;
  }

  it("stack the requests that arrive together into one run, and answer each its own rows", async () => {
    const runs: Record<SessionApi, number[]> = { binding: [], public: [] };
    const answers: Record<SessionApi, unknown[]> = { binding: [], public: [] };
    for (const api of ["binding", "public"] as const) {
      const model = await load(api);
      const run = batchedRun(model, { maxRows: 256, onRun: (n) => runs[api].push(n) });
      const one = (row: number[]) => ({
        float_input: new ort.Tensor("float32", Float32Array.from(row), [1, 4]),
      });
      const outputs = await Promise.all(
        rows.map((row) => run(one(row), ["label", "probabilities"])),
      );
      answers[api] = outputs.map(plain);
      expect(outputs.map((o) => o.label?.data[0])).toEqual(labels);
    }
    expect(runs.public).toEqual([rows.length]);
    expect(runs.binding).toEqual([rows.length]);
    expect(answers.public).toEqual(answers.binding);
  });

  it("a shared run whose promise rejects sends each request alone", async () => {
    const session = await open(file("iris.onnx"), "public");
    const calls: number[] = [];
    const batcher = new RunBatcher((feeds, names) => {
      const n = feeds.float_input?.dims[0] ?? 0;
      calls.push(n);
      return n > 1 ? Promise.reject(new Error("refused")) : session.run(feeds, names);
    }, 256);
    const outputs = await Promise.all(
      rows
        .slice(0, 3)
        .map((row) =>
          batcher.run({ float_input: new ort.Tensor("float32", Float32Array.from(row), [1, 4]) }, [
            "label",
          ]),
        ),
    );
    expect(calls).toEqual([3, 1, 1, 1]);
    expect(outputs.map((o) => o.label?.data[0])).toEqual(labels.slice(0, 3));
  });
});
