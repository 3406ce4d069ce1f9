/**
 * @module train/trainers/streaming
 * The trainer for datasets larger than memory. It never holds the rows: it reads them several
 * times through the row source, and its memory depends on the number of design columns only.
 *
 * - pass 1: split, preprocessing statistics, classes, counts;
 * - linear and ridge: pass 2 accumulates XᵀX and Xᵀy (exact: the same model as in memory);
 * - logistic regression: `epochs` passes of mini-batch Adam on the same objective, rows mixed
 *   by a shuffle buffer, the weights averaged over the last epoch to even out the batch noise;
 * - a last pass computes the metrics.
 */

import { Adam } from "./adam.ts";
import type { ParsedRow } from "./columns.ts";
import { Evaluator, linearPredictor } from "./evaluate.ts";
import { addLossAndGradient, finishObjective, logisticShape } from "./logistic.ts";
import { type FittedModel, modelFromSolution, modelFromTheta } from "./model.ts";
import { NormalEquations } from "./normal-equations.ts";
import type { LinearFit, LinearParams, LogisticParams } from "./params.ts";
import { labelledRows, type PassSettings, type RowSource } from "./passes.ts";
import { DesignEncoder, PreprocessorFit } from "./preprocessor.ts";
import type { Progress, Stage } from "./progress.ts";
import { hashInts, Rng } from "./random.ts";
import { ShuffleBuffer } from "./shuffle-buffer.ts";
import { ClassCollector, type Classes, checkClasses, checkRows } from "./targets.ts";
import type { Trained } from "./trained.ts";

/** The shuffle buffer's share of memory, whatever shuffleBufferRows asks for. */
const SHUFFLE_BUFFER_BYTES = 64 * 1024 * 1024;

interface Survey {
  encoder: DesignEncoder;
  prep: ReturnType<PreprocessorFit["finish"]>;
  classes: Classes | undefined;
  trainRows: number;
  testRows: number;
  /** Mean target of the training rows (regression). */
  targetMean: number;
}

async function survey(
  settings: PassSettings,
  rows: RowSource,
  stage: Stage,
  maxCategories: number,
): Promise<Survey> {
  const fit = new PreprocessorFit(settings.layout, maxCategories);
  const all = new ClassCollector(settings.layout);
  const trainCounts = new Map<string, number>();
  let trainRows = 0;
  let testRows = 0;
  let targetMean = 0;
  for await (const { row, test } of labelledRows(settings, rows, stage)) {
    if (typeof row.target === "string") all.add(row.target);
    if (test) {
      testRows++;
      continue;
    }
    trainRows++;
    fit.add(row);
    if (typeof row.target === "string")
      trainCounts.set(row.target, (trainCounts.get(row.target) ?? 0) + 1);
    else targetMean += ((row.target as number) - targetMean) / trainRows;
  }
  checkRows(settings.layout, trainRows + testRows, trainRows);
  const classes =
    settings.layout.task === "classification"
      ? checkClasses(settings.layout, all.seen, trainCounts)
      : undefined;
  const prep = fit.finish();
  return { encoder: new DesignEncoder(prep), prep, classes, trainRows, testRows, targetMean };
}

function targetOf(row: ParsedRow, classes: Classes | undefined): number {
  return classes ? (classes.index.get(row.target as string) as number) : (row.target as number);
}

async function fitLinear(
  settings: PassSettings,
  rows: RowSource,
  s: Survey,
  params: LinearParams,
  stage: Stage,
): Promise<FittedModel> {
  const width = s.encoder.width;
  const x = new Float64Array(width);
  const equations = new NormalEquations(width, s.targetMean);
  for await (const { row, test } of labelledRows(settings, rows, stage)) {
    if (test) continue;
    s.encoder.encode(row, x);
    equations.add(x, 0, row.target as number);
  }
  return modelFromSolution(width, equations.solve(params.alpha));
}

