/**
 * @module train/trainers/row-store
 * The in-memory trainer's rows of one side of the split, stored as they are read in the layout
 * of the design matrix: numeric features row-major in one growing Float64Array, each categorical
 * value and class as an index into a dictionary (a CSV repeats the same few strings millions of
 * times). The preprocessing is known only once every training row has been read, so `design`
 * then standardizes the numeric block in place. Without categorical features that block is the
 * design matrix itself, so the rows are never copied; with them it is spread once into the wider
 * matrix that has the one-hot columns.
 */
import type { ParsedRow } from "./columns.ts";
import type { DesignEncoder } from "./preprocessor.ts";

/** The rows of one side of the split as a design matrix. */
export interface Design {
  encoder: DesignEncoder;
  x: Float64Array;
  /** Class index (classification) per row of x. */
  classes: Int32Array;
  /** Target value (regression) per row of x. */
  values: Float64Array;
  rows: number;
}

class Growable<T extends Float64Array | Int32Array> {
  data: T;
  length = 0;
  readonly #make: (size: number) => T;

  constructor(make: (size: number) => T) {
    this.#make = make;
    this.data = make(1024);
  }

  /** Makes room for `n` more values and returns where they go. */
  reserve(n: number): number {
    if (this.length + n > this.data.length) {
      const bigger = this.#make(Math.max(this.data.length * 2, this.length + n));
      bigger.set(this.data as never);
      this.data = bigger;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  push(value: number): void {
    // Not `this.data[this.reserve(1)] = …`: that would pick the array before reserve() grows it.
    const at = this.reserve(1);
    this.data[at] = value;
  }
}

/** Strings to small integers and back. */
export class Dictionary {
  readonly values: string[] = [];
  readonly #codes = new Map<string, number>();

  code(value: string): number {
    let code = this.#codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.#codes.set(value, code);
    }
    return code;
  }
}

interface CategoricalColumn {
  codes: Growable<Int32Array>;
  dictionary: Dictionary;
}

export class RowStore {
  readonly #numericWidth: number;
  readonly #numeric = new Growable((n) => new Float64Array(n));
  readonly #categorical: CategoricalColumn[];
  /** The class's code (classification) or the value (regression). */
  readonly #targets = new Growable((n) => new Float64Array(n));

  constructor(numericWidth: number, categoricalColumns: number) {
    this.#numericWidth = numericWidth;
    this.#categorical = Array.from({ length: categoricalColumns }, () => ({
      codes: new Growable((n) => new Int32Array(n)),
      dictionary: new Dictionary(),
    }));
  }

  get rows(): number {
    return this.#targets.length;
  }

  /** `target`: the class's code in the caller's dictionary, or the regression value. */
  add(row: ParsedRow, target: number): void {
    const { numeric, categorical } = row;
    const at = this.#numeric.reserve(numeric.length);
    const out = this.#numeric.data;
    for (let j = 0; j < numeric.length; j++) out[at + j] = numeric[j] as number;
    for (let j = 0; j < categorical.length; j++) {
      const column = this.#categorical[j] as CategoricalColumn;
      column.codes.push(column.dictionary.code(categorical[j] as string));
    }
    this.#targets.push(target);
  }

  /**
   * The design matrix of these rows. `classIndex` maps the caller's class codes to class
   * indices (classification); without it the targets are regression values. The store must
   * not be added to afterwards: the matrix may share its memory.
   */
  design(encoder: DesignEncoder, classIndex?: Int32Array): Design {
    const rows = this.rows;
    const width = encoder.width;
    const numericWidth = this.#numericWidth;
    const raw = this.#numeric.data;
    const x =
      width === numericWidth ? raw.subarray(0, rows * width) : new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) encoder.standardize(raw, r * numericWidth, x, r * width);
    this.#categorical.forEach((column, j) => {
      // Each distinct value's design column looked up once, not once per row.
      const columnOf = Int32Array.from(
        column.dictionary.values,
        (value) => encoder.oneHotColumn(j, value) ?? -1,
      );
      const codes = column.codes.data;
      for (let r = 0; r < rows; r++) {
        const c = columnOf[codes[r] as number] as number;
        if (c >= 0) x[r * width + c] = 1;
      }
    });
    const targets = this.#targets.data.subarray(0, rows);
    return {
      encoder,
      x,
      classes: classIndex
        ? Int32Array.from(targets, (code) => classIndex[code] as number)
        : new Int32Array(0),
      values: classIndex ? new Float64Array(0) : targets,
      rows,
    };
  }
}
