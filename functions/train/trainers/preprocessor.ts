/**
 * @module train/trainers/preprocessor
 * Fits the preprocessing on the training rows and applies it: mean imputation and
 * standardization of numeric features, one-hot encoding of categorical ones. The same fitted
 * values go into the ONNX graph (train/onnx/preprocess.ts), so training and serving agree.
 *
 * The statistics are scikit-learn's for SimpleImputer(strategy="mean") then StandardScaler:
 * the mean of the present values, and the standard deviation of the imputed column (missing
 * values count as sitting at the mean), with a zero deviation replaced by 1.
 */
import type { Preprocessing } from "../onnx/preprocess.ts";
import type { Layout, ParsedRow } from "./columns.ts";
import { TrainingError } from "./errors.ts";

/** Accumulates, one training row at a time, what the preprocessing needs. Memory: O(features + categories). */
export class PreprocessorFit {
  readonly #layout: Layout;
  readonly #maxCategories: number;
  #rows = 0;
  readonly #present: Float64Array;
  readonly #mean: Float64Array;
  readonly #m2: Float64Array;
  readonly #categories: Array<Set<string>>;

  constructor(layout: Layout, maxCategories: number) {
    this.#layout = layout;
    this.#maxCategories = maxCategories;
    const n = layout.numeric.length;
    this.#present = new Float64Array(n);
    this.#mean = new Float64Array(n);
    this.#m2 = new Float64Array(n);
    this.#categories = layout.categorical.map(() => new Set<string>());
  }

  add(row: ParsedRow): void {
    this.#rows++;
    const { numeric } = row;
    for (let j = 0; j < numeric.length; j++) {
      const x = numeric[j] as number;
      if (Number.isNaN(x)) continue;
      // Welford's update: stable for large values with small spread (prices, timestamps).
      const count = (this.#present[j] as number) + 1;
      this.#present[j] = count;
      const delta = x - (this.#mean[j] as number);
      this.#mean[j] = (this.#mean[j] as number) + delta / count;
      this.#m2[j] = (this.#m2[j] as number) + delta * (x - (this.#mean[j] as number));
    }
    const { categorical } = row;
    for (let j = 0; j < categorical.length; j++) {
      const value = categorical[j] as string;
      if (value === "") continue;
      const set = this.#categories[j] as Set<string>;
      if (set.has(value)) continue;
      set.add(value);
      if (set.size > this.#maxCategories) {
        const name = this.#layout.categorical[j]?.name;
        throw new TrainingError(
          `feature "${name}" has more than ${this.#maxCategories} distinct values (maxCategories); leave it out or raise the limit`,
        );
      }
    }
  }

  finish(): Preprocessing {
    const layout = this.#layout;
    return {
      inputs: layout.features.map((f) => ({ name: f.name, kind: f.kind })),
      numeric: layout.numeric.map((column, j) => {
        const present = this.#present[j] as number;
        if (present === 0) return { name: column.name, mean: 0, scale: 1 };
        const std = Math.sqrt((this.#m2[j] as number) / this.#rows);
        const mean = this.#mean[j] as number;
        // StandardScaler's rule: a scale too small to divide by (a constant column) becomes 1.
        const scale = std < 10 * Number.EPSILON * Math.max(1, Math.abs(mean)) ? 1 : std;
        return { name: column.name, mean, scale };
      }),
      categorical: layout.categorical.map((column, j) => ({
        name: column.name,
        // Sorted, like OneHotEncoder's categories_; "" (missing) is never a category.
        categories: [...(this.#categories[j] as Set<string>)].sort((a, b) =>
          a < b ? -1 : a > b ? 1 : 0,
        ),
      })),
    };
  }
}

/** A fitted preprocessing applied to parsed rows: each becomes one row of the design matrix. */
export class DesignEncoder {
  readonly width: number;
  readonly #means: Float64Array;
  readonly #scales: Float64Array;
  /** Numeric values pass through as they are, missing ones as NaN (trees route them). */
  readonly #raw: boolean;
  /** Per categorical feature: category → design column. */
  readonly #columns: Array<Map<string, number>>;

  /** `numeric: "raw"` leaves numeric values unimputed and unscaled, as the tree models take them. */
  constructor(prep: Preprocessing, options: { numeric?: "standardized" | "raw" } = {}) {
    this.#raw = options.numeric === "raw";
    this.#means = Float64Array.from(prep.numeric, (f) => f.mean);
    this.#scales = Float64Array.from(prep.numeric, (f) => f.scale);
    let next = prep.numeric.length;
    this.#columns = prep.categorical.map((f) => new Map(f.categories.map((c) => [c, next++])));
    this.width = next;
  }

  /** Writes `row` into out[offset … offset + width). */
  encode(row: ParsedRow, out: Float64Array, offset = 0): void {
    out.fill(0, offset, offset + this.width);
    this.standardize(row.numeric, 0, out, offset);
    const { categorical } = row;
    for (let j = 0; j < categorical.length; j++) {
      const column = this.oneHotColumn(j, categorical[j] as string);
      if (column !== undefined) out[offset + column] = 1;
    }
  }

  /**
   * Writes the standardized numeric features of one row, read from values[from …), to
   * out[offset …). `values` may be `out` itself, at the same place: the in-memory trainer
   * standardizes its rows in place.
   */
  standardize(values: Float64Array, from: number, out: Float64Array, offset: number): void {
    const means = this.#means;
    const scales = this.#scales;
    if (this.#raw) {
      for (let j = 0; j < means.length; j++) out[offset + j] = values[from + j] as number;
      return;
    }
    for (let j = 0; j < means.length; j++) {
      const x = values[from + j] as number;
      // A missing value is imputed with the mean, which standardizes to exactly 0.
      out[offset + j] = Number.isNaN(x) ? 0 : (x - (means[j] as number)) / (scales[j] as number);
    }
  }

  /** The design column of categorical feature j's `value`; undefined for a category not fitted. */
  oneHotColumn(j: number, value: string): number | undefined {
    return (this.#columns[j] as Map<string, number>).get(value);
  }
}
