/**
 * @module train/trainers/row-store
 * The in-memory trainer's copy of the parsed rows, compact: numeric features in one growing
 * Float64Array, each categorical value and class as an index into a per-column dictionary (a
 * CSV repeats the same few strings millions of times), and one byte for the split side.
 */
import type { Layout, ParsedRow } from "./columns.ts";

class Growable<T extends Float64Array | Int32Array | Uint8Array> {
  data: T;
  length = 0;
  readonly #make: (size: number) => T;

  constructor(make: (size: number) => T) {
    this.#make = make;
    this.data = make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.#make(this.data.length * 2);
      bigger.set(this.data as never);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
}

/** Strings to small integers and back. */
class Dictionary {
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
  readonly #classCodes = new Growable((n) => new Int32Array(n));
  readonly #values = new Growable((n) => new Float64Array(n));
  readonly #test = new Growable((n) => new Uint8Array(n));
  readonly classes = new Dictionary();
  readonly #classification: boolean;

  constructor(layout: Layout) {
    this.#numericWidth = layout.numeric.length;
    this.#categorical = layout.categorical.map(() => ({
      codes: new Growable((n) => new Int32Array(n)),
      dictionary: new Dictionary(),
    }));
    this.#classification = layout.task === "classification";
  }

  get rows(): number {
    return this.#test.length;
  }

  add(row: ParsedRow, test: boolean): void {
    for (const value of row.numeric) this.#numeric.push(value);
    row.categorical.forEach((value, j) => {
      const column = this.#categorical[j] as CategoricalColumn;
      column.codes.push(column.dictionary.code(value));
    });
    if (this.#classification) this.#classCodes.push(this.classes.code(row.target as string));
    else this.#values.push(row.target as number);
    this.#test.push(test ? 1 : 0);
  }

  isTest(i: number): boolean {
    return this.#test.data[i] === 1;
  }

  /** Row i as the parser gave it (numeric values are a view, not a copy). */
  row(i: number): ParsedRow {
    const width = this.#numericWidth;
    return {
      numeric: this.#numeric.data.subarray(i * width, (i + 1) * width),
      categorical: this.#categorical.map(
        (c) => c.dictionary.values[c.codes.data[i] as number] as string,
      ),
      target: this.#classification
        ? (this.classes.values[this.#classCodes.data[i] as number] as string)
        : (this.#values.data[i] as number),
    };
  }
}
