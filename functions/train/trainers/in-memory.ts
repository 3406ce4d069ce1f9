/**
 * @module train/trainers/in-memory
 * The trainer for datasets that fit in memory: one pass reads and splits the rows, the
 * preprocessing is fitted on the training side, the design matrix is built, and the model is
 * solved exactly: L-BFGS to convergence for logistic regression, the normal equations for
 * linear and ridge regression.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Evaluator } from "./evaluate.ts";
import { minimize } from "./lbfgs.ts";
import { addLossAndGradient, finishObjective, type LogisticShape } from "./logistic.ts";
import { type FittedModel, modelFromTheta } from "./model.ts";
import { NormalEquations } from "./normal-equations.ts";
import type { LinearParams, LogisticParams } from "./params.ts";
import { labelledRows, type PassSettings, type RowSource } from "./passes.ts";
import { DesignEncoder, PreprocessorFit } from "./preprocessor.ts";
import type { Progress } from "./progress.ts";
import { RowStore } from "./row-store.ts";
import { ClassCollector, type Classes, checkClasses, checkRows } from "./targets.ts";
import type { Trained } from "./trained.ts";

interface Design {
  encoder: DesignEncoder;
  x: Float64Array;
  /** Class index (classification) per row of x. */
  classes: Int32Array;
  /** Target value (regression) per row of x. */
  values: Float64Array;
  rows: number;
}

/** The rows of one side of the split as a design matrix. */
function designOf(
  store: RowStore,
  encoder: DesignEncoder,
  test: boolean,
  classes?: Classes,
): Design {
  const indices: number[] = [];
  for (let i = 0; i < store.rows; i++) if (store.isTest(i) === test) indices.push(i);
  const width = encoder.width;
  const design: Design = {
    encoder,
    x: new Float64Array(indices.length * width),
    classes: new Int32Array(classes ? indices.length : 0),
    values: new Float64Array(classes ? 0 : indices.length),
    rows: indices.length,
  };
  indices.forEach((i, r) => {
    const row = store.row(i);
    encoder.encode(row, design.x, r * width);
    if (classes) design.classes[r] = classes.index.get(row.target as string) as number;
    else design.values[r] = row.target as number;
  });
  return design;
}

async function read(
  settings: PassSettings,
  rows: RowSource,
  progress: Progress,
  maxCategories: number,
) {
  const store = new RowStore(settings.layout);
  const fit = new PreprocessorFit(settings.layout, maxCategories);
  const trainCounts = new Map<string, number>();
  let train = 0;
  const stage = progress.stage(0, 0.3, "reading rows");
  const seen = new ClassCollector(settings.layout);
  for await (const { row, test } of labelledRows(settings, rows, stage)) {
    if (typeof row.target === "string") seen.add(row.target);
    store.add(row, test);
    if (test) continue;
    train++;
    fit.add(row);
    if (typeof row.target === "string")
      trainCounts.set(row.target, (trainCounts.get(row.target) ?? 0) + 1);
  }
  checkRows(settings.layout, store.rows, train);
  const classes =
    settings.layout.task === "classification"
      ? checkClasses(settings.layout, seen.seen, trainCounts)
      : undefined;
  const prep = fit.finish();
  const encoder = new DesignEncoder(prep);
  return {
    prep,
    classes,
    train: designOf(store, encoder, false, classes),
    test: designOf(store, encoder, true, classes),
  };
}

async function fitLogistic(
  design: Design,
  classes: Classes,
  params: LogisticParams,
  progress: Progress,
): Promise<FittedModel> {
  const k = classes.names.length;
  const shape: LogisticShape =
    k === 2
      ? { width: design.encoder.width, outputs: 1, link: "sigmoid" }
      : { width: design.encoder.width, outputs: k, link: "softmax" };
  const l2 = 1 / (params.C * design.rows);
  const objective = (theta: Float64Array, gradient: Float64Array) => {
    gradient.fill(0);
    const loss = addLossAndGradient(shape, theta, design.x, design.classes, design.rows, gradient);
    return finishObjective(shape, theta, loss, gradient, design.rows, l2);
  };
  const stage = progress.stage(0.3, 0.9, "fitting logistic regression (L-BFGS)");
  const result = await minimize(objective, new Float64Array((shape.width + 1) * shape.outputs), {
    maxIterations: params.max_iter,
    gradientTolerance: params.tol,
    onIteration: async (iteration, value) => {
      stage.at(
        iteration / params.max_iter,
        `L-BFGS iteration ${iteration}, loss ${value.toPrecision(6)}`,
      );
      // Each iteration is a full pass over the matrix: let the process answer in between.
      await yieldToEventLoop();
    },
  });
  progress.report(0.9, `L-BFGS stopped after ${result.iterations} iterations: ${result.reason}`);
  return modelFromTheta(result.x, shape.width, shape.outputs, shape.link);
}

function fitLinear(design: Design, params: LinearParams): FittedModel {
  let shift = 0;
  for (const v of design.values) shift += v;
  const equations = new NormalEquations(design.encoder.width, shift / design.rows);
  for (let r = 0; r < design.rows; r++) {
    equations.add(design.x, r * design.encoder.width, design.values[r] as number);
  }
  const solution = equations.solve(params.alpha);
  return {
    width: design.encoder.width,
    outputs: 1,
    link: "identity",
    weights: solution.weights,
    intercepts: Float64Array.of(solution.intercept),
  };
}

function evaluate(
  model: FittedModel,
  classes: Classes | undefined,
  sides: Design[],
  tests: boolean[],
) {
  const evaluator = new Evaluator(model, classes?.names.length);
  sides.forEach((design, s) => {
    const width = design.encoder.width;
    for (let r = 0; r < design.rows; r++) {
      const target = classes ? (design.classes[r] as number) : (design.values[r] as number);
      evaluator.add(design.x, r * width, target, tests[s] as boolean);
    }
  });
  return evaluator.finish();
}

export async function trainInMemory(
  settings: PassSettings,
  rows: RowSource,
  progress: Progress,
  algorithm:
    | { kind: "logistic"; params: LogisticParams }
    | { kind: "linear"; params: LinearParams },
): Promise<Trained> {
  const maxCategories = algorithm.params.maxCategories;
  const { prep, classes, train, test } = await read(settings, rows, progress, maxCategories);
  const model =
    algorithm.kind === "logistic"
      ? await fitLogistic(train, classes as Classes, algorithm.params, progress)
      : fitLinear(train, algorithm.params);
  progress.report(0.9, "computing metrics");
  const { metrics, confusionMatrix } = evaluate(model, classes, [train, test], [false, true]);
  return {
    prep,
    model,
    classes: classes?.names,
    metrics,
    confusionMatrix,
    trainRows: train.rows,
    testRows: test.rows,
  };
}
