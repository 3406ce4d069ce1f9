/**
 * @module train/trainers/passes
 * One pass over the dataset as the trainers see it: rows parsed, rows without a target left
 * out, and each remaining row put on the train or test side. A fresh Splitter per pass makes
 * the sides identical on every pass.
 */
import type { Field } from "../datasets/csv.ts";
import { type Layout, type ParsedRow, RowParser } from "./columns.ts";
import { TrainingError } from "./errors.ts";
import type { Stage } from "./progress.ts";
import { Splitter } from "./split.ts";

/**
 * A fresh pass over the data rows. `numbers` are the columns the trainer reads as numbers: a
 * source may hand their cells out as numbers already (the CSV reader does, for plain decimals),
 * sparing a string and a parse per cell; any cell may still come as text.
 */
export type RowSource = (numbers: readonly number[]) => AsyncIterable<readonly Field[]>;

export interface LabelledRow {
  /** The parser's one row object, overwritten when the loop asks for the next row. */
  row: ParsedRow;
  test: boolean;
  /** 0-based position among the data rows (header excluded), empty-target rows included. */
  index: number;
}

export interface PassSettings {
  layout: Layout;
  seed: number;
  testFraction: number;
  datasetBytes: number;
}

/** A number's usual length in a CSV, for rowBytes: progress needs no more than that. */
const NUMBER_BYTES = 8;

/** Roughly the bytes a row took in the CSV: its cells plus separators. */
function rowBytes(cells: readonly Field[]): number {
  let bytes = cells.length;
  for (const cell of cells) bytes += typeof cell === "string" ? cell.length : NUMBER_BYTES;
  return bytes;
}

export async function* labelledRows(
  settings: PassSettings,
  rows: RowSource,
  stage?: Stage,
): AsyncGenerator<LabelledRow> {
  const parser = new RowParser(settings.layout);
  const splitter = new Splitter(settings.seed, settings.testFraction);
  const classification = settings.layout.task === "classification";
  const total = Math.max(1, settings.datasetBytes);
  let index = 0;
  let bytes = 0;
  for await (const cells of rows(parser.numberColumns)) {
    if (!Array.isArray(cells)) throw new TrainingError(`row ${index + 1} is not a list of cells`);
    const row = parser.parse(cells, index);
    // Progress is an estimate anyway: one row in 1024 stands for its neighbours.
    if ((index & 1023) === 0) {
      stage?.at(bytes / total);
      bytes += 1024 * rowBytes(cells);
    }
    const at = index++;
    if (row.target === undefined) continue;
    const test = splitter.isTest(classification ? (row.target as string) : "");
    yield { row, test, index: at };
  }
}
