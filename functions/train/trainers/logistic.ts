/**
 * @module train/trainers/logistic
 * The regularized logistic loss and its gradient, over a block of design rows: the whole
 * training matrix for L-BFGS, or one mini-batch for Adam.
 *
 * Parameters are packed as [W (width × K, row-major) | b (K)]. Two classes use one score with a
 * sigmoid (K = 1), more use one score per class with a softmax, exactly as scikit-learn's
 * LogisticRegression does; the two are not the same model under an L2 penalty, so matching it
 * matters for parity. The objective is scikit-learn's, divided by the number of training rows:
 *   mean log-loss + ‖W‖² / (2·C·n_train), the intercepts unpenalized.
 */

export type Link = "sigmoid" | "softmax";

export interface LogisticShape {
  width: number;
  /** Scores per row: 1 for sigmoid, the number of classes for softmax. */
  outputs: number;
  link: Link;
}

/** Two classes share one sigmoid score; more get one score per class and a softmax. */
export function logisticShape(width: number, classes: number): LogisticShape {
  return classes === 2
    ? { width, outputs: 1, link: "sigmoid" }
    : { width, outputs: classes, link: "softmax" };
}

/**
 * Adds the summed log-loss gradient of `rows` rows of `x` (targets `y`, class indices) to
 * `gradient` and returns the summed loss. No penalty, no averaging: callers add those.
 */
export function addLossAndGradient(
  shape: LogisticShape,
  theta: Float64Array,
  x: Float64Array,
  y: Int32Array,
  rows: number,
  gradient: Float64Array,
): number {
  return shape.link === "sigmoid"
    ? addSigmoid(shape.width, theta, x, y, rows, gradient)
    : addSoftmax(shape.width, shape.outputs, theta, x, y, rows, gradient);
}

/**
 * Two classes, the common case, and the loop L-BFGS spends its time in: one score per row in a
 * local instead of a loop over classes in an array, the loss and the sigmoid sharing an exp, and
 * no skipping of zero cells (standardized features are rarely exactly 0, so the branch cost more
 * than it saved). Each sum is formed in the same order as in the general loop, so the results
 * are the same to the bit.
 */
function addSigmoid(
  width: number,
  theta: Float64Array,
  x: Float64Array,
  y: Int32Array,
  rows: number,
  gradient: Float64Array,
): number {
  const intercept = theta[width] as number;
  let interceptGradient = gradient[width] as number;
  let loss = 0;
  for (let r = 0, offset = 0; r < rows; r++, offset += width) {
    let s = intercept;
    for (let j = 0; j < width; j++) s += (x[offset + j] as number) * (theta[j] as number);
    // e = e^(−|s|) ≤ 1 never overflows. Softplus log(1 + eˢ) is s + log1p(e) for s > 0, else
    // log1p(e), and for s > 0 the sigmoid 1/(1 + e^(−s)) is 1/(1 + e) with the same e. For
    // s ≤ 0, e/(1 + e) would save an exp but rounds differently, changing the model bytes for a
    // given seed, so the second exp stays.
    const positive = s > 0;
    const e = Math.exp(positive ? -s : s);
    const target = y[r] as number;
    loss += (positive ? s + Math.log1p(e) : Math.log1p(e)) - (target === 1 ? s : 0);
    const residual = (positive ? 1 / (1 + e) : 1 / (1 + Math.exp(-s))) - target;
    interceptGradient += residual;
    for (let j = 0; j < width; j++)
      gradient[j] = (gradient[j] as number) + (x[offset + j] as number) * residual;
  }
  gradient[width] = interceptGradient;
  return loss;
}

/** More than two classes: one score per class and a softmax. */
function addSoftmax(
  width: number,
  k: number,
  theta: Float64Array,
  x: Float64Array,
  y: Int32Array,
  rows: number,
  gradient: Float64Array,
): number {
  const bias = width * k;
  const z = new Float64Array(k);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    for (let c = 0; c < k; c++) z[c] = theta[bias + c] as number;
    for (let j = 0; j < width; j++) {
      const xj = x[offset + j] as number;
      // One-hot columns are mostly zero: skipping them saves k multiply-adds each.
      if (xj === 0) continue;
      const w = j * k;
      for (let c = 0; c < k; c++) z[c] = (z[c] as number) + xj * (theta[w + c] as number);
    }
    const target = y[r] as number;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, z[c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp((z[c] as number) - max);
    loss += max + Math.log(sum) - (z[target] as number);
    // z becomes the residual p − onehot(y), the gradient of the loss by the scores.
    for (let c = 0; c < k; c++)
      z[c] = Math.exp((z[c] as number) - max) / sum - (c === target ? 1 : 0);
    for (let c = 0; c < k; c++)
      gradient[bias + c] = (gradient[bias + c] as number) + (z[c] as number);
    for (let j = 0; j < width; j++) {
      const xj = x[offset + j] as number;
      if (xj === 0) continue;
      const w = j * k;
      for (let c = 0; c < k; c++)
        gradient[w + c] = (gradient[w + c] as number) + xj * (z[c] as number);
    }
  }
  return loss;
}

/**
 * Turns summed loss and gradient over `rows` rows into the objective:
 * mean + l2/2·‖W‖² (gradient + l2·W), with l2 = 1/(C·n_train).
 */
export function finishObjective(
  shape: LogisticShape,
  theta: Float64Array,
  loss: number,
  gradient: Float64Array,
  rows: number,
  l2: number,
): number {
  const weights = shape.width * shape.outputs;
  let penalty = 0;
  for (let i = 0; i < gradient.length; i++) {
    gradient[i] = (gradient[i] as number) / rows;
    if (i < weights) {
      const w = theta[i] as number;
      penalty += w * w;
      gradient[i] = (gradient[i] as number) + l2 * w;
    }
  }
  return loss / rows + 0.5 * l2 * penalty;
}
