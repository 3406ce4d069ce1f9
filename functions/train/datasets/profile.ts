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
 */
import { InvalidRequestError } from "../../lib/errors.ts";
import { CsvSyntaxError } from "./csv.ts";
import type { ColumnSchema, ColumnType } from "./schema.ts";

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
  readonly #maxValues: number;
  readonly #maxChars: number;
  #missing = 0;
  #present = 0;
  /** Distinct raw values while there are at most #maxValues of them; then undefined. */
  #values: Set<string> | undefined = new Set();
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
    this.#maxValues = maxValues;
    this.#maxChars = maxChars;
  }

  observe(cell: string): void {
    const length = cell.length;
    if (length === 0) {
      this.#missing++;
      return;
    }
    const values = this.#values;
    // A value seen before teaches nothing new: its type and range were noted the first time.
    // For the many columns with few distinct values, that makes a cell one hash lookup.
    if (values?.has(cell)) {
      this.#present++;
      return;
    }
    let text = cell;
    // Only trim when an end is whitespace: trim() on every cell is a cost the common case skips.
    if (text.charCodeAt(0) <= 32 || text.charCodeAt(length - 1) <= 32) {
      text = text.trim();
      if (text.length === 0) {
        this.#missing++;
        return;
      }
    }
    this.#present++;
    if (this.#settled) return;

    if (values !== undefined) {
      this.#valueChars += cell.length;
      if (values.size >= this.#maxValues || this.#valueChars > this.#maxChars) {
        this.#values = undefined;
      } else {
        values.add(detached(cell));
      }
    }
    if (this.#maybeNumber) {
      let n = smallInteger(text);
      if (n === undefined) {
        n = decimalNumber(text);
        if (n === undefined) {
          this.#maybeNumber = false;
          this.#maybeInteger = false;
        } else if (this.#maybeInteger && !isIntegerText(text, n)) {
          this.#maybeInteger = false;
        }
      }
      if (n !== undefined) {
        if (n < this.#min) this.#min = n;
        if (n > this.#max) this.#max = n;
      }
    }
    if (this.#maybeBoolean) {
      if (text === "0" || text === "1") {
        // fits a boolean column, but alone does not make one
      } else if (BOOLEAN_WORDS.has(text.toLowerCase())) {
        this.#sawBooleanWord = true;
      } else {
        this.#maybeBoolean = false;
      }
    }
    if (!this.#maybeNumber && !this.#maybeBoolean && this.#values === undefined) {
      this.#settled = true;
    }
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
      const numbers = [...new Set([...this.#values].map((v) => Number(v.trim())))];
      column.values = numbers.sort((a, b) => a - b).map(String);
    } else {
      column.values = [...this.#values].sort();
    }
    if ((type === "integer" || type === "number") && this.#present > 0) {
      column.min = this.#min;
      column.max = this.#max;
    }
    return column;
  }
}

/**
 * Receives the records of a CSV: the first is the header, every later one must have as many
 * fields. Throws on a bad header or a ragged row, naming the line.
 */
export class DatasetProfiler {
  readonly #maxDistinct: number;
  #columns: ColumnProfiler[] | undefined;
  #rows = 0;

  constructor(maxDistinct: number) {
    this.#maxDistinct = maxDistinct;
  }

  /** Fits CsvParser's sink: `parser = new CsvParser(profiler.record)`. */
  readonly record = (fields: string[], line: number): void => {
    const columns = this.#columns;
    if (columns === undefined) {
      this.#columns = this.#header(fields, line);
      return;
    }
    if (fields.length !== columns.length) {
      throw new CsvSyntaxError(
        line,
        `line ${line} has ${fields.length} field${fields.length === 1 ? "" : "s"}, but the header has ${columns.length}`,
      );
    }
    for (let i = 0; i < fields.length; i++) {
      (columns[i] as ColumnProfiler).observe(fields[i] as string);
    }
    this.#rows++;
  };

  finish(): ProfileResult {
    if (this.#columns === undefined) {
      throw new InvalidRequestError("the CSV has no header line naming its columns");
    }
    if (this.#rows === 0) {
      throw new InvalidRequestError("the CSV has a header but no data rows");
    }
    return { rows: this.#rows, columns: this.#columns.map((c) => c.result()) };
  }

  #header(fields: string[], line: number): ColumnProfiler[] {
    const seen = new Map<string, number>();
    fields.forEach((name, index) => {
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
      Math.min(this.#maxDistinct, Math.floor(DISTINCT_VALUES_BUDGET / fields.length)),
    );
    const maxChars = Math.floor(DISTINCT_CHARS_BUDGET / fields.length);
    return fields.map((name) => new ColumnProfiler(detached(name), maxValues, maxChars));
  }
}

/**
 * The value of a plain decimal number, or undefined. Number() alone also accepts hex, binary,
 * octal, "Infinity" and surrounding whitespace; a CSV number is none of those.
 */
export function decimalNumber(text: string): number | undefined {
  const first = text.charCodeAt(0);
  // digit, +, - or .
  if (!((first >= 48 && first <= 57) || first === 43 || first === 45 || first === 46)) {
    return undefined;
  }
  const last = text.charCodeAt(text.length - 1);
  if (!((last >= 48 && last <= 57) || last === 46)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  if (first === 48 && text.length > 2) {
    const radix = text.charCodeAt(1) | 32; // lower case
    if (radix === 120 || radix === 98 || radix === 111) return undefined; // 0x 0b 0o
  }
  return n;
}

/**
 * The value of an optionally signed run of up to 15 digits, read without Number(): ids and
 * counts are common, and this is several times cheaper. Anything else is undefined.
 */
function smallInteger(text: string): number | undefined {
  const length = text.length;
  if (length > 15) return undefined;
  let i = 0;
  let sign = 1;
  const first = text.charCodeAt(0);
  if (first === 45 || first === 43) {
    if (length === 1) return undefined;
    if (first === 45) sign = -1;
    i = 1;
  }
  let value = 0;
  for (; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return sign * value;
}

function isIntegerText(text: string, n: number): boolean {
  return (
    Number.isSafeInteger(n) &&
    text.indexOf(".") === -1 &&
    text.indexOf("e") === -1 &&
    text.indexOf("E") === -1
  );
}

/**
 * A copy of `s` that does not share memory with the chunk it was cut from. V8 may keep a
 * substring as a view of its parent, so holding one value would pin a whole chunk of the file.
 */
function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8");
}
