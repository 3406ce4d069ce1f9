/**
 * @module train/trees/binning
 * Each design column cut into at most 255 bins once, before any tree is grown, as LightGBM and
 * scikit-learn's HistGradientBoosting do: a split is then a choice among bin boundaries, found
 * from per-bin sums, and the data a tree reads is one byte per value.
 *
 * A column with at most `maxBins` distinct values gets a boundary between each pair of
 * neighbours (one-hot columns: one, at 0.5); a wider one gets boundaries at quantiles of a
 * bounded sample of its values. Boundaries are midpoints of float32 values, since the served
 * graph compares float32 inputs: bin b holds the values v with bounds[b-1] < v <= bounds[b].
 * Missing values (NaN) have a bin of their own after the value bins (a column with n value bins
 * puts them in bin n), whichever side a split sends them.
 */
import { Rng } from "../trainers/random.ts";

/** The most value bins per column; one byte then also holds the missing bin after them. */
export const MAX_BINS = 255;
/** Rows sampled to place the quantile boundaries of a column with many distinct values. */
export const BIN_SAMPLE_ROWS = 200_000;

/** Per design column, the upper bound of each bin but the last (which is unbounded). */
export interface BinBounds {
  bounds: Float64Array[];
}

/**
 * The boundaries of one column from (a sample of) its non-missing float32 values, each bin
 * holding at least `minValuesPerBin` of them where the column has fewer distinct values than
 * bins: 1 keeps every value apart, as HistGradientBoosting does; LightGBM's min_data_in_bin is
 * 3, which stops a tree on a small dataset from cutting between two single rows.
 */
export function boundsOf(values: Float64Array, maxBins: number, minValuesPerBin = 1): Float64Array {
  const sorted = values.slice().sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (const v of sorted) {
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) {
      distinct.push(v);
      counts.push(1);
    } else {
      counts[counts.length - 1] = (counts[counts.length - 1] as number) + 1;
    }
  }
  if (distinct.length <= maxBins) {
    // A boundary after each run of neighbouring values that together hold enough of them and
    // leave enough for the bins after it.
    const bounds: number[] = [];
    let held = 0;
    let left = sorted.length;
    for (let i = 0; i < distinct.length - 1; i++) {
      held += counts[i] as number;
      left -= counts[i] as number;
      if (held >= minValuesPerBin && left >= minValuesPerBin) {
        bounds.push(((distinct[i] as number) + (distinct[i + 1] as number)) / 2);
        held = 0;
      }
    }
    // Two values always get their boundary (a one-hot or boolean column, however rare a value).
    if (bounds.length === 0 && distinct.length === 2) {
      bounds.push(((distinct[0] as number) + (distinct[1] as number)) / 2);
    }
    return Float64Array.from(bounds);
  }
  // Quantiles of the sample, each the midpoint of the two values around it; repeated ones
  // (a value that fills several quantiles) collapse into one boundary.
  const bounds: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const at = (q / maxBins) * (sorted.length - 1);
    const lo = sorted[Math.floor(at)] as number;
    const hi = sorted[Math.ceil(at)] as number;
    const mid = (lo + hi) / 2;
    if (bounds.length === 0 || mid > (bounds[bounds.length - 1] as number)) bounds.push(mid);
  }
  return Float64Array.from(bounds);
}

/**
 * Fits the bins of every column of a row-major design `x` (rows × width) from at most
 * `sampleRows` rows chosen with `seed`.
 */
export function fitBins(
  x: Float64Array,
  rows: number,
  width: number,
  options: { maxBins: number; minValuesPerBin?: number; sampleRows?: number; seed: number },
): BinBounds {
  const sampleRows = Math.min(rows, options.sampleRows ?? BIN_SAMPLE_ROWS);
  let picked: Int32Array;
  if (sampleRows === rows) {
    picked = Int32Array.from({ length: rows }, (_, i) => i);
  } else {
    // Floyd's algorithm would do too; a partial Fisher–Yates over the row numbers is simpler.
    const all = Int32Array.from({ length: rows }, (_, i) => i);
    const rng = new Rng(options.seed);
    for (let i = 0; i < sampleRows; i++) {
      const j = i + Math.floor(rng.next() * (rows - i));
      const t = all[i] as number;
      all[i] = all[j] as number;
      all[j] = t;
    }
    picked = all.subarray(0, sampleRows);
  }
  const bounds: Float64Array[] = [];
  const column = new Float64Array(sampleRows);
  for (let f = 0; f < width; f++) {
    let n = 0;
    for (const r of picked) {
      const v = Math.fround(x[r * width + f] as number);
      if (!Number.isNaN(v)) column[n++] = v;
    }
    bounds.push(boundsOf(column.subarray(0, n), options.maxBins, options.minValuesPerBin));
  }
  return { bounds };
}

/** The bin of value `v` among `bounds`; a missing value's is bounds.length + 1. */
export function binOf(bounds: Float64Array, v: number): number {
  const value = Math.fround(v);
  if (Number.isNaN(value)) return bounds.length + 1;
  let lo = 0;
  let hi = bounds.length;
  // The first bound >= value; its index is the bin.
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((bounds[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The binned columns of a row-major design: column-major bytes, column f at
 * [f * rows, (f + 1) * rows), so building a histogram reads one column at a time.
 */
export interface BinnedColumns {
  rows: number;
  width: number;
  bins: Uint8Array;
  /** How many value bins each column has; its missing bin is the one after them. */
  binCounts: Int32Array;
}

export function binColumns(
  x: Float64Array,
  rows: number,
  width: number,
  { bounds }: BinBounds,
): BinnedColumns {
  const bins = new Uint8Array(rows * width);
  for (let f = 0; f < width; f++) {
    const b = bounds[f] as Float64Array;
    const base = f * rows;
    if (b.length === 1) {
      // One boundary (a one-hot or two-valued column): a comparison, not a search.
      const bound = b[0] as number;
      for (let r = 0; r < rows; r++) {
        const v = Math.fround(x[r * width + f] as number);
        bins[base + r] = Number.isNaN(v) ? 2 : v <= bound ? 0 : 1;
      }
    } else {
      for (let r = 0; r < rows; r++) bins[base + r] = binOf(b, x[r * width + f] as number);
    }
  }
  return { rows, width, bins, binCounts: Int32Array.from(bounds, (b) => b.length + 1) };
}
