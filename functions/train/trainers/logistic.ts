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

/** Softplus log(1 + eˣ) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
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
  const { width, outputs: k } = shape;
  const bias = width * k;
  const z = new Float64Array(k);
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const offset = r * width;
    for (let c = 0; c < k; c++) z[c] = theta[bias + c] as number;
    for (let j = 0; j < width; j++) {
      const xj = x[offset + j] as number;
      if (xj === 0) continue;
      const w = j * k;
      for (let c = 0; c < k; c++) z[c] = (z[c] as number) + xj * (theta[w + c] as number);
    }
    const target = y[r] as number;
    if (shape.link === "sigmoid") {
      const s = z[0] as number;
      loss += softplus(s) - (target === 1 ? s : 0);
      z[0] = 1 / (1 + Math.exp(-s)) - target;
    } else {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) max = Math.max(max, z[c] as number);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp((z[c] as number) - max);
      loss += max + Math.log(sum) - (z[target] as number);
      // z becomes the residual p − onehot(y), the gradient of the loss by the scores.
      for (let c = 0; c < k; c++)
        z[c] = Math.exp((z[c] as number) - max) / sum - (c === target ? 1 : 0);
    }
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
