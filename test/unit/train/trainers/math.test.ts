/**
 * @module test/unit/train/trainers/math
 * The numerical pieces under the trainers, each against an answer known in closed form: the
 * optimizer, the linear solvers, the split, the metrics and the parameter checks.
 */
import { describe, expect, it } from "vitest";
import { solveCholesky } from "../../../../functions/train/trainers/cholesky.ts";
import { TrainingError } from "../../../../functions/train/trainers/errors.ts";
import { minimize } from "../../../../functions/train/trainers/lbfgs.ts";
import {
  ClassificationMetrics,
  RegressionMetrics,
} from "../../../../functions/train/trainers/metrics.ts";
import { NormalEquations } from "../../../../functions/train/trainers/normal-equations.ts";
import { linearParamsOf, logisticParamsOf } from "../../../../functions/train/trainers/params.ts";
import { Splitter } from "../../../../functions/train/trainers/split.ts";

describe("L-BFGS", () => {
  it("finds the minimum of the Rosenbrock function from the textbook start", async () => {
    const rosenbrock = (x: Float64Array, g: Float64Array) => {
      const [a = 0, b = 0] = x;
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = await minimize(rosenbrock, Float64Array.of(-1.2, 1), {
      maxIterations: 200,
      gradientTolerance: 1e-8,
    });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.iterations).toBeLessThan(60);
  });

  it("stops at max_iter and says so", async () => {
    const quadratic = (x: Float64Array, g: Float64Array) => {
      let f = 0;
      x.forEach((v, i) => {
        g[i] = 2 * (i + 1) * (v - i);
        f += (i + 1) * (v - i) ** 2;
      });
      return f;
    };
    const result = await minimize(quadratic, new Float64Array(20), {
      maxIterations: 2,
      gradientTolerance: 1e-12,
    });
    expect(result).toMatchObject({
      converged: false,
      iterations: 2,
      reason: "reached max_iter (2)",
    });
  });
});

describe("linear solvers", () => {
  it("Cholesky solves a symmetric positive definite system", () => {
    // A = [[4,2,0],[2,5,1],[0,1,3]], w = [1,-1,2]  ⇒  c = A·w = [2,-1,5]
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const { w, dropped } = solveCholesky(a, Float64Array.of(2, -1, 5), 3);
    expect(dropped).toEqual([]);
    for (const [i, v] of [1, -1, 2].entries()) expect(w[i]).toBeCloseTo(v, 12);
  });

  it("drops a column that repeats another, instead of dividing by zero", () => {
    // Columns 0 and 1 are identical: A = [[1,1],[1,1]], c = [3,3]
    const { w, dropped } = solveCholesky(Float64Array.of(1, 1, 1, 1), Float64Array.of(3, 3), 2);
    expect(dropped).toEqual([1]);
    expect([w[0], w[1]]).toEqual([3, 0]);
  });

  it("least squares recovers an exact line; ridge shrinks the slope by Sxy / (Sxx + alpha)", () => {
    const equations = new NormalEquations(1, 0);
    const xs = [-2, -1, 0, 1, 2];
    for (const x of xs) equations.add(Float64Array.of(x), 0, 2 * x + 3);
    const exact = equations.solve(0);
    expect(exact.weights[0]).toBeCloseTo(2, 12);
    expect(exact.intercept).toBeCloseTo(3, 12);
    // Sxx = 10, Sxy = 20 ⇒ ridge slope 20 / (10 + 10) = 1; the intercept stays ȳ − x̄·w = 3.
    const ridge = equations.solve(10);
    expect(ridge.weights[0]).toBeCloseTo(1, 12);
    expect(ridge.intercept).toBeCloseTo(3, 12);
  });
});

describe("the streaming-friendly split", () => {
  function sides(seed: number, fraction: number, strata: string[]): boolean[] {
    const splitter = new Splitter(seed, fraction);
    return strata.map((s) => splitter.isTest(s));
  }
  const strata = Array.from({ length: 1000 }, (_, i) => (i < 600 ? "a" : i < 900 ? "b" : "c"));

  it("gives each stratum its share of test rows, to within one", () => {
    const test = sides(1, 0.2, strata);
    for (const [stratum, size] of [
      ["a", 600],
      ["b", 300],
      ["c", 100],
    ] as const) {
      const count = strata.filter((s, i) => s === stratum && test[i]).length;
      expect(Math.abs(count - size * 0.2)).toBeLessThanOrEqual(1);
    }
  });

  it("is the same on every pass with the same seed and differs with another", () => {
    expect(sides(7, 0.25, strata)).toEqual(sides(7, 0.25, strata));
    expect(sides(8, 0.25, strata)).not.toEqual(sides(7, 0.25, strata));
  });

  it("puts nothing on the test side with a fraction of 0", () => {
    expect(sides(1, 0, strata).some(Boolean)).toBe(false);
  });
});

describe("metrics", () => {
  it("classification: accuracy, macro precision/recall/F1, log loss, confusion matrix as scikit-learn defines them", () => {
    const metrics = new ClassificationMetrics(3);
    const truth = [0, 0, 1, 1, 2];
    const predicted = [0, 1, 1, 1, 0];
    truth.forEach((t, i) => {
      const p = new Float64Array(3).fill(0.2);
      p[predicted[i] as number] = 0.6;
      metrics.add(t, p);
    });
    expect(metrics.confusionMatrix()).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 0],
    ]);
    const m = metrics.metrics() as Record<string, number>;
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.precision_macro).toBeCloseTo((0.5 + 2 / 3 + 0) / 3, 12);
    expect(m.recall_macro).toBeCloseTo((0.5 + 1 + 0) / 3, 12);
    expect(m.f1_macro).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
    expect(m.log_loss).toBeCloseTo(-(3 * Math.log(0.6) + 2 * Math.log(0.2)) / 5, 12);
  });

  it("regression: RMSE, MAE and R²", () => {
    const metrics = new RegressionMetrics();
    const pairs = [
      [1, 1.5],
      [2, 2],
      [3, 2.5],
      [4, 4],
    ];
    for (const [y, p] of pairs) metrics.add(y as number, p as number);
    const m = metrics.metrics() as Record<string, number>;
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.5 / 4), 12);
    expect(m.mae).toBeCloseTo(0.25, 12);
    expect(m.r2).toBeCloseTo(1 - 0.5 / 5, 12);
  });
});

describe("parameters", () => {
  it("fills scikit-learn's defaults", () => {
    expect(logisticParamsOf({})).toMatchObject({
      C: 1,
      max_iter: 100,
      tol: 1e-4,
      streaming: false,
    });
    expect(linearParamsOf("ridge", {}).alpha).toBe(1);
    expect(linearParamsOf("linear_regression", {}).alpha).toBe(0);
  });

  it("refuses unknown names and bad values, naming them", () => {
    expect(() => linearParamsOf("linear_regression", { alpha: 1 })).toThrow(
      /^unknown parameter "alpha" for linear_regression \(known: streaming, inMemoryMaxBytes, maxCategories\)$/,
    );
    expect(() => logisticParamsOf({ max_iter: 0 })).toThrow(TrainingError);
    expect(() => logisticParamsOf({ max_iter: 0 })).toThrow(/^parameter max_iter: /);
  });
});