async function fitLogistic(
  settings: PassSettings,
  rows: RowSource,
  s: Survey,
  params: LogisticParams,
  stages: (epoch: number) => Stage,
): Promise<FittedModel> {
  const classes = s.classes as Classes;
  const width = s.encoder.width;
  const shape = logisticShape(width, classes.names.length);
  const size = (width + 1) * shape.outputs;
  const theta = new Float64Array(size);
  const average = new Float64Array(size);
  const gradient = new Float64Array(size);
  const adam = new Adam(size);
  const l2 = 1 / (params.C * s.trainRows);

  const batchX = new Float64Array(params.batchSize * width);
  const batchY = new Int32Array(params.batchSize);
  let batchRows = 0;
  const stepsPerEpoch = Math.ceil(s.trainRows / params.batchSize);
  const totalSteps = stepsPerEpoch * params.epochs;
  let steps = 0;
  let averaged = 0;
  let lastEpoch = false;

  const step = () => {
    gradient.fill(0);
    const loss = addLossAndGradient(shape, theta, batchX, batchY, batchRows, gradient);
    finishObjective(shape, theta, loss, gradient, batchRows, l2);
    // Linear decay to a tenth: large steps early, small ones to settle at the end.
    adam.step(theta, gradient, params.learningRate * (1 - (0.9 * steps) / totalSteps));
    steps++;
    batchRows = 0;
    if (lastEpoch) {
      averaged++;
      for (let i = 0; i < size; i++)
        average[i] =
          (average[i] as number) + ((theta[i] as number) - (average[i] as number)) / averaged;
    }
  };
  const emit = (x: Float64Array, offset: number, target: number) => {
    batchX.set(x.subarray(offset, offset + width), batchRows * width);
    batchY[batchRows++] = target;
    if (batchRows === params.batchSize) step();
  };

  const capacity = Math.max(
    1,
    Math.min(params.shuffleBufferRows, Math.floor(SHUFFLE_BUFFER_BYTES / (8 * (width + 1)))),
  );
  const buffer = new ShuffleBuffer(capacity, width);
  const x = new Float64Array(width);
  for (let epoch = 0; epoch < params.epochs; epoch++) {
    lastEpoch = epoch === params.epochs - 1;
    const rng = new Rng(hashInts(settings.seed, epoch, 3));
    for await (const { row, test } of labelledRows(settings, rows, stages(epoch))) {
      if (test) continue;
      s.encoder.encode(row, x);
      buffer.offer(x, targetOf(row, classes), rng, emit);
    }
    buffer.drain(rng, emit);
    if (batchRows > 0) step();
  }
  return modelFromTheta(averaged > 0 ? average : theta, width, shape.outputs, shape.link);
}

async function evaluate(
  settings: PassSettings,
  rows: RowSource,
  s: Survey,
  model: FittedModel,
  stage: Stage,
) {
  const evaluator = new Evaluator(linearPredictor(model), s.classes?.names.length);
  const x = new Float64Array(s.encoder.width);
  for await (const { row, test } of labelledRows(settings, rows, stage)) {
    s.encoder.encode(row, x);
    evaluator.add(x, 0, targetOf(row, s.classes), test);
  }
  return evaluator.finish();
}

export async function trainStreaming(
  settings: PassSettings,
  rows: RowSource,
  progress: Progress,
  algorithm: LinearFit,
): Promise<Trained> {
  const fitting = algorithm.kind === "logistic" ? algorithm.params.epochs : 1;
  const passes = fitting + 2;
  const stageOf = (pass: number, message: string) =>
    progress.stage(pass / passes, (pass + 1) / passes, message);

  const s = await survey(
    settings,
    rows,
    stageOf(0, "pass 1: statistics and split"),
    algorithm.params.maxCategories,
  );
  const model =
    algorithm.kind === "logistic"
      ? await fitLogistic(settings, rows, s, algorithm.params, (epoch) =>
          stageOf(1 + epoch, `pass ${2 + epoch}: epoch ${epoch + 1} of ${fitting} (Adam)`),
        )
      : await fitLinear(
          settings,
          rows,
          s,
          algorithm.params,
          stageOf(1, "pass 2: accumulating XᵀX and Xᵀy"),
        );
  const { metrics, confusionMatrix } = await evaluate(
    settings,
    rows,
    s,
    model,
    stageOf(passes - 1, `pass ${passes}: metrics`),
  );
  return {
    kind: "linear",
    prep: s.prep,
    model,
    classes: s.classes?.names,
    metrics,
    confusionMatrix,
    trainRows: s.trainRows,
    testRows: s.testRows,
  };
}
