/**
 * @module train/trainers/metrics
 * Held-out metrics, accumulated one row at a time so the streaming trainer needs no memory per
 * row. Definitions follow scikit-learn: macro averages over the classes that occur in the truth
 * or the predictions (a class with no predictions has precision 0), log loss with probabilities
 * clipped to [ε, 1 − ε], R² = 1 − SS_res / SS_tot.
 */

export class ClassificationMetrics {
  readonly #classes: number;
  /** confusion[t][p]: rows of true class t predicted as p. */
  readonly #confusion: number[][];
  #rows = 0;
  #logLoss = 0;

  constructor(classes: number) {
    this.#classes = classes;
    this.#confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  get rows(): number {
    return this.#rows;
  }

  add(target: number, probabilities: Float64Array): void {
    let best = 0;
    for (let c = 1; c < this.#classes; c++) {
      if ((probabilities[c] as number) > (probabilities[best] as number)) best = c;
    }
    const row = this.#confusion[target] as number[];
    row[best] = (row[best] as number) + 1;
    const p = Math.min(
      Math.max(probabilities[target] as number, Number.EPSILON),
      1 - Number.EPSILON,
    );
    this.#logLoss -= Math.log(p);
    this.#rows++;
  }

  confusionMatrix(): number[][] {
    return this.#confusion.map((row) => [...row]);
  }

  /** Undefined when no row was added. */
  metrics(): Record<string, number> | undefined {
    if (this.#rows === 0) return undefined;
    const k = this.#classes;
    const m = this.#confusion;
    let correct = 0;
    let precision = 0;
    let recall = 0;
    let f1 = 0;
    let counted = 0;
    for (let c = 0; c < k; c++) {
      const truePositive = (m[c] as number[])[c] as number;
      correct += truePositive;
      const actual = (m[c] as number[]).reduce((a, b) => a + b, 0);
      const predicted = m.reduce((sum, row) => sum + (row[c] as number), 0);
      if (actual === 0 && predicted === 0) continue;
      counted++;
      const p = predicted === 0 ? 0 : truePositive / predicted;
      const r = actual === 0 ? 0 : truePositive / actual;
      precision += p;
      recall += r;
      f1 += p + r === 0 ? 0 : (2 * p * r) / (p + r);
    }
    return {
      accuracy: correct / this.#rows,
      precision_macro: precision / counted,
      recall_macro: recall / counted,
      f1_macro: f1 / counted,
      log_loss: this.#logLoss / this.#rows,
    };
  }
}

export class RegressionMetrics {
  #rows = 0;
  #mean = 0;
  /** Σ(y − ȳ)², by Welford's update. */
  #total = 0;
  #squared = 0;
  #absolute = 0;

  get rows(): number {
    return this.#rows;
  }

  add(target: number, predicted: number): void {
    this.#rows++;
    const delta = target - this.#mean;
    this.#mean += delta / this.#rows;
    this.#total += delta * (target - this.#mean);
    const error = target - predicted;
    this.#squared += error * error;
    this.#absolute += Math.abs(error);
  }

  metrics(): Record<string, number> | undefined {
    if (this.#rows === 0) return undefined;
    // scikit-learn's r2_score for a constant target: 1 when predicted exactly, else 0.
    const r2 = this.#total > 0 ? 1 - this.#squared / this.#total : this.#squared === 0 ? 1 : 0;
    return {
      rmse: Math.sqrt(this.#squared / this.#rows),
      mae: this.#absolute / this.#rows,
      r2,
    };
  }
}
