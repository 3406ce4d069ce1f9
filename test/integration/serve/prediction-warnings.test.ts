/**
 * A value a skiff-trained model accepts but cannot really use (a category it never saw, a
 * missing value it imputes) still gets an answer, and the answer, the prediction log and the
 * metrics say what happened.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { train } from "../../../functions/train/trainers/index.ts";
import { publishModel } from "../../support/models.ts";
import { startServe } from "../../support/serve.ts";
import { predictionLogFiles } from "../../support/storage.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
let serve: Serve;

const COLORS = ["blue", "green", "red"];
const rows = Array.from({ length: 60 }, (_, i) => {
  const color = COLORS[i % 3] as string;
  const size = (i * 7) % 10;
  return [String(size), color, color === "red" || size > 6 ? "yes" : "no"];
});

beforeAll(async () => {
  serve = await startServe({ SKIFF_PREDICTION_LOG_BATCH: "1" });
  const result = await train(
    {
      task: "classification",
      target: "bought",
      features: ["size", "color"],
      columns: [
        { name: "size", type: "number", missing: 0, min: 0, max: 9 },
        { name: "color", type: "categorical", missing: 0, values: COLORS },
        { name: "bought", type: "categorical", missing: 0, values: ["no", "yes"] },
      ],
      algorithm: "logistic_regression",
      params: {},
      testFraction: 0.25,
      seed: 1,
      datasetBytes: 600,
    },
    async function* () {
      yield* rows;
    },
    () => {},
  );
  await publishModel(serve.store, "shop", "1", result.onnx, { ...result.record });
});
afterAll(() => serve.close());

interface Answer {
  label?: string;
  predictions?: Array<{ label: string }>;
  warnings?: Array<Record<string, unknown>>;
}

describe("warnings", () => {
  it("name an unseen category and a missing or null value, and the call still succeeds", async () => {
    const res = await serve.post("/models/shop/predict", {
      instances: [
        { size: 3, color: "red" },
        { size: 3, color: "mauve" },
        { color: "blue" },
        { size: null, color: "green" },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.predictions).toHaveLength(4);
    expect(body.warnings).toEqual([
      { instance: 1, feature: "color", warning: "unseen_category", value: "mauve" },
      { instance: 2, feature: "size", warning: "missing_value" },
      { instance: 3, feature: "size", warning: "missing_value" },
    ]);
  });

  it("are left out when there is nothing to say, and given for a single instance too", async () => {
    const clean = (await (
      await serve.post("/models/shop/predict", { size: 3, color: "red" })
    ).json()) as Answer;
    expect(clean.warnings).toBeUndefined();
    const single = (await (
      await serve.post("/models/shop/predict", { size: 3, color: "" })
    ).json()) as Answer;
    expect(single.label).toBeDefined();
    expect(single.warnings).toEqual([{ instance: 0, feature: "color", warning: "missing_value" }]);
  });

  it("are counted in skiff_prediction_warnings_total by model and kind", async () => {
    const count = async (kind: string) =>
      (await serve.parts.context.metrics.warnings.get()).values.find(
        (v) => v.labels.model === "shop" && v.labels.kind === kind,
      )?.value ?? 0;
    const before = {
      unseen: await count("unseen_category"),
      missing: await count("missing_value"),
    };
    await serve.post("/models/shop/predict", {
      instances: [
        { size: 1, color: "teal" },
        { size: 1, color: "ochre" },
        { size: null, color: "red" },
      ],
    });
    expect(await count("unseen_category")).toBe(before.unseen + 2);
    expect(await count("missing_value")).toBe(before.missing + 1);
  });

  it("are kept in the call's prediction log record", async () => {
    const res = await serve.post(
      "/models/shop/predict",
      { size: 2, color: "plum" },
      { "x-request-id": "warned-call" },
    );
    expect(res.status).toBe(200);
    const log = serve.parts.context.log;
    await log?.close(5000);
    const files = await predictionLogFiles<{ requestId: string; warnings?: unknown }>(
      serve.store,
      "predictions/shop/",
    );
    const lines = files.flatMap((f) => f.records);
    const record = lines.find((r) => r.requestId === "warned-call");
    expect(record?.warnings).toEqual([
      { instance: 0, feature: "color", warning: "unseen_category", value: "plum" },
    ]);
  });
});
