/**
 * @module train/trainers/model
 * A fitted linear model over the design matrix and its forward pass in TypeScript: what the
 * metrics are computed with, and what the exported ONNX graph must reproduce.
 */
import type { LinearScores } from "../onnx/linear-model.ts";
import type { LinearSolution } from "./normal-equations.ts";

export interface FittedModel extends LinearScores {
  width: number;
  /** identity: a regression value; sigmoid: P(classes[1]); softmax: one probability per class. */
  link: "identity" | "sigmoid" | "softmax";
}

export function modelFromTheta(
  theta: Float64Array,
  width: number,
  outputs: number,
  link: FittedModel["link"],
): FittedModel {
  return {
    width,
    outputs,
    link,
    weights: theta.slice(0, width * outputs),
    intercepts: theta.slice(width * outputs, width * outputs + outputs),
  };
}

/** A regression model from the normal equations' solution. */
export function modelFromSolution(width: number, solution: LinearSolution): FittedModel {
  return {
    width,
    outputs: 1,
    link: "identity",
    weights: solution.weights,
    intercepts: Float64Array.of(solution.intercept),
  };
}

/**
 * Writes the prediction for the design row at x[offset…]: the value (regression, out[0]) or
 * the probability of each class (out has one slot per class; two for a sigmoid model).
 */
export function predictInto(
  model: FittedModel,
  x: Float64Array,
  offset: number,
  out: Float64Array,
): void {
  const { width, outputs: k, weights, intercepts } = model;
  for (let c = 0; c < k; c++) out[c] = intercepts[c] as number;
  for (let j = 0; j < width; j++) {
    const xj = x[offset + j] as number;
    if (xj === 0) continue;
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) + xj * (weights[j * k + c] as number);
  }
  if (model.link === "sigmoid") {
    const p = 1 / (1 + Math.exp(-(out[0] as number)));
    out[0] = 1 - p;
    out[1] = p;
  } else if (model.link === "softmax") {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, out[c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      out[c] = Math.exp((out[c] as number) - max);
      sum += out[c] as number;
    }
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
  }
}
