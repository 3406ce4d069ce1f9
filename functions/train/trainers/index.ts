/**
 * @module train/trainers
 * Trains a model on a dataset and returns it as ONNX plus its model.json record (without the
 * sha256, which the caller adds over the bytes it stores).
 *
 * The ONNX model takes raw feature values, one input per feature named like it, and does its
 * own imputation, standardization and one-hot encoding, so serve's named-feature API feeds it
 * directly. Datasets above `params.inMemoryMaxBytes` (or with `params.streaming`) are trained
 * by the streaming trainer in bounded memory; the rest in memory.
 */
import type { ModelFeature } from "../../lib/storage/model-record.ts";
import type { ColumnSchema } from "../datasets/schema.ts";
import { exportLinearModel, type Head } from "../onnx/linear-model.ts";
import { exportTreeEnsemble } from "../onnx/tree-ensemble.ts";
import { trainTrees } from "../trees/train-trees.ts";
import { type Layout, resolveLayout } from "./columns.ts";
import { TrainingError } from "./errors.ts";
import { trainInMemory } from "./in-memory.ts";
import { ALGORITHMS, type Algorithm, fitChoiceOf, isTreeFit, TASKS_OF } from "./params.ts";
import { labelledRows, type PassSettings, type RowSource } from "./passes.ts";
import { Progress } from "./progress.ts";
import { trainStreaming } from "./streaming.ts";
import type { Trained, TreeTraining } from "./trained.ts";

export { TrainingError } from "./errors.ts";
export type { RowSource } from "./passes.ts";

export interface TrainSpec {
  task: "classification" | "regression";
  target: string;
  /** Column names, in the order model.json will list them. */
  features: string[];
  /** From dataset.json: every column of the CSV, in header order. */
  columns: ColumnSchema[];
  algorithm: Algorithm;
  /** Algorithm parameters (see params.ts); an unknown name is an error. */
  params: Record<string, unknown>;
  /** Share of the rows held out for the metrics, 0 to 0.5. */
  testFraction: number;
  seed: number;
  /** Size of the CSV: chooses the trainer and measures progress. */
  datasetBytes: number;
}

export interface TrainedRecord {
  task: "classification" | "regression";
  features: Array<Required<ModelFeature>>;
  target: string;
  classes?: string[];
  metrics: Record<string, number>;
  /** Held-out rows: rows are true classes, columns predicted ones, both in `classes` order. */
  confusionMatrix?: number[][];
  outputs: { label?: string; probabilities?: string; value?: string };
  /** How the model was trained, for the reader of model.json. */
  training: {
    algorithm: Algorithm;
    mode: "in-memory" | "streaming";
    params: Record<string, unknown>;
  } & Partial<TreeTraining>;
}

export interface TrainResult {
  onnx: Uint8Array;
  record: TrainedRecord;
  trainRows: number;
  testRows: number;
}

function checkSpec(spec: TrainSpec): void {
  const tasks = TASKS_OF[spec.algorithm];
  if (tasks === undefined) {
    throw new TrainingError(
      `unknown algorithm "${spec.algorithm}" (known: ${ALGORITHMS.join(", ")})`,
    );
  }
  if (!tasks.includes(spec.task)) {
    throw new TrainingError(
      `${spec.algorithm} is a ${tasks.join(" and ")} algorithm, but the task is ${spec.task}`,
    );
  }
  if (!(spec.testFraction >= 0 && spec.testFraction <= 0.5)) {
    throw new TrainingError(`testFraction must be between 0 and 0.5, got ${spec.testFraction}`);
  }
  if (!Number.isSafeInteger(spec.seed))
    throw new TrainingError(`seed must be an integer, got ${spec.seed}`);
}

/** `base`, or `base_`, `base__` … when a feature already has that name (inputs and outputs share names). */
function outputName(base: string, taken: ReadonlySet<string>): string {
  let name = base;
  while (taken.has(name)) name += "_";
  return name;
}

function settingsOf(spec: TrainSpec): PassSettings {
  return {
    layout: resolveLayout(spec.task, spec.target, spec.features, spec.columns),
    seed: spec.seed,
    testFraction: spec.testFraction,
    datasetBytes: spec.datasetBytes,
  };
}

function resultOf(
  spec: TrainSpec,
  layout: Layout,
  trained: Trained,
  training: TrainedRecord["training"],
): TrainResult {
  const taken = new Set(spec.features);
  const head: Head =
    spec.task === "classification"
      ? {
          task: "classification",
          link: trained.model.link === "sigmoid" ? "sigmoid" : "softmax",
          classes: trained.classes as string[],
          outputNames: {
            probabilities: outputName("probabilities", taken),
            label: outputName("label", taken),
          },
        }
      : { task: "regression", outputNames: { value: outputName("value", taken) } };
  const graphName = `skiff_${spec.algorithm}`;
  const onnx =
    trained.kind === "trees"
      ? exportTreeEnsemble(trained.prep, trained.model, head, graphName)
      : exportLinearModel(trained.prep, trained.model, head, graphName);
  const record: TrainedRecord = {
    task: spec.task,
    features: layout.features.map((f) => ({ name: f.name, type: f.type, nullable: true })),
    target: spec.target,
    ...(trained.classes ? { classes: trained.classes } : {}),
    metrics: trained.metrics,
    ...(trained.confusionMatrix ? { confusionMatrix: trained.confusionMatrix } : {}),
    outputs: head.outputNames,
    training,
  };
  return { onnx, record, trainRows: trained.trainRows, testRows: trained.testRows };
}

/**
 * `rows(numbers)` starts a fresh pass over the data rows (header excluded), each an array of
 * cells aligned with `columns`: text, "" meaning missing, though cells of the `numbers` columns
 * may come as numbers already. The streaming trainer calls it several times.
 */
export async function train(
  spec: TrainSpec,
  rows: RowSource,
  onProgress: (fraction: number, message: string) => void,
): Promise<TrainResult> {
  checkSpec(spec);
  const algorithm = fitChoiceOf(spec.algorithm, spec.params, spec.task);
  const settings = settingsOf(spec);
  const progress = new Progress(onProgress);
  const streaming =
    !isTreeFit(algorithm) &&
    (algorithm.params.streaming || spec.datasetBytes > algorithm.params.inMemoryMaxBytes);
  const trained = isTreeFit(algorithm)
    ? await trainTrees(settings, rows, progress, algorithm)
    : streaming
      ? await trainStreaming(settings, rows, progress, algorithm)
      : await trainInMemory(settings, rows, progress, algorithm);
  const result = resultOf(spec, settings.layout, trained, {
    algorithm: spec.algorithm,
    mode: streaming ? "streaming" : "in-memory",
    params: { ...algorithm.params },
    ...(trained.kind === "trees" ? trained.trees : {}),
  });
  progress.report(1, `trained on ${trained.trainRows} rows, evaluated on ${trained.testRows}`);
  return result;
}

/**
 * Which data rows (0-based, header excluded) the trainers put on each side of the split for
 * `spec`; rows without a target are on neither. For comparing with other tools on the same rows.
 */
export async function splitIndices(
  spec: TrainSpec,
  rows: RowSource,
): Promise<{ train: number[]; test: number[] }> {
  const sides = { train: [] as number[], test: [] as number[] };
  for await (const { test, index } of labelledRows(settingsOf(spec), rows)) {
    (test ? sides.test : sides.train).push(index);
  }
  return sides;
}
