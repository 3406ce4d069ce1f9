/**
 * @module train/datasets/number-cell
 * How skiff reads the number a CSV cell holds, from its bytes, for the parser (which reads plain
 * numbers while it cuts cells) and the profiler (which decides each column's type) alike, so the
 * two can never disagree about what a number is.
 *
 * A cell's number is a plain decimal: an optional sign, digits with at most one point, and for
 * the profiler an optional exponent. Number() alone would also take hex, binary, octal,
 * "Infinity" and surrounding whitespace, which a CSV number is not.
 */

/** What the parser made of a cell's text on its way through. */
export const CellKind = { UNREAD: 0, INTEGER: 1, DECIMAL: 2 } as const;
export type CellKind = (typeof CellKind)[keyof typeof CellKind];

/**
 * The outcome of one read, owned by whoever reads (a parser, a column) and overwritten by each
 * read, so reading allocates nothing and no state is shared between readers.
 */
export class NumberRead {
  /** INTEGER or DECIMAL when the digits gave the number exactly; UNREAD otherwise. */
  kind: CellKind = CellKind.UNREAD;
  /** The number, when `kind` is not UNREAD; NaN otherwise. */
  value = Number.NaN;
  /** How many digits were read, before and after the point. */
  digits = 0;
  #scratch = new Uint8Array(64);

  /** A buffer of at least `length` + 1 bytes, kept for the next read. */
  scratchFor(length: number): Uint8Array {
    if (this.#scratch.length <= length) this.#scratch = new Uint8Array(2 * (length + 1));
    return this.#scratch;
  }
}

const MINUS = 45;
const PLUS = 43;
const POINT = 46;
const ZERO = 48;
const LOWER_E = 101;
const UPPER_E = 69;
/** Ends a copied cell: no number goes on past it. */
const END = 0;

/** 1e0..1e22, every one exact in a double; parsed from text so no pow() rounding creeps in. */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/**
 * Reads the plain decimal that starts at `b[from]` (sign, digits, point, digits) up to the first
 * byte that cannot continue it, and answers that position; the caller decides whether the byte
 * there ends the cell. `b` must hold such a byte after the number (the parser's cells end in a
 * delimiter or a line end): with no bound to test, each digit costs one comparison.
 * `read.kind` is INTEGER or DECIMAL when there was a digit, the digits fit 2^53 and at most 22
 * follow the point: then one division by an exact power of ten is the correctly rounded double
 * (the classic fast path). Anything else is left UNREAD.
 */
export function scanPlainNumber(b: Uint8Array, from: number, read: NumberRead): number {
  let p = from;
  let c = b[p] as number;
  const negative = c === MINUS;
  if (negative || c === PLUS) c = b[++p] as number;
  const digitsFrom = p;
  let mantissa = 0;
  // `digit >>> 0 <= 9`: one unsigned comparison tests both bounds.
  for (let digit = c - ZERO; digit >>> 0 <= 9; digit = c - ZERO) {
    mantissa = mantissa * 10 + digit;
    c = b[++p] as number;
  }
  let point = -1; // where the decimal point is; -1 while there is none
  if (c === POINT) {
    point = p;
    c = b[++p] as number;
    for (let digit = c - ZERO; digit >>> 0 <= 9; digit = c - ZERO) {
      mantissa = mantissa * 10 + digit;
      c = b[++p] as number;
    }
  }
  const fraction = point < 0 ? 0 : p - point - 1;
  const digits = p - digitsFrom - (point < 0 ? 0 : 1);
  read.digits = digits;
  // Once past 2^53 the mantissa only grows, so one test at the end sees any overflow.
  if (digits > 0 && mantissa <= Number.MAX_SAFE_INTEGER && fraction <= 22) {
    const magnitude = fraction > 0 ? mantissa / (POWERS_OF_TEN[fraction] as number) : mantissa;
    read.kind = point < 0 ? CellKind.INTEGER : CellKind.DECIMAL;
    read.value = negative ? -magnitude : magnitude;
  } else {
    read.kind = CellKind.UNREAD;
    read.value = Number.NaN;
  }
  return p;
}

/**
 * The number `b[first, last)` is, or NaN if it is not one: a plain decimal, optionally with an
 * exponent ("1.5e3"). Digits the fast path cannot take exactly (past 2^53, more than 22
 * decimals) and exponents are left to Number(), which rounds correctly; an infinite result is
 * not a number here. `read.kind` then says whether it was written as an exact integer (INTEGER)
 * or not (DECIMAL).
 */
export function numberIn(b: Uint8Array, first: number, last: number, read: NumberRead): number {
  // The cell is copied out with a terminator after it: what follows it in `b` may be digits
  // (a cell unescaped into a reused buffer), and scanPlainNumber reads on until a non-digit.
  const cell = read.scratchFor(last - first);
  cell.set(b.subarray(first, last));
  cell[last - first] = END;
  const length = last - first;
  const stop = scanPlainNumber(cell, 0, read);
  if (read.digits === 0) return Number.NaN;
  if (stop === length) {
    if (read.kind !== CellKind.UNREAD) return read.value;
  } else if (
    !((cell[stop] === LOWER_E || cell[stop] === UPPER_E) && isExponent(cell, stop + 1, length))
  ) {
    return Number.NaN;
  }
  read.kind = CellKind.DECIMAL;
  const n = Number(ascii(cell, 0, length));
  read.value = Number.isFinite(n) ? n : Number.NaN;
  return read.value;
}

/** `b[from, last)` is an optionally signed integer. */
function isExponent(b: Uint8Array, from: number, last: number): boolean {
  let i = from;
  if (b[i] === MINUS || b[i] === PLUS) i++;
  if (i >= last) return false;
  for (; i < last; i++) {
    const c = b[i] as number;
    if (c < ZERO || c > ZERO + 9) return false;
  }
  return true;
}

/** Bytes known to be ASCII (digits, signs, points) as a string. */
function ascii(b: Uint8Array, first: number, last: number): string {
  return Buffer.from(b.buffer, b.byteOffset + first, last - first).toString("latin1");
}
