/**
 * @module train/trainers/params
 * Each algorithm's parameters: names, defaults and bounds. Unknown names are refused rather than
 * ignored, because a misspelt `c` silently training with the default C is worse than an error.
 */
import { z } from "zod";
import { TrainingError } from "./errors.ts";

export const ALGORITHMS = [
  "logistic_regression",
  "linear_regression",
  "ridge",
  "gradient_boosting",
  "random_forest",
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export type Task = "classification" | "regression";

/** The tasks each algorithm does. */
export const TASKS_OF: Record<Algorithm, readonly Task[]> = {
  logistic_regression: ["classification"],
  linear_regression: ["regression"],
  ridge: ["regression"],
  gradient_boosting: ["classification", "regression"],
  random_forest: ["classification", "regression"],
};

const MiB = 1024 * 1024;

/** How the data is read, shared by every algorithm. */
const reading = {
  /** Force the streaming trainer (bounded memory, several passes over the data). */
  streaming: z.boolean().default(false),
  /** Above this many dataset bytes the streaming trainer is chosen automatically. */
  inMemoryMaxBytes: z
    .number()
    .int()
    .positive()
    .default(256 * MiB),
  /** A categorical feature with more distinct training values than this is refused. */
  maxCategories: z.number().int().positive().default(1000),
};

const logisticParams = z.strictObject({
  ...reading,
  /** Inverse L2 strength, scikit-learn's meaning: loss sum + ‖W‖² / (2C). */
  C: z.number().positive().finite().default(1),
  /** L-BFGS iterations (in memory), like scikit-learn's max_iter. */
  max_iter: z.number().int().positive().default(100),
  /** L-BFGS stops when the largest gradient component is at most this (scikit-learn's tol). */
  tol: z.number().positive().default(1e-4),
  /** Streaming only: passes of mini-batch Adam over the training rows. */
  epochs: z.number().int().positive().default(10),
  /** Streaming only: rows per Adam step. */
  batchSize: z.number().int().positive().default(256),
  /** Streaming only: Adam's step size at the start (it decays linearly to a tenth). */
  learningRate: z.number().positive().finite().default(0.01),
  /** Streaming only: rows held for shuffling, so sorted data still gives mixed batches. */
  shuffleBufferRows: z.number().int().positive().default(65536),
});

const linearParams = z.strictObject({ ...reading });

const ridgeParams = z.strictObject({
  ...reading,
  /** L2 strength, scikit-learn's meaning: ‖y − Xw − b‖² + alpha‖w‖². */
  alpha: z.number().min(0).finite().default(1),
});

/** A limit that may be switched off with null, as scikit-learn's None. */
const optionalLimit = (fallback: number | null) =>
  z.number().int().positive().nullable().default(fallback);

/** Both tree ensembles: how values are binned. The names are scikit-learn's. */
const treeParams = {
  maxCategories: reading.maxCategories,
  /** Value bins per numeric column (a missing value has its own besides). */
  max_bins: z.number().int().min(2).max(255).default(255),
  /** Fewest training rows in a leaf. */
  min_samples_leaf: z.number().int().positive(),
  /** Deepest split level; null for no limit. */
  max_depth: optionalLimit(null),
};

const boostingParams = z.strictObject({
  ...treeParams,
  min_samples_leaf: treeParams.min_samples_leaf.default(20),
  /**
   * Fewest training values a bin holds where a column has fewer distinct values than max_bins:
   * 1 as HistGradientBoosting, 3 as LightGBM's min_data_in_bin.
   */
  min_samples_bin: z.number().int().positive().default(1),
  /** Boosting rounds (one tree per score column each). */
  max_iter: z.number().int().positive().max(10_000).default(100),
  /** Shrinkage of every tree's leaf values. */
  learning_rate: z.number().positive().max(1).default(0.1),
  /** Most leaves per tree; null for no limit (then max_depth bounds the trees). */
  max_leaf_nodes: z.number().int().min(2).nullable().default(31),
  /** L2 penalty on leaf values. */
  l2_regularization: z.number().min(0).finite().default(0),
  /** "auto": on when the training side has more than 10,000 rows, as scikit-learn does. */
  early_stopping: z.union([z.literal("auto"), z.boolean()]).default("auto"),
  /** Share of the training rows held back to judge early stopping. */
  validation_fraction: z.number().gt(0).lt(1).default(0.1),
  /** Rounds without improvement before stopping. */
  n_iter_no_change: z.number().int().positive().default(10),
  /** How much the validation loss must improve to count. */
  tol: z.number().min(0).default(1e-7),
});

const forestParams = z.strictObject({
  ...treeParams,
  min_samples_leaf: treeParams.min_samples_leaf.default(1),
  /** Trees in the forest. */
  n_estimators: z.number().int().positive().max(10_000).default(100),
  /**
   * Columns each split considers: "sqrt" or "log2" of them, a share in (0, 1], or a count. The
   * default is scikit-learn's: "sqrt" for classification, all of them (1.0) for regression.
   */
  max_features: z.union([z.literal("sqrt"), z.literal("log2"), z.number().positive()]).optional(),
  /** Each tree learns from a bootstrap sample of the training rows. */
  bootstrap: z.boolean().default(true),
});

export type LogisticParams = z.infer<typeof logisticParams>;
export type LinearParams = z.infer<typeof linearParams> & { alpha: number };
export type BoostingParams = z.infer<typeof boostingParams>;
export type ForestParams = z.infer<typeof forestParams>;

/** The fit a trainer makes, with its validated parameters. */
export type FitChoice =
  | { kind: "logistic"; params: LogisticParams }
  | { kind: "linear"; params: LinearParams }
  | { kind: "boosting"; task: Task; params: BoostingParams }
  | { kind: "forest"; task: Task; params: ForestParams };

const SCHEMAS = {
  logistic_regression: logisticParams,
  linear_regression: linearParams,
  ridge: ridgeParams,
  gradient_boosting: boostingParams,
  random_forest: forestParams,
} as const;

function describe(algorithm: Algorithm, error: z.ZodError): string {
  const known = Object.keys(SCHEMAS[algorithm].shape).join(", ");
  return error.issues
    .map((issue) => {
      if (issue.code === "unrecognized_keys") {
        const keys = issue.keys.map((k) => `"${k}"`).join(", ");
        return `unknown parameter${issue.keys.length > 1 ? "s" : ""} ${keys} for ${algorithm} (known: ${known})`;
      }
      return `parameter ${issue.path.join(".") || "params"}: ${issue.message}`;
    })
    .join("; ");
}

function parse<T>(algorithm: Algorithm, params: unknown): T {
  const result = SCHEMAS[algorithm].safeParse(params ?? {});
  if (!result.success) throw new TrainingError(describe(algorithm, result.error));
  return result.data as T;
}

export function logisticParamsOf(params: unknown): LogisticParams {
  return parse<LogisticParams>("logistic_regression", params);
}

/** Linear regression is ridge with alpha 0: the same normal equations, no penalty. */
export function linearParamsOf(
  algorithm: "linear_regression" | "ridge",
  params: unknown,
): LinearParams {
  const parsed = parse<z.infer<typeof linearParams> & { alpha?: number }>(algorithm, params);
  return { ...parsed, alpha: parsed.alpha ?? 0 };
}

/** The fit `algorithm` makes for `task` with `params` validated; a TrainingError names what is wrong. */
export function fitChoiceOf(algorithm: Algorithm, params: unknown, task: Task): FitChoice {
  switch (algorithm) {
    case "logistic_regression":
      return { kind: "logistic", params: logisticParamsOf(params) };
    case "gradient_boosting":
      return { kind: "boosting", task, params: parse<BoostingParams>(algorithm, params) };
    case "random_forest": {
      const parsed = parse<ForestParams>(algorithm, params);
      const m = parsed.max_features;
      if (typeof m === "number" && m > 1 && !Number.isInteger(m)) {
        throw new TrainingError(
          `parameter max_features: ${m} is neither a share in (0, 1] nor a whole number of columns`,
        );
      }
      return { kind: "forest", task, params: parsed };
    }
    default:
      return { kind: "linear", params: linearParamsOf(algorithm, params) };
  }
}

/** Columns each forest split considers, out of `width` design columns. */
export function forestFeatures(params: ForestParams, task: Task, width: number): number {
  const m = params.max_features ?? (task === "classification" ? "sqrt" : 1);
  const count =
    m === "sqrt" ? Math.sqrt(width) : m === "log2" ? Math.log2(width) : m <= 1 ? m * width : m;
  return Math.min(width, Math.max(1, Math.floor(count)));
}

/** The fits of the linear trainers (in-memory.ts, streaming.ts). */
export type LinearFit = Extract<FitChoice, { kind: "logistic" | "linear" }>;
export type TreeFit = Extract<FitChoice, { kind: "boosting" | "forest" }>;

/** Whether the trees are the fit: they read raw values and are exported as tree ensembles. */
export const isTreeFit = (fit: FitChoice): fit is TreeFit =>
  fit.kind === "boosting" || fit.kind === "forest";
