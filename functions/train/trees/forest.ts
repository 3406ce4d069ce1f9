/**
 * @module train/trees/forest
 * A random forest on binned columns, as scikit-learn's RandomForest builds one: each tree from
 * a bootstrap sample of the training rows (drawn with replacement), grown until its leaves are
 * pure or too small, each split choosing among a fresh random subset of the columns. A
 * classifier's trees split on Gini impurity and its leaves hold class shares; a regressor's
 * split on squared error and hold means. The forest's answer is the average of its trees,
 * which the export sums from leaf values already divided by the number of trees.
 */

import { hashInts, Rng } from "../trainers/random.ts";
import { binColumns, fitBins } from "./binning.ts";
import type { BoostingData } from "./boosting.ts";
import { growTree } from "./grower.ts";
import type { Tree, TreeEnsembleModel } from "./tree-model.ts";

export interface ForestSettings {
  trees: number;
  maxDepth: number | undefined;
  minRowsLeaf: number;
  /** Columns each split considers. */
  maxFeatures: number;
  bootstrap: boolean;
  maxBins: number;
  seed: number;
}

export interface Forest {
  model: TreeEnsembleModel;
  /** Per design column, the summed impurity decrease of the splits on it. */
  gains: Float64Array;
}

export async function growForest(
  data: BoostingData,
  settings: ForestSettings,
  onTree: (done: number) => Promise<void> | void,
): Promise<Forest> {
  const bounds = fitBins(data.x, data.rows, data.width, {
    maxBins: settings.maxBins,
    seed: settings.seed,
  });
  const binned = binColumns(data.x, data.rows, data.width, bounds);
  const k = data.classes ? (data.classCount as number) : 1;
  // The targets as gradient channels: one-hot classes, or the value.
  const grad = new Float64Array(data.rows * k);
  for (let r = 0; r < data.rows; r++) {
    if (data.classes) grad[r * k + (data.classes[r] as number)] = 1;
    else grad[r] = data.values?.[r] as number;
  }
  const trees: Tree[] = [];
  const gains = new Float64Array(data.width);
  const rows = new Uint32Array(data.rows);
  for (let t = 0; t < settings.trees; t++) {
    const rng = new Rng(hashInts(settings.seed, t, 0x666f72));
    if (settings.bootstrap) {
      for (let i = 0; i < data.rows; i++) rows[i] = Math.floor(rng.next() * data.rows);
    } else {
      for (let i = 0; i < data.rows; i++) rows[i] = i;
    }
    const grown = growTree(
      { data: binned, bounds, rows, channels: k, grad, hess: undefined },
      {
        maxLeaves: undefined,
        maxDepth: settings.maxDepth,
        minRowsLeaf: settings.minRowsLeaf,
        minHessianLeaf: 0,
        l2: 0,
        minGain: 0,
        maxFeatures: settings.maxFeatures,
        random: () => rng.next(),
      },
    );
    const { tree } = grown;
    for (const leaf of grown.leaves) {
      for (let c = 0; c < k; c++) {
        tree.values[leaf.node * k + c] = (leaf.grad[c] as number) / leaf.hess / settings.trees;
      }
    }
    for (let f = 0; f < data.width; f++)
      gains[f] = (gains[f] as number) + (grown.gains[f] as number);
    trees.push(tree);
    await onTree(t + 1);
  }
  return {
    model: {
      width: data.width,
      outputs: k,
      trees,
      base: new Float64Array(k),
      link: data.classes ? "probabilities" : "identity",
    },
    gains,
  };
}
