import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { irisRecord, publishModel } from "../../../support/models.ts";
import { pythonModels, rowsAsInstances, startServe } from "../../../support/serve.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
let serve: Serve;
const { file, expected } = pythonModels();
const iris = expected.iris;
const instances = rowsAsInstances(iris.features, iris.rows);

beforeAll(async () => {
  serve = await startServe({ SKIFF_MAX_BATCH: "32" });
  await publishModel(serve.store, "iris", "1", file("iris-zipmap.onnx"), irisRecord(iris.classes), {
    alias: "production",
  });
  await publishModel(serve.store, "iris-plain", "1", file("iris.onnx"), irisRecord(iris.classes));
  await publishModel(serve.store, "diabetes", "1", file("diabetes.onnx"), {
    task: "regression",
    features: expected.diabetes.features.map((name) => ({ name, type: "number" as const })),
    target: "progression",
  });
});
afterAll(() => serve.close());

describe("named predict with scikit-learn models", () => {
  it.each(["iris", "iris-plain"])(
    "%s: labels equal scikit-learn's and probabilities are within 1e-5",
    async (name) => {
      const res = await serve.post(`/models/${name}/predict`, { instances });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        model: string;
        version: string;
        predictions: Array<{
          label: string;
          probability: number;
          probabilities: Record<string, number>;
        }>;
      };
      expect(body.model).toBe(name);
      expect(body.version).toBe("1");
      expect(body.predictions.map((p) => p.label)).toEqual(iris.labels);
      body.predictions.forEach((p, i) => {
        iris.classes.forEach((cls, j) => {
          expect(
            Math.abs((p.probabilities[cls] as number) - (iris.probabilities[i]?.[j] as number)),
          ).toBeLessThan(1e-5);
        });
        expect(p.probability).toBe(Math.max(...Object.values(p.probabilities)));
      });
    },
  );

  it("gives each of many concurrent requests its own answer while they share model runs", async () => {
    const runRows = async () => {
      const { values } = await serve.parts.context.metrics.runRows.get();
      const value = (name: string) =>
        values.find((v) => v.metricName === name && v.labels.model === "iris-plain")?.value ?? 0;
      return {
        runs: value("skiff_inference_run_rows_count"),
        rows: value("skiff_inference_run_rows_sum"),
      };
    };
    const before = await runRows();
    // Single rows and small batches mixed, as concurrent clients send them.
    const asks = instances.map((instance, i) =>
      i % 5 === 0
        ? { body: { instances: instances.slice(i, i + 3) }, labels: iris.labels.slice(i, i + 3) }
        : { body: instance as Record<string, unknown>, labels: [iris.labels[i]] },
    );
    const answers = await Promise.all(
      asks.map(async ({ body }) => {
        const res = await serve.post("/models/iris-plain/predict", body);
        expect(res.status).toBe(200);
        return (await res.json()) as {
          label?: string;
          predictions?: Array<{ label: string }>;
        };
      }),
    );
    answers.forEach((answer, i) => {
      const got = answer.predictions ? answer.predictions.map((p) => p.label) : [answer.label];
      expect(got).toEqual(asks[i]?.labels);
    });
    const after = await runRows();
    const rows = asks.reduce((n, ask) => n + ask.labels.length, 0);
    expect(after.rows - before.rows).toBe(rows);
    // Shared runs: far fewer onnxruntime runs than requests.
    expect(after.runs - before.runs).toBeLessThan(asks.length / 2);
  });

  it("answers one object with one prediction, under /serve too", async () => {
    const res = await serve.post("/serve/models/iris/predict", instances[0]);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ model: "iris", version: "1", label: iris.labels[0] });
    expect(Object.keys(body)).toEqual([
      "model",
      "version",
      "label",
      "probability",
      "probabilities",
    ]);
    expect(body.predictions).toBeUndefined();
  });

  it("serves a regression model's values", async () => {
    const rows = rowsAsInstances(expected.diabetes.features, expected.diabetes.rows);
    const res = await serve.post("/models/diabetes/predict", { instances: rows });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Array<{ value: number }> };
    predictions.forEach((p, i) => {
      const want = expected.diabetes.values[i] as number;
      expect(Math.abs(p.value - want) / Math.abs(want)).toBeLessThan(1e-4);
    });
  });

  it("reports a cold load in Server-Timing, and only inference once warm", async () => {
    const cold = await startServe({}, serve.store);
    try {
      const first = await cold.post("/models/iris/predict", instances[0]);
      expect(first.headers.get("server-timing")).toMatch(/^load;dur=[\d.]+, infer;dur=[\d.]+$/);
      const second = await cold.post("/models/iris/predict", instances[0]);
      expect(second.headers.get("server-timing")).toMatch(/^infer;dur=[\d.]+$/);
    } finally {
      cold.close();
    }
  });

  it("pins a version with ?version= and answers 404 for a version or model that does not exist", async () => {
    expect((await serve.post("/models/iris/predict?version=1", instances[0])).status).toBe(200);
    for (const path of [
      "/models/iris/predict?version=7",
      "/models/iris/predict?version=abc",
      "/models/nope/predict",
    ]) {
      const res = await serve.post(path, instances[0]);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    }
  });
});

