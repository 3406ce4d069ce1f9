/**
 * @module train/runs/plan
 * Turns a run request into a complete, checked plan before anything is queued: the dataset
 * version exists, the columns exist, the task fits the target, the target has at least two
 * classes, the parameters are known, and a model name that has versions keeps its target, task
 * and features unless the request says `replace`. A request that cannot succeed is refused up
 * front (400, 404 or 409) instead of becoming a failed run.
 */
import { z } from "zod";
import { InvalidRequestError, NotFoundError } from "../../lib/errors.ts";
import { isJsonObject } from "../../lib/json-object.ts";
import { NAME_PATTERN, VERSION_PATTERN } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { latestDatasetVersion, readDatasetRecord } from "../datasets/catalogue.ts";
import { type ColumnSchema, type DatasetRecord, isNumeric } from "../datasets/schema.ts";
import { resolveLayout } from "../trainers/columns.ts";
import { TrainingError } from "../trainers/errors.ts";
import { ALGORITHMS, type Algorithm, fitChoiceOf, TASKS_OF } from "../trainers/params.ts";
import { checkModelContinuity } from "./model-continuity.ts";

export const runRequestSchema = z.object({
  dataset: z.string().regex(NAME_PATTERN, "must be a dataset name"),
  datasetVersion: z.string().regex(VERSION_PATTERN, "must be a version number").optional(),
  model: z.string().regex(NAME_PATTERN, "must be a model name (a DNS label)"),
  target: z.string().min(1),
  features: z.array(z.string().min(1)).min(1).optional(),
  task: z.enum(["classification", "regression"]).optional(),
  algorithm: z.enum(ALGORITHMS).optional(),
  // Checked in place (see lib/json-object), so a "__proto__" parameter is refused as unknown.
  params: z
    .custom<Record<string, unknown>>(isJsonObject, "must be an object of parameters")
    .meta({ type: "object", additionalProperties: {} })
    .default({}),
  testFraction: z.number().min(0.05).max(0.5).default(0.2),
  seed: z.number().int().min(0).default(42),
  /**
   * Lets the run change the target, task or features of a model name that has versions: without
   * it such a run is refused, since it would change what unpinned callers get.
   */
  replace: z.boolean().default(false),
});

export type RunRequest = z.infer<typeof runRequestSchema>;

export interface RunPlan {
  model: string;
  dataset: string;
  datasetVersion: string;
  target: string;
  features: string[];
  task: "classification" | "regression";
  algorithm: Algorithm;
  params: Record<string, unknown>;
  testFraction: number;
  seed: number;
}

function column(dataset: DatasetRecord, name: string): ColumnSchema {
  const found = dataset.columns.find((c) => c.name === name);
  if (!found) {
    throw new InvalidRequestError(
      `dataset ${dataset.name} version ${dataset.version} has no column "${name}" (columns: ${dataset.columns.map((c) => c.name).join(", ")})`,
    );
  }
  return found;
}

function taskFor(target: ColumnSchema, requested: RunRequest["task"]): RunPlan["task"] {
  const numeric = isNumeric(target.type);
  const task = requested ?? (numeric ? "regression" : "classification");
  if (task === "regression" && !numeric) {
    throw new InvalidRequestError(
      `target "${target.name}" is ${target.type}; regression needs a numeric target`,
    );
  }
  if (task === "classification") {
    if (target.values === undefined) {
      throw new InvalidRequestError(
        `target "${target.name}" has too many distinct values to be classes`,
      );
    }
    if (target.values.length < 2) {
      throw new InvalidRequestError(
        `target "${target.name}" has only one class (${target.values[0] ?? "none"}); classification needs at least two`,
      );
    }
  }
  return task;
}

export async function planRun(store: ObjectStore, request: RunRequest): Promise<RunPlan> {
  const datasetVersion =
    request.datasetVersion ?? (await latestDatasetVersion(store, request.dataset));
  if (datasetVersion === undefined)
    throw new NotFoundError(`dataset ${request.dataset} does not exist`);
  const dataset = await readDatasetRecord(store, request.dataset, datasetVersion);
  const target = column(dataset, request.target);
  const features =
    request.features ?? dataset.columns.map((c) => c.name).filter((n) => n !== request.target);
  for (const f of features) column(dataset, f);
  if (features.includes(request.target))
    throw new InvalidRequestError(`the target "${request.target}" cannot also be a feature`);
  if (new Set(features).size !== features.length)
    throw new InvalidRequestError("features lists a column twice");
  if (features.length === 0)
    throw new InvalidRequestError("there are no feature columns besides the target");
  const task = taskFor(target, request.task);
  const algorithm =
    request.algorithm ?? (task === "classification" ? "logistic_regression" : "linear_regression");
  if (!TASKS_OF[algorithm].includes(task)) {
    throw new InvalidRequestError(`algorithm ${algorithm} does not do ${task}`);
  }
  try {
    fitChoiceOf(algorithm, request.params, task);
  } catch (error) {
    if (error instanceof TrainingError) throw new InvalidRequestError(`params: ${error.message}`);
    throw error;
  }
  // The features as the trained model will declare them, types included.
  let layout: ReturnType<typeof resolveLayout>;
  try {
    layout = resolveLayout(task, request.target, features, dataset.columns);
  } catch (error) {
    if (error instanceof TrainingError) throw new InvalidRequestError(error.message);
    throw error;
  }
  await checkModelContinuity(
    store,
    { model: request.model, task, target: request.target, features: layout.features },
    request.replace,
  );
  return {
    model: request.model,
    dataset: request.dataset,
    datasetVersion,
    target: request.target,
    features,
    task,
    algorithm,
    params: request.params,
    testFraction: request.testFraction,
    seed: request.seed,
  };
}
