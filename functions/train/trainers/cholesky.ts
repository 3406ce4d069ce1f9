/**
 * @module train/trainers/cholesky
 * Solves A·w = c for a symmetric positive semi-definite A by Cholesky factorization.
 *
 * A column whose pivot vanishes (it is a linear combination of earlier ones, as a full set of
 * one-hot columns is of the intercept) is dropped: its coefficient is 0 and the rest are solved
 * without it. That is a least-squares solution with exactly the same fitted values as any other,
 * where a plain Cholesky would divide by zero.
 */

/** Relative size below which a pivot counts as zero: the column adds nothing new. */
const PIVOT_TOLERANCE = 1e-10;

export interface CholeskySolution {
  w: Float64Array;
  /** Indexes of the columns that were dropped as dependent (coefficient 0). */
  dropped: number[];
}

/** `a` is n×n row-major (only the lower triangle is read); neither input is modified. */
export function solveCholesky(a: Float64Array, c: Float64Array, n: number): CholeskySolution {
  const l = new Float64Array(n * n);
  const kept = new Uint8Array(n);
  const dropped: number[] = [];
  for (let j = 0; j < n; j++) {
    let diagonal = a[j * n + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (l[j * n + k] as number) ** 2;
    const original = a[j * n + j] as number;
    if (!(diagonal > PIVOT_TOLERANCE * original) || original <= 0) {
      dropped.push(j);
      continue;
    }
    kept[j] = 1;
    const pivot = Math.sqrt(diagonal);
    l[j * n + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = sum / pivot;
    }
  }
  // Forward substitution L·z = c, then back substitution Lᵀ·w = z, over kept columns only
  // (a dropped column's entries in L are all zero, so it simply never contributes).
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!kept[i]) continue;
    let sum = c[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * n + k] as number) * (z[k] as number);
    z[i] = sum / (l[i * n + i] as number);
  }
  const w = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    if (!kept[i]) continue;
    let sum = z[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] as number) * (w[k] as number);
    w[i] = sum / (l[i * n + i] as number);
  }
  return { w, dropped };
}