describe("named predict refuses bad input with a reason and keeps serving", () => {
  const good = instances[0] as Record<string, number>;
  it.each([
    ["a missing feature", { ...good, petal_width: undefined }, /petal_width is missing/],
    ["an extra feature", { ...good, colour: 3 }, /colour is not a feature of this model/],
    [
      "a string for a number",
      { ...good, sepal_length: "5.1" },
      /sepal_length must be a number, got "5.1"/,
    ],
    ["null without imputation", { ...good, sepal_width: null }, /sepal_width must not be null/],
    ["an empty list", { instances: [] }, /instances/],
    ["a non-object instance", { instances: [1] }, /instances/],
  ])("%s → 400", async (_what, body, reason) => {
    const res = await serve.post("/models/iris/predict", body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("invalid_request");
    expect(error.message).toMatch(reason);
  });

  it("names the instance of a bad feature in a list", async () => {
    const res = await serve.post("/models/iris/predict", {
      instances: [good, { ...good, petal_length: true }],
    });
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "instances[1].petal_length must be a number, got true",
    );
  });

  it("refuses malformed JSON, a non-finite number, a batch over the limit and a wrong content type", async () => {
    const malformed = await serve.post("/models/iris/predict", '{"sepal_length": 5.1,');
    expect(malformed.status).toBe(400);
    const infinite = await serve.post(
      "/models/iris/predict",
      '{"sepal_length":1e999,"sepal_width":1,"petal_length":1,"petal_width":1}',
    );
    expect(infinite.status).toBe(400);
    expect(((await infinite.json()) as { error: { message: string } }).error.message).toMatch(
      /sepal_length must be a number/,
    );
    const big = await serve.post("/models/iris/predict", {
      instances: Array.from({ length: 33 }, () => good),
    });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: { message: string } }).error.message).toBe(
      "instances has 33 items; at most 32 are allowed",
    );
    const wrongType = await serve.post("/models/iris/predict", JSON.stringify(good), {
      "content-type": "text/plain",
    });
    expect(wrongType.status).toBe(415);
    const after = await serve.post("/models/iris/predict", good);
    expect(after.status).toBe(200);
  });
});

describe("a host dedicated to one model", () => {
  it("answers POST /predict for its default model, and 404 where none is configured", async () => {
    const dedicated = await startServe({ SKIFF_DEFAULT_MODEL: "iris" }, serve.store);
    try {
      const res = await dedicated.post("/predict", instances[0]);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ model: "iris", label: iris.labels[0] });
      const pinned = await dedicated.post("/predict?version=1", instances[0]);
      expect(((await pinned.json()) as { version: string }).version).toBe("1");
    } finally {
      dedicated.close();
    }
    const shared = await serve.post("/predict", instances[0]);
    expect(shared.status).toBe(404);
    expect(((await shared.json()) as { error: { message: string } }).error.message).toBe(
      "this host has no default model; use /models/{name}/predict",
    );
  });
});
