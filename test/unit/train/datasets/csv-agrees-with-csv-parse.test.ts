/**
 * skiff's CSV parser against csv-parse, a widely used independent implementation, on random
 * files: every delimiter and line ending skiff reads, quoted fields holding delimiters, quotes
 * and line breaks, multi-byte characters, a byte order mark, empty lines, and a last line with
 * or without its line end. skiff's parser gets each file in random chunks (cut anywhere, inside
 * a character or a CRLF too) and must give exactly the records csv-parse gives for the whole.
 */
import { parse as csvParse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvParser } from "../../../../functions/train/datasets/csv.ts";
import {
  type CsvDialect,
  DELIMITERS,
  LINE_ENDINGS,
  type LineEnding,
} from "../../../../functions/train/datasets/dialect.ts";

const encoder = new TextEncoder();
const LINE_END: Record<LineEnding, string> = { lf: "\n", crlf: "\r\n", cr: "\r" };
/** Fixed, so a failure is the same failure on every run and every machine. */
const SEED = 20261204;

/** Characters of unquoted fields: no delimiter, no line break, no quote at the start. */
const plainChar = fc.constantFrom("a", "Z", "0", "7", ".", "-", " ", "é", "€", "😀", "中");
/** Characters of quoted fields: anything, delimiters and line breaks included. */
const quotedChar = fc.constantFrom("a", "1", '"', ",", ";", "\t", "|", "\n", "\r", " ", "é", "😀");

const plainField = fc
  .tuple(fc.array(plainChar, { maxLength: 8 }), fc.boolean())
  // A quote inside an unquoted field is an ordinary character, for both parsers.
  .map(([chars, quoteInside]) =>
    quoteInside && chars.length > 0 ? `${chars.join("")}"x` : chars.join(""),
  );
const quotedField = fc
  .array(quotedChar, { maxLength: 8 })
  .map((chars) => `"${chars.join("").replaceAll('"', '""')}"`);
const field = fc.oneof({ arbitrary: plainField, weight: 3 }, { arbitrary: quotedField, weight: 1 });
const record = fc.array(field, { minLength: 1, maxLength: 6 });

const csvFile = fc.record({
  delimiter: fc.constantFrom(...DELIMITERS),
  lineEnding: fc.constantFrom(...LINE_ENDINGS),
  records: fc.array(fc.oneof(record, fc.constant(null)), { minLength: 1, maxLength: 12 }),
  bom: fc.boolean(),
  finalLineEnd: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
});

type CsvFile = typeof csvFile extends fc.Arbitrary<infer T> ? T : never;

function textOf(file: CsvFile): string {
  const end = LINE_END[file.lineEnding];
  // null stands for an empty line, which both parsers skip.
  const lines = file.records.map((r) => (r === null ? "" : r.join(file.delimiter)));
  return `${file.bom ? "\uFEFF" : ""}${lines.join(end)}${file.finalLineEnd ? end : ""}`;
}

function skiffRecords(bytes: Uint8Array, dialect: CsvDialect, cuts: number[]): string[][] {
  const out: string[][] = [];
  const parser = new CsvParser((fields) => out.push(fields), { dialect });
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const cut of [...at, bytes.length]) {
    parser.push(bytes.slice(from, cut));
    from = cut;
  }
  parser.end();
  return out;
}

function referenceRecords(text: string, file: CsvFile): string[][] {
  return csvParse(text, {
    delimiter: file.delimiter,
    record_delimiter: LINE_END[file.lineEnding],
    bom: true,
    skip_empty_lines: true,
    relax_quotes: true,
    relax_column_count: true,
  }) as string[][];
}

describe("the CSV parser agrees with csv-parse", () => {
  it("on random files in every dialect, pushed in random chunks", () => {
    fc.assert(
      fc.property(csvFile, (file) => {
        const text = textOf(file);
        const dialect = { delimiter: file.delimiter, lineEnding: file.lineEnding };
        expect(skiffRecords(encoder.encode(text), dialect, file.cuts)).toEqual(
          referenceRecords(text, file),
        );
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it("on files whose every chunk ends inside a character or between CR and LF", () => {
    fc.assert(
      fc.property(csvFile, (file) => {
        const text = textOf({ ...file, lineEnding: "crlf" });
        const bytes = encoder.encode(text);
        // Cut after every lead byte of a multi-byte character and after every CR.
        const cuts: number[] = [];
        bytes.forEach((byte, i) => {
          if (byte === 13 || byte >= 0xc0) cuts.push(i + 1);
        });
        const dialect = { delimiter: file.delimiter, lineEnding: "crlf" as const };
        expect(skiffRecords(bytes, dialect, cuts)).toEqual(
          referenceRecords(text, { ...file, lineEnding: "crlf" }),
        );
      }),
      { seed: SEED + 1, numRuns: 500 },
    );
  });
});
