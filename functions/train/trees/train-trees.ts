/**
 * @module train/trees/train-trees
 * The tree ensembles' trainer: one pass reads and splits the rows into raw design matrices
 * (numeric values as they are, NaN where missing, categorical features one-hot), the ensemble
 * is fitted on the training side, and the metrics come from the same forward pass the exported
 * graph makes.
 *
 * Categorical features are one-hot encoded rather than split on natively: the preprocessing in
 * the graph is then the one the linear models already use and serve already checks, and the
 * trees are plain threshold trees that any ONNX runtime's TreeEnsembleRegressor runs. A split
 * then takes one category against the rest, which costs deeper trees on columns with many
 * categories; maxCategories bounds how wide such a column gets.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Layout } from "../trainers/columns.ts";
import { Evaluator, type Predictor } from "../trainers/evaluate.ts";
import { readDesigns } from "../trainers/in-memory.ts";
import { forestFeatures, type TreeFit } from "../trainers/params.ts";
import type { PassSettings, RowSource } from "../trainers/passes.ts";
import type { Progress } from "../trainers/progress.ts";
import type { Design } from "../trainers/row-store.ts";
import type { Trained, TreeTraining } from "../trainers/trained.ts";
import { boost } from "./boosting.ts";
import { growForest } from "./forest.ts";
import { linkInto, predictTreesInto, scoresOfRows, type TreeEnsembleModel } from "./tree-model.ts";

/** scikit-learn's "auto": early stopping on above this many training rows. */
const AUTO_EARLY_STOPPING_ROWS = 10_000;

function treePredictor(model: TreeEnsembleModel): Predictor {
  const scores = new Float64Array(model.outputs);
  return {
    outputs: Math.max(2, model.outputs),
    predict: (x, offset, out) => predictTreesInto(model, x, offset, scores, out),
  };
}

/** Each feature's share of the summed gain; a categorical feature gets its one-hot columns'. */
function importances(
  layout: Layout,
  gains: Float64Array,
  categories: number[],
): Record<string, number> {
  const byFeature = new Map<string, number>();
  let column = 0;
  for (const f of layout.numeric) byFeature.set(f.name, gains[column++] as number);
  layout.categorical.forEach((f, j) => {
    let sum = 0;
    for (let c = 0; c < (categories[j] as number); c++) sum += gains[column++] as number;
    byFeature.set(f.name, sum);
  });
  let total = 0;
  for (const v of byFeature.values()) total += v;
  const out: Record<string, number> = {};
  for (const f of layout.features)
    out[f.name] = total > 0 ? (byFeature.get(f.name) ?? 0) / total : 0;
  return out;
}

export async function trainTrees(
  settings: PassSettings,
  rows: RowSource,
  progress: Progress,
  algorithm: TreeFit,
): Promise<Trained> {
  const { layout } = settings;
  const { prep, classes, train, test } = await readDesigns(
    settings,
    rows,
    progress,
    algorithm.params.maxCategories,
    "raw",
  );
  const data = {
    x: train.x,
    rows: train.rows,
    width: train.encoder.width,
    classes: classes ? train.classes : undefined,
    values: classes ? undefined : train.values,
    classCount: classes?.names.length,
  };
  let model: TreeEnsembleModel;
  let trees: TreeTraining;
  const categories = prep.categorical.map((f) => f.categories.length);
  if (algorithm.kind === "boosting") {
    const p = algorithm.params;
    const rounds = p.max_iter;
    const stage = progress.stage(0.3, 0.9, "boosting");
    const boosted = await boost(
      data,
      {
        rounds,
        learningRate: p.learning_rate,
        maxLeaves: p.max_leaf_nodes ?? undefined,
        maxDepth: p.max_depth ?? undefined,
        minRowsLeaf: p.min_samples_leaf,
        l2: p.l2_regularization,
        maxBins: p.max_bins,
        minValuesPerBin: p.min_samples_bin,
        earlyStopping:
          p.early_stopping === "auto" ? train.rows > AUTO_EARLY_STOPPING_ROWS : p.early_stopping,
        validationFraction: p.validation_fraction,
        noChangeRounds: p.n_iter_no_change,
        tol: p.tol,
        seed: settings.seed,
      },
      async ({ round, trainLoss, validationLoss }) => {
        const validation =
          validationLoss === undefined ? "" : `, validation loss ${validationLoss.toPrecision(6)}`;
        stage.at(
          round / rounds,
          `round ${round} of ${rounds}: train loss ${trainLoss.toPrecision(6)}${validation}`,
        );
        // Let the process answer between rounds (heartbeats, shutdown).
        await yieldToEventLoop();
      },
    );
    model = boosted.model;
    trees = {
      rounds: boosted.rounds,
      lossCurve: {
        train: boosted.trainLoss,
        ...(boosted.validationLoss ? { validation: boosted.validationLoss } : {}),
      },
      featureImportances: importances(layout, boosted.gains, categories),
    };
    progress.report(0.9, `boosting stopped after ${boosted.rounds} rounds`);
  } else {
    const p = algorithm.params;
    const stage = progress.stage(0.3, 0.9, "growing the forest");
    const forest = await growForest(
      data,
      {
        trees: p.n_estimators,
        maxDepth: p.max_depth ?? undefined,
        minRowsLeaf: p.min_samples_leaf,
        maxFeatures: forestFeatures(p, algorithm.task, data.width),
        bootstrap: p.bootstrap,
        maxBins: p.max_bins,
        seed: settings.seed,
      },
      async (done) => {
        stage.at(done / p.n_estimators, `tree ${done} of ${p.n_estimators}`);
        await yieldToEventLoop();
      },
    );
    model = forest.model;
    trees = {
      rounds: p.n_estimators,
      featureImportances: importances(layout, forest.gains, categories),
    };
  }
  progress.report(0.9, "computing metrics");
  const { metrics, confusionMatrix } = evaluate(model, classes?.names.length, train, test);
  return {
    kind: "trees",
    prep,
    model,
    trees,
    classes: classes?.names,
    metrics,
    confusionMatrix,
    trainRows: train.rows,
    testRows: test.rows,
  };
}

function evaluate(
  model: TreeEnsembleModel,
  classes: number | undefined,
  train: Design,
  test: Design,
) {
  const evaluator = new Evaluator(treePredictor(model), classes);
  const out = new Float64Array(Math.max(2, model.outputs));
  const k = model.outputs;
  for (const [design, isTest] of [
    [train, false],
    [test, true],
  ] as const) {
    const scores = scoresOfRows(model, design.x, design.rows, design.encoder.width);
    for (let r = 0; r < design.rows; r++) {
      linkInto(model, scores.subarray(r * k, (r + 1) * k), out);
      const target =
        classes !== undefined ? (design.classes[r] as number) : (design.values[r] as number);
      evaluator.addPredicted(out, target, isTest);
    }
  }
  return evaluator.finish();
}
