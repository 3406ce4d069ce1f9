/**
 * @module train/datasets/profile
 * Schema inference in one pass over the records: the header's names, then per column its type,
 * missing cells, distinct values (up to a bound) and numeric range. Memory does not grow with
 * the row count: each column keeps flags, two numbers and at most a bounded set of values.
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
 * numbers are read from the digits, values are looked up by their bytes, and a string is made
 * only for a value never seen before. On a large file that is most of the scan's speed.
 */
import { InvalidRequestError } from "../../lib/errors.ts";
import { CellKind, type CellSink, CsvSyntaxError } from "./csv.ts";
import type { ColumnSchema, ColumnType } from "./schema.ts";
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

export class ColumnProfiler {
  readonly name: string;
  readonly #maxChars: number;
  #missing = 0;
  #present = 0;
  /** Distinct raw values, until there are more than the bound (or too many characters). */
  #values: ValueSet | undefined;
  #valueChars = 0;
  #maybeNumber = true;
  #maybeInteger = true;
  #maybeBoolean = true;
  #sawBooleanWord = false;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  /** Categorical with too many values: only missing cells are still worth counting. */
  #settled = false;

  constructor(name: string, maxValues: number, maxChars: number) {
    this.name = name;
    this.#values = new ValueSet(maxValues);
    this.#maxChars = maxChars;
  }

