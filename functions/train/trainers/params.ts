/**
 * @module train/trainers/params
 * Each algorithm's parameters: names, defaults and bounds. Unknown names are refused rather than
 * ignored, because a misspelt `c` silently training with the default C is worse than an error.
 */
import { z } from "zod";
import { TrainingError } from "./errors.ts";

export const ALGORITHMS = ["logistic_regression", "linear_regression", "ridge"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** The task each algorithm does. */
export const TASK_OF: Record<Algorithm, "classification" | "regression"> = {
  logistic_regression: "classification",
  linear_regression: "regression",
  ridge: "regression",
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

export type LogisticParams = z.infer<typeof logisticParams>;
export type LinearParams = z.infer<typeof linearParams> & { alpha: number };

/** The fit a trainer makes, with its validated parameters. */
export type FitChoice =
  | { kind: "logistic"; params: LogisticParams }
  | { kind: "linear"; params: LinearParams };

const SCHEMAS = {
  logistic_regression: logisticParams,
  linear_regression: linearParams,
  ridge: ridgeParams,
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

/** The fit `algorithm` makes with `params` validated; a TrainingError names what is wrong. */
export function fitChoiceOf(algorithm: Algorithm, params: unknown): FitChoice {
  return algorithm === "logistic_regression"
    ? { kind: "logistic", params: logisticParamsOf(params) }
    : { kind: "linear", params: linearParamsOf(algorithm, params) };
}
