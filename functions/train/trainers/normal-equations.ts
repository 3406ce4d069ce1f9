/**
 * @module train/trainers/normal-equations
 * Least squares (alpha = 0) and ridge regression from the normal equations, accumulated one
 * row at a time: memory is width² whatever the row count, and the in-memory and streaming
 * trainers give the same model because they run this same code over the same rows.
 *
 * The intercept is not penalized: like scikit-learn, the problem is solved on centred columns,
 * (XcᵀXc + alpha·I)·w = Xcᵀyc, then b = ȳ − x̄·w. The centred products come from the raw sums,
 * XcᵀXc = XᵀX − n·x̄x̄ᵀ; that loses little precision here because standardized columns are
 * centred already and the target is shifted by its training mean from the first pass.
 */
import { solveCholesky } from "./cholesky.ts";
import { TrainingError } from "./errors.ts";

/** Beyond this many design columns XᵀX alone outgrows a function's memory (width² doubles). */
export const MAX_NORMAL_EQUATIONS_WIDTH = 4096;

export interface LinearSolution {
  weights: Float64Array;
  intercept: number;
  /** Design columns left out as linear combinations of others (coefficient 0). */
  dropped: number[];
}

export class NormalEquations {
  readonly #width: number;
  readonly #shift: number;
  #rows = 0;
  readonly #sumX: Float64Array;
  #sumY = 0;
  /** XᵀX, lower triangle, row-major width × width. */
  readonly #xtx: Float64Array;
  readonly #xty: Float64Array;
  readonly #nonZero: Int32Array;

  /** `shift` is subtracted from every target before summing (its training mean, ideally). */
  constructor(width: number, shift: number) {
    if (width > MAX_NORMAL_EQUATIONS_WIDTH) {
      throw new TrainingError(
        `the features expand to ${width} columns (numeric plus one per category), more than the ${MAX_NORMAL_EQUATIONS_WIDTH} linear regression supports; drop high-cardinality categorical features`,
      );
    }
    this.#width = width;
    this.#shift = shift;
    this.#sumX = new Float64Array(width);
    this.#xtx = new Float64Array(width * width);
    this.#xty = new Float64Array(width);
    this.#nonZero = new Int32Array(width);
  }

  get rows(): number {
    return this.#rows;
  }

  add(x: Float64Array, offset: number, target: number): void {
    const width = this.#width;
    const y = target - this.#shift;
    this.#rows++;
    this.#sumY += y;
    // One-hot rows are mostly zeros: the outer product only visits the non-zero entries.
    let count = 0;
    for (let j = 0; j < width; j++) if (x[offset + j] !== 0) this.#nonZero[count++] = j;
    for (let a = 0; a < count; a++) {
      const i = this.#nonZero[a] as number;
      const xi = x[offset + i] as number;
      this.#sumX[i] = (this.#sumX[i] as number) + xi;
      this.#xty[i] = (this.#xty[i] as number) + xi * y;
      const row = i * width;
      for (let b = 0; b <= a; b++) {
        const j = this.#nonZero[b] as number;
        this.#xtx[row + j] = (this.#xtx[row + j] as number) + xi * (x[offset + j] as number);
      }
    }
  }

  solve(alpha: number): LinearSolution {
    const width = this.#width;
    const n = this.#rows;
    const meanX = this.#sumX.map((s) => s / n);
    const meanY = this.#sumY / n;
    const a = new Float64Array(width * width);
    const c = new Float64Array(width);
    for (let i = 0; i < width; i++) {
      const mi = meanX[i] as number;
      c[i] = (this.#xty[i] as number) - n * mi * meanY;
      for (let j = 0; j <= i; j++) {
        a[i * width + j] = (this.#xtx[i * width + j] as number) - n * mi * (meanX[j] as number);
      }
      a[i * width + i] = (a[i * width + i] as number) + alpha;
    }
    const { w, dropped } = solveCholesky(a, c, width);
    let intercept = meanY + this.#shift;
    for (let j = 0; j < width; j++) intercept -= (meanX[j] as number) * (w[j] as number);
    return { weights: w, intercept, dropped };
  }
}
