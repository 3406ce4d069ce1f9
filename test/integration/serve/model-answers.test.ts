/**
 * What a model says is what serve answers: the graph's own labels, every target of a
 * multi-output regressor, per-class probability outputs; and a model.json that contradicts its
 * graph is refused at registration and, written to the bucket directly, answered as a 503 with
 * the reason on every API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidRequestError } from "../../../functions/lib/errors.ts";
import { layout } from "../../../functions/lib/storage/layout.ts";
import { listVersions } from "../../../functions/lib/storage/model-catalogue.ts";
import type { NewModelRecord } from "../../../functions/lib/storage/model-record.ts";
import { registerUploadedModel } from "../../../functions/train/registry/bring-your-own.ts";
import { irisRecord, publishModel } from "../../support/models.ts";
import { pythonModels, rowsAsInstances, startServe } from "../../support/serve.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
let serve: Serve;
const { file, expected } = pythonModels();
const wine = expected.wine_svc;
const linnerud = expected.linnerud;
const iris = expected.iris;

const numbers = (names: string[]) => names.map((name) => ({ name, type: "number" as const }));
const wineRecord: NewModelRecord = {
  task: "classification",
  features: numbers(wine.features),
  classes: wine.classes,
};
const linnerudRecord = (targets?: string[]): NewModelRecord => ({
  task: "regression",
  features: numbers(linnerud.features),
  ...(targets ? { targets } : {}),
});

/** A model name from a case's title. */
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40)
    .replace(/-$/, "");

interface Classified {
  label: string;
  probability: number;
  probabilities: Record<string, number>;
}

beforeAll(async () => {
  serve = await startServe({ SKIFF_MAX_BATCH: "256", SKIFF_MODEL_RETRY_MS: "60000" });
  await publishModel(serve.store, "wine-svc", "1", file("wine-svc.onnx"), wineRecord);
  await publishModel(serve.store, "iris-columns", "1", file("iris-columns.onnx"), {
    ...irisRecord(iris.classes),
  });
  await publishModel(
    serve.store,
    "linnerud",
    "1",
    file("linnerud.onnx"),
    linnerudRecord(linnerud.targets),
  );
  await publishModel(serve.store, "linnerud-unnamed", "1", file("linnerud.onnx"), linnerudRecord());
});
afterAll(() => serve.close());

describe("a classifier's label is the model's own", () => {
  it("an SVC: named predict's labels equal scikit-learn's predict() and v2's label output, row by row", async () => {
    // The rows include every one where the SVC's label is not its most probable class.
    const argmax = wine.probabilities.map((p) => wine.classes[p.indexOf(Math.max(...p))]);
    expect(argmax.filter((label, i) => label !== wine.labels[i]).length).toBeGreaterThan(0);

    const instances = rowsAsInstances(wine.features, wine.rows);
    const res = await serve.post("/models/wine-svc/predict", { instances });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Classified[] };
    const infer = await serve.post("/v2/models/wine-svc/infer", {
      inputs: [
        {
          name: "float_input",
          shape: [wine.rows.length, wine.features.length],
          datatype: "FP32",
          data: wine.rows,
        },
      ],
    });
    expect(infer.status).toBe(200);
    const { outputs } = (await infer.json()) as {
      outputs: Array<{ name: string; data: unknown[] }>;
    };
    const v2Labels = outputs.find((o) => o.name === "label")?.data;
    predictions.forEach((p, i) => {
      expect(p.label, `row ${i}`).toBe(wine.labels[i]);
      expect(p.label, `row ${i}`).toBe(v2Labels?.[i]);
      expect(p.probability).toBe(p.probabilities[p.label]);
      wine.classes.forEach((cls, j) => {
        expect(
          Math.abs((p.probabilities[cls] as number) - (wine.probabilities[i]?.[j] as number)),
        ).toBeLessThan(1e-5);
      });
    });
  });

  it('a zipmap="columns" export answers labels and every class probability', async () => {
    const instances = rowsAsInstances(iris.features, iris.rows);
    const res = await serve.post("/models/iris-columns/predict", { instances });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Classified[] };
    expect(predictions.map((p) => p.label)).toEqual(iris.labels);
    predictions.forEach((p, i) => {
      expect(Object.keys(p.probabilities)).toEqual(iris.classes);
      iris.classes.forEach((cls, j) => {
        expect(
          Math.abs((p.probabilities[cls] as number) - (iris.probabilities[i]?.[j] as number)),
        ).toBeLessThan(1e-5);
      });
    });
  });
});

