/** The tree ensembles' parameters: defaults, and a bad one refused by name. */
import { describe, expect, it } from "vitest";
import { TrainingError } from "../../../../functions/train/trainers/errors.ts";
import {
  fitChoiceOf,
  forestFeatures,
  TASKS_OF,
} from "../../../../functions/train/trainers/params.ts";

describe("tree ensemble parameters", () => {
  it("do both tasks, with scikit-learn's defaults", () => {
    expect(TASKS_OF.gradient_boosting).toEqual(["classification", "regression"]);
    const boosting = fitChoiceOf("gradient_boosting", {}, "regression");
    expect(boosting).toMatchObject({
      kind: "boosting",
      params: { max_iter: 100, learning_rate: 0.1, max_leaf_nodes: 31, min_samples_leaf: 20 },
    });
    const forest = fitChoiceOf("random_forest", {}, "classification");
    expect(forest).toMatchObject({
      kind: "forest",
      params: { n_estimators: 100, bootstrap: true, min_samples_leaf: 1 },
    });
  });

  it("refuse an unknown or out-of-range parameter, naming it", () => {
    expect(() => fitChoiceOf("gradient_boosting", { learning_rate: 0 }, "regression")).toThrow(
      /parameter learning_rate/,
    );
    expect(() => fitChoiceOf("gradient_boosting", { n_estimators: 5 }, "regression")).toThrow(
      /unknown parameter "n_estimators" for gradient_boosting \(known: .*max_iter/,
    );
    expect(() => fitChoiceOf("random_forest", { max_features: 2.5 }, "regression")).toThrow(
      TrainingError,
    );
    expect(() => fitChoiceOf("random_forest", { max_bins: 256 }, "regression")).toThrow(
      /parameter max_bins/,
    );
  });

  it("choose the columns a forest split considers as scikit-learn does", () => {
    const forest = (params: object, task: "classification" | "regression") => {
      const fit = fitChoiceOf("random_forest", params, task);
      if (fit.kind !== "forest") throw new Error("not a forest");
      return forestFeatures(fit.params, task, 30);
    };
    expect(forest({}, "classification")).toBe(5);
    expect(forest({}, "regression")).toBe(30);
    expect(forest({ max_features: "log2" }, "regression")).toBe(4);
    expect(forest({ max_features: 0.5 }, "regression")).toBe(15);
    expect(forest({ max_features: 7 }, "classification")).toBe(7);
    expect(forest({ max_features: 100 }, "classification")).toBe(30);
  });
});
