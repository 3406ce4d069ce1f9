/**
 * @module train/trainers/columns
 * What a training spec asks of the dataset's columns, checked once: where the target and each
 * feature sit in a row, which features are numeric and which categorical, and how one row's
 * cells become numbers, categories and a target.
 */
import type { Field } from "../datasets/csv.ts";
import { type ColumnSchema, type ColumnType, isNumeric } from "../datasets/schema.ts";
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
  if (task === "regression" && !isNumeric(targetType)) {
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

/**
 * One row's values: numeric features (NaN when missing), categories ("" when missing), target.
 * The parser hands out the same object for every row, overwritten by the next parse: a million
 * rows would otherwise mean a million typed arrays to allocate and collect. Copy what you keep.
 */
export interface ParsedRow {
  numeric: Float64Array;
  categorical: string[];
  /** The class (classification) or the value (regression); undefined when the cell is empty. */
  target: string | number | undefined;
}

/** Trim's whitespace, which is also what Number() ignores around a number. */
function isBlank(cell: string): boolean {
  return cell.trim() === "";
}

/** Where a bad cell is, built only when there is one to report. */
function cellName(row: number, column: string, target: boolean): string {
  return `row ${row + 1}, ${target ? "target" : "column"} "${column}"`;
}

/**
 * A cell as a number, NaN when empty; undefined when it is not a valid one, for the caller to
 * report with the row and column (passing those in would cost a closure or a string per cell).
 */
function numberOf(cell: string, type: ColumnType): number | undefined {
  if (type === "boolean") {
    const text = cell.trim().toLowerCase();
    if (text === "") return Number.NaN;
    if (TRUE.has(text)) return 1;
    if (FALSE.has(text)) return 0;
    return undefined;
  }
  // Number() skips surrounding whitespace itself, so no trim(); but it also reads a blank cell
  // as 0, hence the check, needed only when the result is 0.
  const value = Number(cell);
  if (value === 0 && isBlank(cell)) return Number.NaN;
  return Number.isFinite(value) ? value : undefined;
}

/** A cell the source may have read as a number already. */
function numberOfField(cell: Field, type: ColumnType): number | undefined {
  return typeof cell === "number" ? cell : numberOf(cell, type);
}

function invalid(cell: Field, type: ColumnType, where: string): TrainingError {
  const what = type === "boolean" ? "a boolean" : "a finite number";
  return new TrainingError(`${where}: "${cell}" is not ${what}`);
}

export class RowParser {
  readonly #layout: Layout;
  /** The layout's numeric columns unpacked into arrays, read once per cell. */
  readonly #indices: Int32Array;
  readonly #types: ColumnType[];
  readonly #row: ParsedRow;
  readonly #numericTarget: boolean;
  /** The columns read as numbers: numeric features, and the target when it is numeric. */
  readonly numberColumns: readonly number[];

  constructor(layout: Layout) {
    this.#layout = layout;
    this.#indices = Int32Array.from(layout.numeric, (c) => c.index);
    this.#types = layout.numeric.map((c) => c.type);
    this.#row = {
      numeric: new Float64Array(layout.numeric.length),
      categorical: layout.categorical.map(() => ""),
      target: undefined,
    };
    const target = layout.target;
    this.#numericTarget = isNumeric(target.type);
    this.numberColumns = [...this.#indices, ...(this.#numericTarget ? [target.index] : [])];
  }

  /** `row` is the 0-based data row, for messages. The result is valid until the next call. */
  parse(cells: readonly Field[], row: number): ParsedRow {
    const layout = this.#layout;
    if (cells.length < layout.columnCount) {
      throw new TrainingError(
        `row ${row + 1} has ${cells.length} cells, expected ${layout.columnCount}`,
      );
    }
    const out = this.#row;
    const indices = this.#indices;
    const types = this.#types;
    const numeric = out.numeric;
    for (let i = 0; i < indices.length; i++) {
      const cell = cells[indices[i] as number] as Field;
      const value = numberOfField(cell, types[i] as ColumnType);
      if (value === undefined) {
        const column = layout.numeric[i] as NumericColumn;
        throw invalid(cell, column.type, cellName(row, column.name, false));
      }
      numeric[i] = value;
    }
    const categorical = layout.categorical;
    for (let i = 0; i < categorical.length; i++)
      out.categorical[i] = String(cells[(categorical[i] as CategoricalColumn).index]);
    out.target = this.#target(cells[layout.target.index] as Field, row);
    return out;
  }

  #target(cell: Field, row: number): string | number | undefined {
    const { task, target } = this.#layout;
    // A categorical class is kept as written, but a blank one is no class.
    if (task === "classification" && !this.#numericTarget) {
      return typeof cell === "string" && isBlank(cell) ? undefined : String(cell);
    }
    const value = numberOfField(cell, target.type);
    if (value === undefined) throw invalid(cell, target.type, cellName(row, target.name, true));
    if (Number.isNaN(value)) return undefined;
    // Numeric class labels are written canonically, so "1" and "1.0" are one class.
    return task === "classification" ? String(value) : value;
  }
}

/** Classes in scikit-learn's order: numerically for a numeric target, else by string. */
export function sortClasses(classes: Iterable<string>, targetType: ColumnType): string[] {
  const list = [...classes];
  return isNumeric(targetType)
    ? list.sort((a, b) => Number(a) - Number(b))
    : list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
