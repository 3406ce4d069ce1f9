/**
 * Training a tree ensemble end to end in the trainer (no storage): a progress event per boosting
 * round with its losses, the loss curve and the rounds in model.json's training, early stopping
 * when the validation loss stops improving, and importances that find the informative column.
 */
import { describe, expect, it } from "vitest";
import { type TrainSpec, train } from "../../../../functions/train/trainers/index.ts";
import { columnsOf, readCsv, source, type Table } from "../../../support/csv-tables.ts";
import { IRIS_FEATURES } from "../../../support/models.ts";

const iris = readCsv("examples/iris.csv");

function spec(table: Table, overrides: Partial<TrainSpec>): TrainSpec {
  return {
    task: "classification",
    target: "species",
    features: IRIS_FEATURES,
    columns: columnsOf(table, { species: "categorical" }),
    algorithm: "gradient_boosting",
    params: {},
    testFraction: 0.2,
    seed: 3,
    datasetBytes: table.bytes,
    ...overrides,
  };
}

/** y = 3·x0 + noise; x1 and x2 are noise alone. */
function noisyLine(rows: number): Table {
  let state = 12345;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines = Array.from({ length: rows }, () => {
    const x = [random(), random(), random()];
    return [...x, 3 * (x[0] as number) + random() * 0.5].map((v) => v.toFixed(5));
  });
  return {
    path: "noisy-line",
    header: ["x0", "x1", "x2", "y"],
    rows: lines,
    bytes: lines.length * 32,
  };
}

describe("gradient boosting", () => {
  it("reports every round's losses and keeps the loss curve and rounds in model.json", async () => {
    const messages: string[] = [];
    const result = await train(spec(iris, { params: { max_iter: 12 } }), source(iris), (_f, m) =>
      messages.push(m),
    );
    const rounds = messages.filter((m) => /^round \d+ of 12: train loss \d/.test(m));
    expect(rounds).toHaveLength(12);
    const { training } = result.record;
    expect(training.rounds).toBe(12);
    expect(training.lossCurve?.train).toHaveLength(13);
    // Boosting lowers the training loss round after round.
    const curve = training.lossCurve?.train as number[];
    expect(curve[12]).toBeLessThan(curve[0] as number);
    expect(training.lossCurve?.validation).toBeUndefined();
  });

  it("stops early when the validation loss stops improving, and says so", async () => {
    const table = noisyLine(3000);
    const regression = spec(table, {
      task: "regression",
      target: "y",
      features: ["x0", "x1", "x2"],
      columns: columnsOf(table, {}),
      params: { early_stopping: true, max_iter: 500, learning_rate: 0.5 },
    });
    const messages: string[] = [];
    const result = await train(regression, source(table), (_f, m) => messages.push(m));
    const { training } = result.record;
    expect(training.rounds).toBeLessThan(500);
    expect(training.lossCurve?.validation).toHaveLength((training.rounds as number) + 1);
    expect(messages.some((m) => m.includes("validation loss"))).toBe(true);
    const importances = training.featureImportances as Record<string, number>;
    expect(importances.x0).toBeGreaterThan(0.8);
    expect(result.record.metrics.r2).toBeGreaterThan(0.9);
  });
});

describe("random forest", () => {
  it("averages its trees: probabilities that sum to one, importances over every feature", async () => {
    const result = await train(
      spec(iris, { algorithm: "random_forest", params: { n_estimators: 20 } }),
      source(iris),
      () => {},
    );
    expect(result.record.training.rounds).toBe(20);
    expect(result.record.training.lossCurve).toBeUndefined();
    expect(Object.keys(result.record.training.featureImportances ?? {})).toEqual(IRIS_FEATURES);
    expect(result.record.metrics.accuracy).toBeGreaterThan(0.85);
  });
});
