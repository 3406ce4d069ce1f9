/**
 * @module train/trainers/in-memory
 * The trainer for datasets that fit in memory: one pass reads and splits the rows, storing each
 * side's rows where its design matrix will be and fitting the preprocessing on the training side;
 * the preprocessing is then applied in place, and the model is solved exactly: L-BFGS to
 * convergence for logistic regression, the normal equations for linear and ridge regression.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Layout } from "./columns.ts";
import { Evaluator, linearPredictor } from "./evaluate.ts";
import { minimize } from "./lbfgs.ts";
import { addLossAndGradient, finishObjective, logisticShape } from "./logistic.ts";
import { type FittedModel, modelFromSolution, modelFromTheta } from "./model.ts";
import { NormalEquations } from "./normal-equations.ts";
import type { LinearFit, LinearParams, LogisticParams } from "./params.ts";
import { labelledRows, type PassSettings, type RowSource } from "./passes.ts";
import { DesignEncoder, PreprocessorFit } from "./preprocessor.ts";
import type { Progress } from "./progress.ts";
import { type Design, Dictionary, RowStore } from "./row-store.ts";
import { ClassCollector, type Classes, checkClasses, checkRows } from "./targets.ts";
import type { Trained } from "./trained.ts";

/**
 * The classes as the rows arrive: a code per class in order of appearance (what the row stores
 * keep), how many training rows each has, and every class seen, checked as ClassCollector does.
 */
class ClassTally {
  readonly #dictionary = new Dictionary();
  readonly #collector: ClassCollector;
  readonly #trainCounts: number[] = [];

  constructor(layout: Layout) {
    this.#collector = new ClassCollector(layout);
  }

  code(name: string, test: boolean): number {
    const code = this.#dictionary.code(name);
    if (code === this.#trainCounts.length) {
      this.#collector.add(name);
      this.#trainCounts.push(0);
    }
    if (!test) this.#trainCounts[code] = (this.#trainCounts[code] as number) + 1;
    return code;
  }

  /** Checks the classes; returns them, and each code's index among them. */
  finish(layout: Layout): { classes: Classes; indexOfCode: Int32Array } {
    const names = this.#dictionary.values;
    const counts = new Map(names.map((name, code) => [name, this.#trainCounts[code] as number]));
    const classes = checkClasses(layout, this.#collector.seen, counts);
    const indexOfCode = Int32Array.from(names, (name) => classes.index.get(name) as number);
    return { classes, indexOfCode };
  }
}

/**
 * One pass that splits the rows, fits the preprocessing and stores each side's design rows:
 * standardized for the linear models, raw (NaN where missing) for the trees.
 */
export async function readDesigns(
  settings: PassSettings,
  rows: RowSource,
  progress: Progress,
  maxCategories: number,
  numeric: "standardized" | "raw" = "standardized",
) {
  const { layout } = settings;
  const train = new RowStore(layout.numeric.length, layout.categorical.length);
  const test = new RowStore(layout.numeric.length, layout.categorical.length);
  const fit = new PreprocessorFit(layout, maxCategories);
  const tally = layout.task === "classification" ? new ClassTally(layout) : undefined;
  const stage = progress.stage(0, 0.3, "reading rows");
  for await (const { row, test: isTest } of labelledRows(settings, rows, stage)) {
    const target = tally ? tally.code(row.target as string, isTest) : (row.target as number);
    (isTest ? test : train).add(row, target);
    if (!isTest) fit.add(row);
  }
  checkRows(layout, train.rows + test.rows, train.rows);
  const checked = tally?.finish(layout);
  const prep = fit.finish();
  const encoder = new DesignEncoder(prep, { numeric });
  return {
    prep,
    classes: checked?.classes,
    train: train.design(encoder, checked?.indexOfCode),
    test: test.design(encoder, checked?.indexOfCode),
  };
}

async function fitLogistic(
  design: Design,
  classes: Classes,
  params: LogisticParams,
  progress: Progress,
): Promise<FittedModel> {
  const shape = logisticShape(design.encoder.width, classes.names.length);
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
  return modelFromSolution(design.encoder.width, equations.solve(params.alpha));
}

function evaluate(
  model: FittedModel,
  classes: Classes | undefined,
  sides: Design[],
  tests: boolean[],
) {
  const evaluator = new Evaluator(linearPredictor(model), classes?.names.length);
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
  algorithm: LinearFit,
): Promise<Trained> {
  const maxCategories = algorithm.params.maxCategories;
  const { prep, classes, train, test } = await readDesigns(settings, rows, progress, maxCategories);
  const model =
    algorithm.kind === "logistic"
      ? await fitLogistic(train, classes as Classes, algorithm.params, progress)
      : fitLinear(train, algorithm.params);
  progress.report(0.9, "computing metrics");
  const { metrics, confusionMatrix } = evaluate(model, classes, [train, test], [false, true]);
  return {
    kind: "linear",
    prep,
    model,
    classes: classes?.names,
    metrics,
    confusionMatrix,
    trainRows: train.rows,
    testRows: test.rows,
  };
}
