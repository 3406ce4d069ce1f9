/**
 * CSV dialects: the parser in every delimiter and line ending, and the scan that finds a file's
 * dialect from its header line, whatever the chunks it arrives in.
 */
import { describe, expect, it } from "vitest";
import { CsvParser } from "../../../../functions/train/datasets/csv.ts";
import type { CsvDialect, Delimiter } from "../../../../functions/train/datasets/dialect.ts";
import { DatasetScanner } from "../../../../functions/train/datasets/scan.ts";

const encoder = new TextEncoder();

function parse(text: string, dialect: CsvDialect, size = text.length) {
  const bytes = encoder.encode(text);
  const out: Array<[number, string[]]> = [];
  const parser = new CsvParser((fields, line) => out.push([line, fields]), { dialect });
  for (let i = 0; i < bytes.length; i += Math.max(1, size)) parser.push(bytes.slice(i, i + size));
  parser.end();
  return out;
}

/** Scans `text` pushed `size` bytes at a time, as an upload does. */
function scan(text: string, size: number, delimiter?: Delimiter) {
  const bytes = encoder.encode(text);
  const scanner = new DatasetScanner({ maxBytes: 1 << 30, maxDistinct: 100 }, delimiter);
  for (let i = 0; i < bytes.length; i += size) scanner.push(bytes.slice(i, i + size));
  return scanner.finish();
}

/** The same text at every chunk size must scan the same. */
function scanEverySplit(text: string, delimiter?: Delimiter) {
  const whole = scan(text, text.length, delimiter);
  for (let size = 1; size <= Math.min(text.length, 30); size++) {
    expect(scan(text, size, delimiter), `pushed ${size} bytes at a time`).toEqual(whole);
  }
  return whole;
}

const names = (result: ReturnType<typeof scan>) => result.columns.map((c) => c.name);

describe("the parser in each dialect", () => {
  const records = [
    [1, ["x", "y", "note"]],
    [2, ["1.5", "2", "a, b; c|d"]],
    [3, ["3", "-4", "two\nlines"]],
    [5, ["", "5", 'say "hi"']],
  ];

  it.each([
    ["comma, LF", { delimiter: ",", lineEnding: "lf" }, "\n"],
    ["semicolon, CRLF", { delimiter: ";", lineEnding: "crlf" }, "\r\n"],
    ["tab, CR alone", { delimiter: "\t", lineEnding: "cr" }, "\r"],
    ["pipe, CR alone", { delimiter: "|", lineEnding: "cr" }, "\r"],
  ] as const)(
    "%s: fields, quoted line breaks and line numbers, at every chunk size",
    (_, dialect, eol) => {
      const d = dialect.delimiter;
      const text = [
        `x${d}y${d}note`,
        `1.5${d}2${d}"a, b; c|d"`,
        `3${d}-4${d}"two${eol}lines"`,
        `${d}5${d}"say ""hi"""`,
        "",
      ].join(eol);
      // A quoted line break is kept as written, so in a CR file it is a CR.
      const expected = records.map(([line, fields]) => [
        line,
        (fields as string[]).map((f) => f.replace("\n", eol)),
      ]);
      for (let size = 1; size <= 30; size++) {
        expect(parse(text, dialect, size), `pushed ${size} bytes at a time`).toEqual(expected);
      }
    },
  );

  it("reads a CR-only file's last line without a line end, and skips its empty lines", () => {
    expect(parse("a,b\r\r1,2\r\r3,4", { delimiter: ",", lineEnding: "cr" })).toEqual([
      [1, ["a", "b"]],
      [3, ["1", "2"]],
      [5, ["3", "4"]],
    ]);
  });
});

describe("the scan finds the dialect from the header line", () => {
  it("reads a semicolon file as its columns, numbers with a decimal point included", () => {
    const result = scanEverySplit("x;y;label\n1.5;2;a\n3;4;b\n");
    expect(result.dialect).toEqual({ delimiter: ";", lineEnding: "lf" });
    expect(names(result)).toEqual(["x", "y", "label"]);
    expect(result.columns[0]).toMatchObject({ type: "number", min: 1.5, max: 3 });
    expect(result.rows).toBe(2);
  });

  it("reads a CR-only file as lines, quoted line breaks included", () => {
    const result = scanEverySplit('x,y,note\r1,2,"one\rtwo"\r3,4,plain\r');
    expect(result.dialect).toEqual({ delimiter: ",", lineEnding: "cr" });
    expect(names(result)).toEqual(["x", "y", "note"]);
    expect(result.rows).toBe(2);
    expect(result.columns[2]?.values).toEqual(["one\rtwo", "plain"]);
  });

  it("tells CRLF from CR alone even when a chunk ends between the two", () => {
    expect(scanEverySplit("a\tb\r\n1\t2\r\n").dialect).toEqual({
      delimiter: "\t",
      lineEnding: "crlf",
    });
  });

  it("reads pipes and tabs, and a comma file as before", () => {
    expect(names(scanEverySplit("a|b|c\n1|2|3\n"))).toEqual(["a", "b", "c"]);
    expect(names(scanEverySplit("a\tb\n1\t2\n"))).toEqual(["a", "b"]);
    expect(scanEverySplit("a,b\r\n1,2\r\n").dialect).toEqual({
      delimiter: ",",
      lineEnding: "crlf",
    });
  });

  it("looks past a byte order mark and empty lines, and counts no delimiter inside quotes", () => {
    const result = scanEverySplit('\uFEFF\n\r\n"a;b",c\n1,2\n');
    expect(result.dialect.delimiter).toBe(",");
    expect(names(result)).toEqual(["a;b", "c"]);
  });

  it("takes a header without any candidate as one comma-separated column", () => {
    expect(scanEverySplit("value\n1\n2\n").dialect).toEqual({ delimiter: ",", lineEnding: "lf" });
  });

  it("refuses a header with two candidates, saying what it saw", () => {
    expect(() => scan("a,b;c,d\n1,2;3,4\n", 4)).toThrow(
      /^cannot tell which character separates the columns: the header line has 2 "," and 1 ";" outside quotes; name it with \?delimiter=/,
    );
  });

  it("uses the delimiter it is given, sniffing only the line ending", () => {
    const result = scanEverySplit("a,b;c,d\r1,2;3,4\r", ";");
    expect(result.dialect).toEqual({ delimiter: ";", lineEnding: "cr" });
    expect(names(result)).toEqual(["a,b", "c,d"]);
  });

  it("hashes and counts the bytes as sent, whatever the dialect", () => {
    const text = "x;y\r1;2\r";
    const result = scan(text, 3);
    expect(result.bytes).toBe(text.length);
  });
});
