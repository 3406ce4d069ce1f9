/**
 * @module train/datasets/profile
 * Schema inference in one pass over the records: the header's names, then per column its type,
 * missing cells, distinct values (up to a bound) and numeric range. Memory does not grow with
 * the row count: each column keeps flags, a few numbers and at most a bounded set of values.
 *
 * Types, from the narrowest that fits every non-missing cell:
 * - boolean: true/false, yes/no, t/f, y/n in any case (with 1/0 mixed in), at least one a word;
 *   a column of only 0 and 1 stays integer;
 * - integer: decimal integers within ±2^53;
 * - number: decimal numbers, exponents allowed (no hex, Infinity or NaN);
 * - categorical: anything else, or a column with no values at all.
 * A cell that is empty or only whitespace is missing.
 *
 * It reads cells where the parser found them (a CellSink) and looks at their bytes in place:
 * numbers come already read by the parser, values are looked up by their bytes, and a string
 * is made only for a value never seen before. The counters every cell touches live in flat
 * arrays indexed by column, so the commonest cell, a number in a column with many values,
 * costs a few array updates the compiler inlines into the parser's loop.
 */
import { InvalidRequestError } from "../../lib/errors.ts";
import { type CellSink, CsvSyntaxError } from "./csv.ts";
import { CellKind, NumberRead, numberIn } from "./number-cell.ts";
import { type ColumnSchema, type ColumnType, isNumeric } from "./schema.ts";
import { ValueSet } from "./value-set.ts";

/**
 * Distinct values kept across all columns together, and their characters: a CSV with
 * thousands of columns gets a smaller bound per column instead of unbounded memory.
 */
const DISTINCT_VALUES_BUDGET = 500_000;
const DISTINCT_CHARS_BUDGET = 16 * 1024 * 1024;

const BOOLEAN_WORDS = new Set(["true", "false", "yes", "no", "t", "f", "y", "n"]);

export interface ProfileResult {
  rows: number;
  columns: ColumnSchema[];
}

/**
 * The per-cell counters of all columns, one slot per column. Non-missing cells are not counted
 * here: they are the rows less the missing cells, which spares the commonest cell a counter.
 */
class Tallies {
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** 1 once a number with a point or an exponent was seen. */
  readonly decimal: Uint8Array;
  /** 1 while a column still learns from each new number: it lists values, or may be boolean. */
  readonly learning: Uint8Array;

  constructor(width: number) {
    this.min = new Float64Array(width).fill(Number.POSITIVE_INFINITY);
    this.max = new Float64Array(width).fill(Number.NEGATIVE_INFINITY);
    this.decimal = new Uint8Array(width);
    this.learning = new Uint8Array(width).fill(1);
  }

  number(i: number, value: number): void {
    if (value < (this.min[i] as number)) this.min[i] = value;
    if (value > (this.max[i] as number)) this.max[i] = value;
  }
}

/** What one column has shown so far, beyond the tallies. */
export class ColumnProfiler {
  readonly name: string;
  readonly #index: number;
  readonly #tallies: Tallies;
  readonly #maxChars: number;
  #missing = 0;
  /** Distinct raw values, until there are more than the bound (or too many characters). */
  #values: ValueSet | undefined;
  #valueChars = 0;
  /** No cell so far was anything but a number. */
  #maybeNumber = true;
  #maybeBoolean = true;
  #sawBooleanWord = false;
  /** Categorical with too many values: only missing cells are still worth counting. */
  #settled = false;
  readonly #number = new NumberRead();

  constructor(name: string, index: number, tallies: Tallies, maxValues: number, maxChars: number) {
    this.name = name;
    this.#index = index;
    this.#tallies = tallies;
    this.#values = new ValueSet(maxValues);
    this.#maxChars = maxChars;
  }

  /**
   * The rest of what a number the parser read says, while the column still learns from
   * numbers (the tallies took its count and range): a new value to list, and whether 0/1 only.
   */
  learnNumber(b: Uint8Array, start: number, end: number): void {
    this.#collect(b, start, end);
    if (this.#maybeBoolean && !(end - start === 1 && (b[start] === 48 || b[start] === 49))) {
      this.#maybeBoolean = false; // a number other than 0 or 1
    }
    this.#update();
  }

