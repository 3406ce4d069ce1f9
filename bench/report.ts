/**
 * How every benchmark renders its report: the figures are data (rows of cells, computed by each
 * benchmark), and this module alone turns them into text — numbers, verdicts, the machine
 * header and markdown tables — and writes the result into bench/results.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const resultsDir = fileURLToPath(new URL("results", import.meta.url));

/** A figure with thousands separators and `digits` decimals; "–" for one not measured. */
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "–";

/** Milliseconds: two decimals below 10 ms, where they still say something, one above. */
export const ms = (n: number) => fmt(n, n < 10 ? 2 : 1);

export const verdict = (ok: boolean) => (ok ? "**pass**" : "**MISS**");

/** The header every report starts with: when, on what CPU, under which Node. */
export interface Machine {
  date: string;
  cpu: string;
  node: string;
}

export function machine(): Machine {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    node: process.versions.node,
  };
}

/**
 * A markdown table with its columns padded, readable as printed and as rendered. A row shorter
 * than the header gets empty cells, one longer is a mistake in the report; a cell's `|` is
 * escaped so it cannot split its column.
 */
export function table(header: string[], rows: string[][]): string {
  const long = rows.find((row) => row.length > header.length);
  if (long) throw new Error(`a row has ${long.length} cells for ${header.length} columns: ${long}`);
  const cellsOf = (row: string[]) => header.map((_, i) => (row[i] ?? "").replaceAll("|", "\\|"));
  const body = rows.map(cellsOf);
  const head = cellsOf(header);
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/** Writes a report file into `dir` (bench/results unless told) and answers its path. */
export function writeResult(name: string, text: string, dir = resultsDir): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
