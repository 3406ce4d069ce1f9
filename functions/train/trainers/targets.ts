/**
 * @module train/trainers/targets
 * Checks on what the target column holds, shared by both trainers, so that a run which cannot
 * produce a useful model fails with the reason instead of training one.
 */
import type { Layout } from "./columns.ts";
import { sortClasses } from "./columns.ts";
import { TrainingError } from "./errors.ts";

/** More classes than this is almost always a wrong target (an id, a continuous number). */
const MAX_CLASSES = 1000;

export interface Classes {
  /** Sorted as scikit-learn sorts them: the order of the probability columns. */
  names: string[];
  index: Map<string, number>;
}

function quoteList(values: readonly string[], limit = 5): string {
  const shown = values.slice(0, limit).map((v) => JSON.stringify(v));
  return values.length > limit ? `${shown.join(", ")}, …` : shown.join(", ");
}

/**
 * Collects the distinct classes while reading, failing as soon as there are too many rather
 * than holding millions of distinct values of a column that is not a class at all.
 */
export class ClassCollector {
  readonly seen = new Set<string>();
  readonly #layout: Layout;

  constructor(layout: Layout) {
    this.#layout = layout;
  }

  add(name: string): void {
    if (this.seen.has(name)) return;
    this.seen.add(name);
    if (this.seen.size > MAX_CLASSES)
      throw tooManyClasses(this.#layout, `more than ${MAX_CLASSES}`);
  }
}

function tooManyClasses(layout: Layout, count: string): TrainingError {
  return new TrainingError(
    `the target "${layout.target.name}" has ${count} classes (at most ${MAX_CLASSES}); is it an id, or a number to predict with regression?`,
  );
}

export function checkRows(layout: Layout, labelled: number, train: number): void {
  const target = layout.target.name;
  if (labelled === 0) {
    throw new TrainingError(`the dataset has no rows with a value for the target "${target}"`);
  }
  if (train === 0) {
    throw new TrainingError(
      `no rows are left for training after the test split (${labelled} rows with a target)`,
    );
  }
  if (layout.task === "regression" && train < 2) {
    throw new TrainingError(`regression needs at least 2 training rows, found ${train}`);
  }
}

/** `counts`: rows per class in the training split; `all`: every class seen anywhere. */
export function checkClasses(
  layout: Layout,
  all: Iterable<string>,
  trainCounts: Map<string, number>,
): Classes {
  const names = sortClasses(all, layout.target.type);
  const target = layout.target.name;
  if (names.length < 2) {
    throw new TrainingError(
      `the target "${target}" has only one class (${quoteList(names)}); a classifier needs at least two`,
    );
  }
  if (names.length > MAX_CLASSES) throw tooManyClasses(layout, String(names.length));
  const trained = names.filter((n) => (trainCounts.get(n) ?? 0) > 0);
  if (trained.length < 2) {
    throw new TrainingError(
      `the training split holds only one class of "${target}" (${quoteList(trained)}); use more rows or a smaller testFraction`,
    );
  }
  return { names, index: new Map(names.map((n, i) => [n, i])) };
}