  /** A cell the parser did not read as a number: text, padded or exponent numbers, quoted. */
  observeText(b: Uint8Array, start: number, end: number): void {
    if (start === end) {
      this.#missing++;
      return;
    }
    // The value without surrounding whitespace, as positions.
    let first = start;
    let last = end;
    if ((b[first] as number) <= 32 || (b[last - 1] as number) <= 32) {
      while (first < last && (b[first] as number) <= 32) first++;
      while (last > first && (b[last - 1] as number) <= 32) last--;
      if (first === last) {
        this.#missing++;
        return;
      }
    }
    if (this.#settled) return;
    const tallies = this.#tallies;
    const i = this.#index;
    // A value seen before teaches nothing new: its type and range were noted the first time.
    if (this.#values?.has(b, start, end)) return;
    this.#collect(b, start, end);
    if (this.#maybeNumber) {
      const read = this.#number;
      const n = numberIn(b, first, last, read);
      if (Number.isNaN(n)) {
        this.#maybeNumber = false;
      } else {
        if (read.kind !== CellKind.INTEGER) tallies.decimal[i] = 1;
        tallies.number(i, n);
      }
    }
    if (this.#maybeBoolean) this.#observeBoolean(b, first, last);
    this.#update();
  }

  /** Lists a value not seen before, until the column has too many. */
  #collect(b: Uint8Array, start: number, end: number): void {
    const values = this.#values;
    if (values === undefined || values.has(b, start, end)) return;
    this.#valueChars += end - start;
    if (values.full || this.#valueChars > this.#maxChars) this.#values = undefined;
    else values.add(b, start, end);
  }

  /** What is still worth looking at, per cell, now. */
  #update(): void {
    const listing = this.#values !== undefined;
    this.#tallies.learning[this.#index] = listing || this.#maybeBoolean ? 1 : 0;
    this.#settled = !this.#maybeNumber && !this.#maybeBoolean && !listing;
  }

  #observeBoolean(b: Uint8Array, first: number, last: number): void {
    if (last - first > 5) {
      this.#maybeBoolean = false;
      return;
    }
    const word = String.fromCharCode(...b.subarray(first, last)).toLowerCase();
    if (word === "0" || word === "1") return; // fits a boolean column, but does not make one
    if (BOOLEAN_WORDS.has(word)) this.#sawBooleanWord = true;
    else this.#maybeBoolean = false;
  }

  /** The column's type, once all `rows` data rows have been seen. */
  typeOf(rows: number): ColumnType {
    const i = this.#index;
    if (this.#missing === rows) return "categorical";
    if (this.#maybeBoolean && this.#sawBooleanWord) return "boolean";
    if (this.#maybeNumber) return this.#tallies.decimal[i] === 1 ? "number" : "integer";
    return "categorical";
  }

  result(rows: number): ColumnSchema {
    const type = this.typeOf(rows);
    const column: ColumnSchema = { name: this.name, type, missing: this.#missing };
    if (this.#values === undefined) {
      column.tooManyValues = true;
    } else if (isNumeric(type)) {
      // One value per number, written canonically, so "1" and "1.0" are one class.
      const numbers = [...new Set(this.#values.values().map((v) => Number(v.trim())))];
      column.values = numbers.sort((a, b) => a - b).map(String);
    } else {
      column.values = this.#values.values().sort();
    }
    if (isNumeric(type)) {
      column.min = this.#tallies.min[this.#index];
      column.max = this.#tallies.max[this.#index];
    }
    return column;
  }
}

/**
 * Receives the cells of a CSV: the first record is the header, every later one must have as
 * many fields. Throws on a bad header or a ragged row, naming the line.
 */
export class DatasetProfiler implements CellSink {
  readonly #maxDistinct: number;
  #columns: ColumnProfiler[] = [];
  #tallies = new Tallies(0);
  /** Columns; 0 until the header has been read. */
  #width = 0;
  #header: string[] | undefined = [];
  /** Cells of the current record so far. */
  #index = 0;
  #rows = 0;

  constructor(maxDistinct: number) {
    this.#maxDistinct = maxDistinct;
  }

  cell(b: Uint8Array, start: number, end: number, kind: CellKind, value: number): void {
    const i = this.#index++;
    if (i >= this.#width) {
      // The header, or a cell past its count (endRecord reports that row).
      this.#header?.push(utf8.decode(b.subarray(start, end)));
      return;
    }
    if (kind !== CellKind.UNREAD) {
      const tallies = this.#tallies;
      if (kind === CellKind.DECIMAL) tallies.decimal[i] = 1;
      tallies.number(i, value);
      if (tallies.learning[i] === 1)
        (this.#columns[i] as ColumnProfiler).learnNumber(b, start, end);
      return;
    }
    (this.#columns[i] as ColumnProfiler).observeText(b, start, end);
  }

  endRecord(line: number): void {
    const count = this.#index;
    this.#index = 0;
    if (this.#header !== undefined) {
      this.#columns = this.#profilersFor(this.#header, line);
      this.#width = this.#columns.length;
      this.#header = undefined;
      return;
    }
    if (count !== this.#width) {
      throw new CsvSyntaxError(
        line,
        `line ${line} has ${count} field${count === 1 ? "" : "s"}, but the header has ${this.#width}`,
      );
    }
    this.#rows++;
  }

  finish(): ProfileResult {
    if (this.#header !== undefined) {
      throw new InvalidRequestError("the CSV has no header line naming its columns");
    }
    if (this.#rows === 0) {
      throw new InvalidRequestError("the CSV has a header but no data rows");
    }
    return { rows: this.#rows, columns: this.#columns.map((c) => c.result(this.#rows)) };
  }

  #profilersFor(names: string[], line: number): ColumnProfiler[] {
    const seen = new Map<string, number>();
    names.forEach((name, index) => {
      if (name.trim() === "") {
        throw new CsvSyntaxError(
          line,
          `the header (line ${line}) leaves column ${index + 1} without a name`,
        );
      }
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        throw new CsvSyntaxError(
          line,
          `the header (line ${line}) names column "${name}" twice (columns ${earlier + 1} and ${index + 1})`,
        );
      }
      seen.set(name, index);
    });
    const maxValues = Math.max(
      1,
      Math.min(this.#maxDistinct, Math.floor(DISTINCT_VALUES_BUDGET / names.length)),
    );
    const maxChars = Math.floor(DISTINCT_CHARS_BUDGET / names.length);
    this.#tallies = new Tallies(names.length);
    return names.map((name, i) => new ColumnProfiler(name, i, this.#tallies, maxValues, maxChars));
  }
}

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
