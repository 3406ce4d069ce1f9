/**
 * @module train/trainers/evaluate
 * What every trainer ends with: the fitted model's metrics on the held-out rows (unprefixed:
 * accuracy, r2, ...) and on the training rows (train_accuracy, train_r2, ...), the latter to
 * show over- or underfitting next to the former.
 */
import { ClassificationMetrics, RegressionMetrics } from "./metrics.ts";
import { type FittedModel, predictInto } from "./model.ts";

/** A model's forward pass over design rows: the value, or one probability per class. */
export interface Predictor {
  /** Slots `predict` writes (at least 2 for a classifier). */
  outputs: number;
  predict(x: Float64Array, offset: number, out: Float64Array): void;
}

export function linearPredictor(model: FittedModel): Predictor {
  return {
    outputs: Math.max(2, model.outputs),
    predict: (x, offset, out) => predictInto(model, x, offset, out),
  };
}

export interface Evaluation {
  metrics: Record<string, number>;
  /** Held-out rows, rows = true class, columns = predicted class, in `classes` order. */
  confusionMatrix?: number[][];
}

export class Evaluator {
  readonly #predictor: Predictor;
  readonly #out: Float64Array;
  readonly #test: ClassificationMetrics | RegressionMetrics;
  readonly #train: ClassificationMetrics | RegressionMetrics;

  /** `classes`: how many (classification), or undefined (regression). */
  constructor(predictor: Predictor, classes: number | undefined) {
    this.#predictor = predictor;
    this.#out = new Float64Array(Math.max(2, predictor.outputs));
    const make = () =>
      classes === undefined ? new RegressionMetrics() : new ClassificationMetrics(classes);
    this.#test = make();
    this.#train = make();
  }

  /** `target`: the class index, or the value. */
  add(x: Float64Array, offset: number, target: number, test: boolean): void {
    this.#predictor.predict(x, offset, this.#out);
    this.addPredicted(this.#out, target, test);
  }

  /** A row whose prediction was made elsewhere: the value, or one probability per class. */
  addPredicted(prediction: Float64Array, target: number, test: boolean): void {
    const metrics = test ? this.#test : this.#train;
    if (metrics instanceof ClassificationMetrics) metrics.add(target, prediction);
    else metrics.add(target, prediction[0] as number);
  }

  finish(): Evaluation {
    const metrics: Record<string, number> = { ...this.#test.metrics() };
    for (const [name, value] of Object.entries(this.#train.metrics() ?? {})) {
      metrics[`train_${name}`] = value;
    }
    return this.#test instanceof ClassificationMetrics && this.#test.rows > 0
      ? { metrics, confusionMatrix: this.#test.confusionMatrix() }
      : { metrics };
  }
}