  /** The cell `b[start, end)`, with what the parser read of it (see CellSink). */
  observe(b: Uint8Array, start: number, end: number, kind: CellKind, value: number): void {
    if (kind !== CellKind.UNREAD) {
      // A plain number, already read: the bulk of a training set, so kept to a few steps.
      // (Its range is kept even if the column turns out not numeric; it is then not reported.)
      this.#present++;
      if (kind === CellKind.DECIMAL) this.#maybeInteger = false;
      if (value < this.#min) this.#min = value;
      if (value > this.#max) this.#max = value;
      if (this.#values !== undefined || this.#maybeBoolean) this.#learnNumber(b, start, end);
      return;
    }
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
    this.#present++;
    if (this.#settled) return;
    // A value seen before teaches nothing new: its type and range were noted the first time.
    if (this.#values?.has(b, start, end)) return;
    this.#learn(b, start, end, first, last);
  }

  /** The rest of what a plain number says: a new value to list, and whether 0/1 only. */
  #learnNumber(b: Uint8Array, start: number, end: number): void {
    const values = this.#values;
    if (values !== undefined && !values.has(b, start, end)) {
      this.#valueChars += end - start;
      if (values.full || this.#valueChars > this.#maxChars) this.#values = undefined;
      else values.add(b, start, end);
    }
    if (this.#maybeBoolean && !(end - start === 1 && (b[start] === 48 || b[start] === 49))) {
      this.#maybeBoolean = false; // a number other than 0 or 1
    }
    if (!this.#maybeNumber && !this.#maybeBoolean && this.#values === undefined) {
      this.#settled = true;
    }
  }

  /**
   * What a new value the parser did not read says about the column. Kept out of observe so
   * that the path most cells take stays small enough for the compiler to inline.
   */
  #learn(b: Uint8Array, start: number, end: number, first: number, last: number): void {
    const values = this.#values;
    if (values !== undefined) {
      this.#valueChars += end - start;
      if (values.full || this.#valueChars > this.#maxChars) {
        this.#values = undefined;
      } else {
        values.add(b, start, end);
      }
    }
    if (this.#maybeNumber) {
      const n = numberAt(b, first, last);
      if (Number.isNaN(n)) {
        this.#maybeNumber = false;
        this.#maybeInteger = false;
      } else {
        if (!lastWasInteger) this.#maybeInteger = false;
        if (n < this.#min) this.#min = n;
        if (n > this.#max) this.#max = n;
      }
    }
    if (this.#maybeBoolean) this.#observeBoolean(b, first, last);
    if (!this.#maybeNumber && !this.#maybeBoolean && this.#values === undefined) {
      this.#settled = true;
    }
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

  get type(): ColumnType {
    if (this.#present === 0) return "categorical";
    if (this.#maybeBoolean && this.#sawBooleanWord) return "boolean";
    if (this.#maybeInteger) return "integer";
    if (this.#maybeNumber) return "number";
    return "categorical";
  }

  result(): ColumnSchema {
    const type = this.type;
    const column: ColumnSchema = { name: this.name, type, missing: this.#missing };
    if (this.#values === undefined) {
      column.tooManyValues = true;
    } else if (type === "integer" || type === "number") {
      // One value per number, written canonically, so "1" and "1.0" are one class.
      const numbers = [...new Set(this.#values.values().map((v) => Number(v.trim())))];
      column.values = numbers.sort((a, b) => a - b).map(String);
    } else {
      column.values = this.#values.values().sort();
    }
    if ((type === "integer" || type === "number") && this.#present > 0) {
      column.min = this.#min;
      column.max = this.#max;
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
  #columns: ColumnProfiler[] | undefined;
  #header: string[] = [];
  /** Cells of the current record so far. */
  #index = 0;
  #rows = 0;

  constructor(maxDistinct: number) {
    this.#maxDistinct = maxDistinct;
  }

  cell(b: Uint8Array, start: number, end: number, kind: CellKind, value: number): void {
    const columns = this.#columns;
    if (columns === undefined) {
      this.#header.push(utf8.decode(b.subarray(start, end)));
      return;
    }
    // A cell past the header's count is counted only; endRecord reports the row.
    const column = columns[this.#index++];
    if (column !== undefined) column.observe(b, start, end, kind, value);
  }

  endRecord(line: number): void {
    const count = this.#index;
    this.#index = 0;
    const columns = this.#columns;
    if (columns === undefined) {
      this.#columns = this.#profilersFor(this.#header, line);
      return;
    }
    if (count !== columns.length) {
      throw new CsvSyntaxError(
        line,
        `line ${line} has ${count} field${count === 1 ? "" : "s"}, but the header has ${columns.length}`,
      );
    }
    this.#rows++;
  }

  finish(): ProfileResult {
    if (this.#columns === undefined) {
      throw new InvalidRequestError("the CSV has no header line naming its columns");
    }
    if (this.#rows === 0) {
      throw new InvalidRequestError("the CSV has a header but no data rows");
    }
    return { rows: this.#rows, columns: this.#columns.map((c) => c.result()) };
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
    return names.map((name) => new ColumnProfiler(name, maxValues, maxChars));
  }
}

/** Set by numberAt: whether the number it just read was written as an integer. */
let lastWasInteger = false;

/**
 * The value of the plain decimal number in `b[first, last)`, or NaN if it is not one: an
 * optional sign, digits with at most one point, an optional exponent. (Number() alone would
 * also take hex, binary, octal, "Infinity" and whitespace, which a CSV number is not.)
 *
 * Read from the bytes in place. When the digits fit 2^53 and there are at most 22 after
 * the point, one division by an exact power of ten gives the correctly rounded double (the
 * classic fast path); otherwise, and for exponents, Number() decides.
 */
export function numberAt(b: Uint8Array, first: number, last: number): number {
  let i = first;
  let negative = false;
  const sign = b[i];
  if (sign === 45 || sign === 43) {
    negative = sign === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1; // digits after the point; -1 while there is no point
  let exact = true;
  for (; i < last; i++) {
    const c = b[i] as number;
    if (c >= 48 && c <= 57) {
      digits++;
      if (fraction >= 0) fraction++;
      if (exact) {
        mantissa = mantissa * 10 + (c - 48);
        if (mantissa > Number.MAX_SAFE_INTEGER) exact = false;
      }
    } else if (c === 46 && fraction < 0) {
      fraction = 0;
    } else if ((c === 101 || c === 69) && digits > 0) {
      return exponentNumber(b, i + 1, first, last);
    } else {
      return Number.NaN;
    }
  }
  if (digits === 0) return Number.NaN;
  lastWasInteger = fraction < 0 && exact;
  if (!exact || fraction > 22) {
    const n = Number(ascii(b, first, last));
    return Number.isFinite(n) ? n : Number.NaN;
  }
  const magnitude = fraction > 0 ? mantissa / (POWERS_OF_TEN[fraction] as number) : mantissa;
  return negative ? -magnitude : magnitude;
}

/** The rest of numberAt for "1.5e3": the exponent must be an optionally signed integer. */
function exponentNumber(b: Uint8Array, from: number, first: number, last: number): number {
  let i = from;
  const sign = b[i];
  if (sign === 45 || sign === 43) i++;
  if (i === last) return Number.NaN;
  for (; i < last; i++) {
    const c = b[i] as number;
    if (c < 48 || c > 57) return Number.NaN;
  }
  lastWasInteger = false;
  const n = Number(ascii(b, first, last));
  return Number.isFinite(n) ? n : Number.NaN;
}

/** 1e0..1e22, every one exact in a double; parsed from text so no pow() rounding creeps in. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes known to be ASCII (digits, signs, points) as a string. */
function ascii(b: Uint8Array, first: number, last: number): string {
  return Buffer.from(b.buffer, b.byteOffset + first, last - first).toString("latin1");
}
