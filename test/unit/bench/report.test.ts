/** The one renderer every benchmark report goes through. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fmt, ms, table, verdict, writeResult } from "../../../bench/report.ts";

describe("table", () => {
  it("pads every column to its widest cell, header included", () => {
    expect(
      table(
        ["case", "req/s"],
        [
          ["bare Hono route", "47,200"],
          ["named", "15,600"],
        ],
      ),
    ).toBe(
      [
        "| case            | req/s  |",
        "| --------------- | ------ |",
        "| bare Hono route | 47,200 |",
        "| named           | 15,600 |",
      ].join("\n"),
    );
  });

  it("fills short rows with empty cells and escapes a pipe inside a cell", () => {
    expect(table(["a", "b", "c"], [["1"], ["x|y", "2", "3"]])).toBe(
      ["| a    | b | c |", "| ---- | - | - |", "| 1    |   |   |", "| x\\|y | 2 | 3 |"].join("\n"),
    );
  });

  it("refuses a row with more cells than columns", () => {
    expect(() => table(["a"], [["1", "2"]])).toThrow("a row has 2 cells for 1 columns");
  });
});

describe("figures", () => {
  it("formats numbers with separators, and a figure not measured as a dash", () => {
    expect(fmt(47212.4)).toBe("47,212");
    expect(fmt(1.456, 2)).toBe("1.46");
    expect(fmt(Number.NaN)).toBe("–");
    expect(fmt(Number.POSITIVE_INFINITY)).toBe("–");
  });

  it("gives milliseconds two decimals below 10 and one above", () => {
    expect(ms(1.234)).toBe("1.23");
    expect(ms(16.54)).toBe("16.5");
  });

  it("marks a target met or missed", () => {
    expect(verdict(true)).toBe("**pass**");
    expect(verdict(false)).toBe("**MISS**");
  });
});

describe("writeResult", () => {
  it("writes the report where it is told and answers the path", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "skiff-report-")), "results");
    const path = writeResult("serve.md", "# serve\n", dir);
    expect(path).toBe(join(dir, "serve.md"));
    expect(readFileSync(path, "utf8")).toBe("# serve\n");
  });
});
