/**
 * @module train/trees/tree-model
 * A trained tree ensemble over the design columns, as the trainers hand it to the ONNX export
 * and the metrics: flat arrays per tree, the layout ONNX's TreeEnsemble operators take.
 *
 * Inputs are float32 in the served graph, so every comparison is made on float32 values: the
 * trainer bins `Math.fround(x)`, predicts on `Math.fround(x)`, and a split sends x left when
 * `x <= threshold` (thresholds are doubles, compared with the float32 value widened, as
 * onnxruntime does with double thresholds). A missing value (NaN) goes where `missingLeft` says.
 */

export interface Tree {
  /** The design column a split node tests; -1 marks a leaf. */
  feature: Int32Array;
  /** A split node sends x to `left` when x <= threshold. */
  threshold: Float64Array;
  /** 1 when a missing value goes left, 0 when right. */
  missingLeft: Uint8Array;
  /** Child node indices (-1 for a leaf). Node 0 is the root. */
  left: Int32Array;
  right: Int32Array;
  /**
   * Leaf values: `width` per node (node * width + j), added to score column `target + j`.
   * Split nodes' slots are unused.
   */
  values: Float64Array;
  /** How many score columns each leaf adds to. */
  width: number;
  /** The first score column this tree's leaves add to. */
  target: number;
}

/**
 * How the summed scores become the answer:
 * - identity: the score is the regression value;
 * - sigmoid: one score s, P(classes[1]) = σ(s) (softmax of [0, s]);
 * - softmax: one score per class, softmax of them;
 * - probabilities: one score per class that is already its probability (a forest's average).
 */
export type TreeLink = "identity" | "sigmoid" | "softmax" | "probabilities";

export interface TreeEnsembleModel {
  /** Design columns the trees read. */
  width: number;
  /** Score columns: 1 for regression and binary classification, else one per class. */
  outputs: number;
  trees: Tree[];
  /** Added to the scores before the link: the boosting baseline, 0 for a forest. */
  base: Float64Array;
  link: TreeLink;
}

/** The leaf `x` (a design row from x[offset]) reaches in `tree`. */
export function leafOf(tree: Tree, x: Float64Array, offset: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return node;
    const v = Math.fround(x[offset + f] as number);
    const goLeft = Number.isNaN(v)
      ? tree.missingLeft[node] === 1
      : v <= (tree.threshold[node] as number);
    node = (goLeft ? tree.left[node] : tree.right[node]) as number;
  }
}

/** The summed scores of the design row at x[offset…] into `scores` (length `outputs`). */
export function scoresInto(
  model: TreeEnsembleModel,
  x: Float64Array,
  offset: number,
  scores: Float64Array,
): void {
  scores.set(model.base);
  for (const tree of model.trees) {
    const leaf = leafOf(tree, x, offset);
    for (let j = 0; j < tree.width; j++) {
      const k = tree.target + j;
      scores[k] = (scores[k] as number) + (tree.values[leaf * tree.width + j] as number);
    }
  }
}

/**
 * The summed scores of `rows` design rows of x (row-major, `width` columns), row r's at
 * scores[r * outputs …]: tree by tree rather than row by row, so each tree's arrays stay in
 * cache while every row passes through it.
 */
export function scoresOfRows(
  model: TreeEnsembleModel,
  x: Float64Array,
  rows: number,
  width: number,
): Float64Array {
  const k = model.outputs;
  const scores = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) scores.set(model.base, r * k);
  for (const tree of model.trees) {
    for (let r = 0; r < rows; r++) {
      const leaf = leafOf(tree, x, r * width);
      for (let j = 0; j < tree.width; j++) {
        const at = r * k + tree.target + j;
        scores[at] = (scores[at] as number) + (tree.values[leaf * tree.width + j] as number);
      }
    }
  }
  return scores;
}

/** Turns summed scores into the prediction (see predictTreesInto) in `out`. */
export function linkInto(model: TreeEnsembleModel, scores: Float64Array, out: Float64Array): void {
  switch (model.link) {
    case "identity":
    case "probabilities":
      out.set(scores);
      return;
    case "sigmoid": {
      const p = 1 / (1 + Math.exp(-(scores[0] as number)));
      out[0] = 1 - p;
      out[1] = p;
      return;
    }
    case "softmax": {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < model.outputs; k++) max = Math.max(max, scores[k] as number);
      let sum = 0;
      for (let k = 0; k < model.outputs; k++) {
        const e = Math.exp((scores[k] as number) - max);
        out[k] = e;
        sum += e;
      }
      for (let k = 0; k < model.outputs; k++) out[k] = (out[k] as number) / sum;
    }
  }
}

/**
 * The prediction for the design row at x[offset…] into `out`: the value (identity, out[0]) or
 * one probability per class (two for a sigmoid model), as the exported graph answers.
 */
export function predictTreesInto(
  model: TreeEnsembleModel,
  x: Float64Array,
  offset: number,
  scores: Float64Array,
  out: Float64Array,
): void {
  scoresInto(model, x, offset, scores);
  linkInto(model, scores, out);
}
