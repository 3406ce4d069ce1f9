/**
 * @module test/support/csv-tables
 * Small CSV files for the trainer suites, read whole: a deliberately tiny reader (no quoting),
 * dataset.json's columns as the upload would describe them, the rows as a trainer's source, and
 * rows fed to an exported model as its raw named inputs.
 */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import type { ColumnSchema, ColumnType } from "../../functions/train/datasets/schema.ts";
import type { TrainResult } from "../../functions/train/trainers/index.ts";

export interface Table {
  path: string;
  header: string[];
  rows: string[][];
  bytes: number;
}

export function readCsv(path: string): Table {
  const text = readFileSync(path, "utf8");
  const [head, ...lines] = text.trimEnd().split("\n");
  return {
    path,
    header: (head as string).split(","),
    rows: lines.map((line) => line.split(",")),
    bytes: Buffer.byteLength(text),
  };
}

/** dataset.json's columns, as the upload's schema inference would describe these files. */
export function columnsOf(table: Table, types: Record<string, ColumnType>): ColumnSchema[] {
  return table.header.map((name, j) => {
    const cells = table.rows.map((row) => row[j] as string);
    const type = types[name] ?? "number";
    const present = cells.filter((c) => c !== "");
    const numbers = present.map(Number);
    return {
      name,
      type,
      missing: cells.length - present.length,
      ...(type === "categorical" || type === "boolean"
        ? { values: [...new Set(present)].sort() }
        : {}),
      ...(type === "number" || type === "integer"
        ? { min: Math.min(...numbers), max: Math.max(...numbers) }
        : {}),
    };
  });
}

export function source(table: Table) {
  return async function* () {
    yield* table.rows;
  };
}

/** The raw cells of `rows` as the model's inputs: floats (NaN when missing) or strings. */
export function feedsOf(
  result: TrainResult,
  table: Table,
  rows: number[],
): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const feature of result.record.features) {
    const j = table.header.indexOf(feature.name);
    const cells = rows.map((i) => table.rows[i]?.[j] as string);
    feeds[feature.name] =
      feature.type === "string"
        ? new ort.Tensor("string", cells, [rows.length, 1])
        : new ort.Tensor(
            "float32",
            Float32Array.from(cells, (c) =>
              c === "" ? Number.NaN : feature.type === "boolean" ? Number(c === "true") : Number(c),
            ),
            [rows.length, 1],
          );
  }
  return feeds;
}

export async function runOnnx(result: TrainResult, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(result.onnx);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}
