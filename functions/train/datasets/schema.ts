/**
 * @module train/datasets/schema
 * The shape of `datasets/<name>/<version>/dataset.json`: what one pass over the uploaded CSV
 * learned about it. Upload writes it; training reads it to know each column's type and values.
 */
import { z } from "zod";
import { DEFAULT_DIALECT, DELIMITERS, LINE_ENDINGS } from "./dialect.ts";

export const COLUMN_TYPES = ["number", "integer", "boolean", "categorical"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Whether a column of this type holds numbers (integer or not). */
export function isNumeric(type: ColumnType): boolean {
  return type === "number" || type === "integer";
}

export const columnSchema = z.object({
  name: z.string().min(1),
  type: z.enum(COLUMN_TYPES),
  /** Empty cells (the CSV's "" or an unquoted empty field; whitespace alone counts as empty). */
  missing: z.number().int().min(0),
  /**
   * Distinct non-missing values of any column, when there are at most the bound
   * (SKIFF_SCHEMA_MAX_DISTINCT): as written for categorical and boolean columns, sorted; for
   * numeric columns one per number, written canonically ("1.0" as "1") and sorted numerically,
   * so an integer target's classes are known.
   */
  values: z.array(z.string()).optional(),
  /** True when the column had more distinct values than the bound (values is then absent). */
  tooManyValues: z.boolean().optional(),
  /** For numeric columns: smallest and largest value seen. */
  min: z.number().optional(),
  max: z.number().optional(),
});

export const datasetRecordSchema = z.object({
  name: z.string(),
  version: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  columns: z.array(columnSchema).min(1),
  /**
   * How data.csv separates fields and lines, which every reader of it must use. Versions
   * written before it was recorded are comma-separated with LF or CRLF line ends.
   */
  dialect: z
    .object({ delimiter: z.enum(DELIMITERS), lineEnding: z.enum(LINE_ENDINGS) })
    .default(() => ({ ...DEFAULT_DIALECT })),
  createdAt: z.string(),
});

export type ColumnSchema = z.infer<typeof columnSchema>;
export type DatasetRecord = z.infer<typeof datasetRecordSchema>;
