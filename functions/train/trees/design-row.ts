/**
 * @module train/trees/design-row
 * The design row a tree ensemble reads, built from a row's raw feature values the way its
 * exported graph builds it (train/onnx/preprocess.ts with `{ numeric: "raw" }`): the numeric
 * features as given, a missing one NaN so the trees route it, then per categorical feature its
 * one-hot block over the training categories, all zeros for an unknown or empty value. Training
 * and the ONNX export must agree on this encoding, or a tree's column indices mean different
 * things in each.
 */
import type { Preprocessing } from "../onnx/preprocess.ts";

/** One row's raw features: numeric in `prep.numeric` order, categorical in `prep.categorical`'s. */
export interface RawFeatures {
  numeric: ArrayLike<number>;
  categorical: readonly string[];
}

export class TreeDesignEncoder {
  readonly width: number;
  readonly #numeric: number;
  /** Per categorical feature: category → design column. */
  readonly #columns: Array<Map<string, number>>;

  constructor(prep: Pick<Preprocessing, "numeric" | "categorical">) {
    this.#numeric = prep.numeric.length;
    let next = this.#numeric;
    this.#columns = prep.categorical.map((f) => new Map(f.categories.map((c) => [c, next++])));
    this.width = next;
  }

  /** Writes the design row of `raw` into out[offset … offset + width). */
  encode(raw: RawFeatures, out: Float64Array, offset = 0): void {
    out.fill(0, offset, offset + this.width);
    for (let j = 0; j < this.#numeric; j++) out[offset + j] = raw.numeric[j] as number;
    for (let j = 0; j < this.#columns.length; j++) {
      const column = (this.#columns[j] as Map<string, number>).get(raw.categorical[j] as string);
      if (column !== undefined) out[offset + column] = 1;
    }
  }
}

/** The design row of one row's raw features; for many rows, reuse a TreeDesignEncoder. */
export function treeDesignRow(
  prep: Pick<Preprocessing, "numeric" | "categorical">,
  raw: RawFeatures,
): Float64Array {
  const encoder = new TreeDesignEncoder(prep);
  const out = new Float64Array(encoder.width);
  encoder.encode(raw, out);
  return out;
}