describe("a regressor with several targets", () => {
  it("answers every target by the names model.json gives, as scikit-learn predicts them", async () => {
    const instances = rowsAsInstances(linnerud.features, linnerud.rows);
    const res = await serve.post("/models/linnerud/predict", { instances });
    expect(res.status).toBe(200);
    const { predictions } = (await res.json()) as {
      predictions: Array<{ values: Record<string, number>; value?: number }>;
    };
    expect(predictions).toHaveLength(linnerud.rows.length);
    predictions.forEach((p, i) => {
      expect(p.value).toBeUndefined();
      expect(Object.keys(p.values)).toEqual(linnerud.targets);
      linnerud.targets.forEach((target, j) => {
        const want = linnerud.values[i]?.[j] as number;
        expect(Math.abs((p.values[target] as number) - want) / Math.abs(want)).toBeLessThan(1e-4);
      });
    });
  });

  it("names them target_0, target_1, ... when model.json does not", async () => {
    const single = rowsAsInstances(linnerud.features, linnerud.rows)[0];
    const res = await serve.post("/models/linnerud-unnamed/predict", single);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { values: Record<string, number> };
    expect(Object.keys(body.values)).toEqual(["target_0", "target_1", "target_2"]);
    expect(body.values.target_1).toBeCloseTo(linnerud.values[0]?.[1] as number, 3);
  });
});

describe("a model.json that contradicts its graph", () => {
  const irisRow = rowsAsInstances(iris.features, iris.rows)[0];
  const cases: Array<[string, string, NewModelRecord, RegExp]> = [
    [
      "task: regression on a classifier",
      "iris.onnx",
      { ...irisRecord(iris.classes), task: "regression" },
      /task is regression but the graph answers labels \(label \(string \[-1\]\)\), as a classifier does/,
    ],
    [
      "task: classification on a regressor",
      "linnerud.onnx",
      { task: "classification", features: numbers(linnerud.features) },
      /task is classification but the graph answers no labels, only variable \(float32 \[-1,3\]\), as a regressor does/,
    ],
    [
      "classes that are not the graph's",
      "iris-zipmap.onnx",
      irisRecord([...iris.classes].reverse()),
      /model.json lists classes \[virginica, versicolor, setosa\] but the graph's classes are \[setosa, versicolor, virginica\]/,
    ],
    [
      "more targets than output columns",
      "linnerud.onnx",
      linnerudRecord(["a", "b"]),
      /model.json lists 2 targets but output variable has 3 columns/,
    ],
    [
      'per-class outputs (zipmap="columns") that match no class',
      "iris-columns.onnx",
      irisRecord(["a", "b", "c"]),
      /float outputs \(ssetosa, sversicolor, svirginica\) that match neither one probability matrix nor model.json's classes/,
    ],
  ];

  it.each(cases)(
    "%s: registration refuses it with a 400 naming the contradiction",
    async (_what, onnx, record, reason) => {
      const name = `refused-${slug(_what)}`;
      const refusal = await registerUploadedModel(serve.store, name, file(onnx), record).catch(
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(InvalidRequestError);
      expect((refusal as InvalidRequestError).status).toBe(400);
      expect((refusal as Error).message).toMatch(/^metadata does not fit the graph: /);
      expect((refusal as Error).message).toMatch(reason);
      expect(await listVersions(serve.store, name)).toEqual([]);
    },
  );

  it.each(cases)(
    "%s: written to the bucket, every API answers 503 with the reason",
    async (_what, onnx, record, reason) => {
      const name = `bucket-${slug(_what)}`;
      await publishModel(serve.store, name, "1", file(onnx), record);
      const instance = onnx.startsWith("iris")
        ? irisRow
        : rowsAsInstances(linnerud.features, linnerud.rows)[0];
      const width = onnx.startsWith("iris") ? 4 : 3;
      const answers = [
        await serve.post(`/models/${name}/predict`, instance),
        await serve.post(`/v2/models/${name}/infer`, {
          inputs: [
            {
              name: "float_input",
              shape: [1, width],
              datatype: "FP32",
              data: Array(width).fill(1),
            },
          ],
        }),
        await serve.app.request(`/v2/models/${name}`),
        await serve.app.request(`/v2/models/${name}/versions/1/ready`),
      ];
      for (const res of answers) {
        expect(res.status, res.url).toBe(503);
        const { error } = (await res.json()) as { error: string | { message: string } };
        const text = typeof error === "string" ? error : error.message;
        expect(text).toMatch(
          new RegExp(
            `^model ${name} version 1 failed to load: model.json does not fit the graph: `,
          ),
        );
        expect(text).toMatch(reason);
      }
    },
  );

  it("a model.json that breaks its own schema is a 503 naming the field, on every API", async () => {
    await publishModel(serve.store, "schemaless", "1", file("iris.onnx"), irisRecord(iris.classes));
    const stored = await serve.store.getJson(
      layout.modelMeta("schemaless", "1"),
      z.record(z.string(), z.unknown()),
    );
    await serve.store.putJson(layout.modelMeta("schemaless", "1"), {
      ...stored,
      task: "clustering",
    });
    for (const res of [
      await serve.post("/models/schemaless/predict", irisRow),
      await serve.app.request("/v2/models/schemaless"),
      await serve.app.request("/v2/models/schemaless/ready"),
    ]) {
      expect(res.status).toBe(503);
      const { error } = (await res.json()) as { error: string | { message: string } };
      expect(typeof error === "string" ? error : error.message).toMatch(/model.json.task: /);
    }
  });
});
