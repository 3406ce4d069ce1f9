/**
 * @module train/trainers/columns
 * What a training spec asks of the dataset's columns, checked once: where the target and each
 * feature sit in a row, which features are numeric and which categorical, and how one row's
 * cells become numbers, categories and a target.
 */
import type { ColumnSchema, ColumnType } from "../datasets/schema.ts";
import { TrainingError } from "./errors.ts";

export type Task = "classification" | "regression";
/** A feature's type as model.json states it. */
export type FeatureType = "number" | "integer" | "boolean" | "string";

export interface NumericColumn {
  name: string;
  index: number;
  type: "number" | "integer" | "boolean";
}

export interface CategoricalColumn {
  name: string;
  index: number;
}

export interface Layout {
  task: Task;
  /** Every feature in the spec's order, which model.json and the ONNX inputs keep. */
  features: Array<{ name: string; kind: "numeric" | "categorical"; type: FeatureType }>;
  numeric: NumericColumn[];
  categorical: CategoricalColumn[];
  target: { name: string; index: number; type: ColumnType };
  columnCount: number;
}

export function resolveLayout(
  task: Task,
  target: string,
  features: readonly string[],
  columns: readonly ColumnSchema[],
): Layout {
  const indexOf = new Map(columns.map((c, i) => [c.name, i]));
  const targetIndex = indexOf.get(target);
  if (targetIndex === undefined) {
    throw new TrainingError(
      `target column "${target}" is not in the dataset (columns: ${columns.map((c) => c.name).join(", ")})`,
    );
  }
  const targetType = (columns[targetIndex] as ColumnSchema).type;
  if (task === "regression" && targetType !== "number" && targetType !== "integer") {
    throw new TrainingError(
      `regression needs a numeric target, but column "${target}" is ${targetType}; train a classifier instead`,
    );
  }
  if (features.length === 0) throw new TrainingError("no features: name at least one column");

  const layout: Layout = {
    task,
    features: [],
    numeric: [],
    categorical: [],
    target: { name: target, index: targetIndex, type: targetType },
    columnCount: columns.length,
  };
  const seen = new Set<string>();
  for (const name of features) {
    const index = indexOf.get(name);
    if (index === undefined)
      throw new TrainingError(`feature "${name}" is not a column of the dataset`);
    if (name === target)
      throw new TrainingError(`column "${name}" cannot be both the target and a feature`);
    if (seen.has(name)) throw new TrainingError(`feature "${name}" is listed twice`);
    seen.add(name);
    const column = columns[index] as ColumnSchema;
    if (column.type === "categorical") {
      if (column.tooManyValues) {
        throw new TrainingError(
          `feature "${name}" has too many distinct values to one-hot encode; leave it out of the features`,
        );
      }
      layout.categorical.push({ name, index });
      layout.features.push({ name, kind: "categorical", type: "string" });
    } else {
      layout.numeric.push({ name, index, type: column.type });
      layout.features.push({ name, kind: "numeric", type: column.type });
    }
  }
  return layout;
}

const TRUE = new Set(["true", "t", "yes", "y", "1"]);
const FALSE = new Set(["false", "f", "no", "n", "0"]);

/** One row's values: numeric features (NaN when missing), categories ("" when missing), target. */
export interface ParsedRow {
  numeric: Float64Array;
  categorical: string[];
  /** The class (classification) or the value (regression); undefined when the cell is empty. */
  target: string | number | undefined;
}

function numberOf(cell: string, type: ColumnType, where: () => string): number {
  const text = cell.trim();
  if (text === "") return Number.NaN;
  if (type === "boolean") {
    const lower = text.toLowerCase();
    if (TRUE.has(lower)) return 1;
    if (FALSE.has(lower)) return 0;
    throw new TrainingError(`${where()}: "${cell}" is not a boolean`);
  }
  const value = Number(text);
  if (!Number.isFinite(value))
    throw new TrainingError(`${where()}: "${cell}" is not a finite number`);
  return value;
}

/** Numeric class labels are written canonically, so "1" and "1.0" are one class. */
function classOf(cell: string, type: ColumnType, where: () => string): string | undefined {
  if (cell.trim() === "") return undefined;
  if (type === "number" || type === "integer") return String(numberOf(cell, type, where));
  return cell;
}

export class RowParser {
  readonly #layout: Layout;

  constructor(layout: Layout) {
    this.#layout = layout;
  }

  /** `row` is the 0-based data row, for messages. */
  parse(cells: readonly string[], row: number): ParsedRow {
    const layout = this.#layout;
    if (cells.length < layout.columnCount) {
      throw new TrainingError(
        `row ${row + 1} has ${cells.length} cells, expected ${layout.columnCount}`,
      );
    }
    const numeric = new Float64Array(layout.numeric.length);
    layout.numeric.forEach((column, i) => {
      numeric[i] = numberOf(
        cells[column.index] as string,
        column.type,
        () => `row ${row + 1}, column "${column.name}"`,
      );
    });
    const categorical = layout.categorical.map((column) => cells[column.index] as string);
    const { target } = layout;
    const where = () => `row ${row + 1}, target "${target.name}"`;
    const cell = cells[target.index] as string;
    let value: string | number | undefined;
    if (layout.task === "classification") value = classOf(cell, target.type, where);
    else {
      const n = numberOf(cell, target.type, where);
      value = Number.isNaN(n) ? undefined : n;
    }
    return { numeric, categorical, target: value };
  }
}

/** Classes in scikit-learn's order: numerically for a numeric target, else by string. */
export function sortClasses(classes: Iterable<string>, targetType: ColumnType): string[] {
  const list = [...classes];
  return targetType === "number" || targetType === "integer"
    ? list.sort((a, b) => Number(a) - Number(b))
    : list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
