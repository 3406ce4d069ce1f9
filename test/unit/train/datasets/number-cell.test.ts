/**
 * The one reader of a cell's number, which the parser and the profiler share: what counts as a
 * number, that every number it reads is the double Number() gives for the same text, and that
 * each reader's outcome is its own.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CellKind,
  NumberRead,
  numberIn,
  scanPlainNumber,
} from "../../../../functions/train/datasets/number-cell.ts";

const encoder = new TextEncoder();
/** What a CSV number is, written out as a pattern to check the byte reader against. */
const CSV_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function read(text: string): [number, CellKind] {
  const into = new NumberRead();
  const bytes = encoder.encode(text);
  return [numberIn(bytes, 0, bytes.length, into), into.kind];
}

describe("numberIn", () => {
  it("reads plain decimals and exponents, integers as INTEGER", () => {
    expect(read("12")).toEqual([12, CellKind.INTEGER]);
    expect(read("-3.25")).toEqual([-3.25, CellKind.DECIMAL]);
    expect(read("+7")).toEqual([7, CellKind.INTEGER]);
    expect(read("1.")).toEqual([1, CellKind.DECIMAL]);
    expect(read(".5")).toEqual([0.5, CellKind.DECIMAL]);
    expect(read("1.5e3")).toEqual([1500, CellKind.DECIMAL]);
    expect(read("2E-2")).toEqual([0.02, CellKind.DECIMAL]);
    // Too long for 2^53: Number() rounds it, and it is no longer an exact integer.
    expect(read("12345678901234567890")).toEqual([12345678901234567000, CellKind.DECIMAL]);
  });

  it("refuses what Number() would take but a CSV number is not", () => {
    for (const text of [
      "0x1F",
      "0b11",
      "Infinity",
      "-",
      ".",
      "1e",
      "1e+",
      "e5",
      "1.2.3",
      "1e999",
    ]) {
      expect(read(text)[0], text).toBeNaN();
    }
  });

  it("gives Number()'s double for every text the pattern calls a number, NaN for the rest", () => {
    const text = fc
      .array(fc.constantFrom("0", "1", "5", "9", ".", "-", "+", "e", "E", "x"), {
        minLength: 1,
        maxLength: 30,
      })
      .map((chars) => chars.join(""));
    fc.assert(
      fc.property(text, (t) => {
        const expected = CSV_NUMBER.test(t) && Number.isFinite(Number(t)) ? Number(t) : Number.NaN;
        expect(read(t)[0]).toBe(expected);
      }),
      { seed: 20261204, numRuns: 5000 },
    );
  });

  it("keeps each reader's outcome apart from another's", () => {
    const a = new NumberRead();
    const b = new NumberRead();
    const bytes = encoder.encode("7,2.5");
    numberIn(bytes, 0, 1, a);
    numberIn(bytes, 2, 5, b);
    expect([a.kind, a.value]).toEqual([CellKind.INTEGER, 7]);
    expect([b.kind, b.value]).toEqual([CellKind.DECIMAL, 2.5]);
  });
});

describe("scanPlainNumber", () => {
  it("stops at the first byte that cannot continue the number", () => {
    const into = new NumberRead();
    expect(scanPlainNumber(encoder.encode("-12.5;x"), 0, into)).toBe(5);
    expect([into.kind, into.value]).toEqual([CellKind.DECIMAL, -12.5]);
    expect(scanPlainNumber(encoder.encode("7e3\n"), 0, into)).toBe(1);
    expect([into.kind, into.value]).toEqual([CellKind.INTEGER, 7]);
  });

  it("reads a cell alone, whatever digits follow it in the buffer", () => {
    const into = new NumberRead();
    const bytes = encoder.encode("12345");
    expect(numberIn(bytes, 0, 2, into)).toBe(12);
    expect(numberIn(bytes, 1, 4, into)).toBe(234);
    const long = "9".repeat(100);
    expect(numberIn(encoder.encode(`${long}1`), 0, 100, into)).toBe(Number(long));
  });

  it("reads exactly the double Number() gives, when the digits fit 2^53; else leaves it", () => {
    const decimal = fc
      .tuple(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 12 }))
      .map(([x, places]) => x.toFixed(places));
    fc.assert(
      fc.property(decimal, (t) => {
        const into = new NumberRead();
        const bytes = encoder.encode(`${t},`);
        expect(scanPlainNumber(bytes, 0, into)).toBe(t.length);
        if (BigInt(t.replace(/[-.]/g, "")) <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(into.kind).not.toBe(CellKind.UNREAD);
          expect(into.value).toBe(Number(t));
        } else {
          expect(into.kind).toBe(CellKind.UNREAD);
        }
      }),
      { seed: 20261205, numRuns: 5000 },
    );
  });
});
