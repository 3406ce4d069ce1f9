/**
 * @module train/trees/boosting
 * Gradient boosting on binned columns, as scikit-learn's HistGradientBoosting does it: a
 * baseline score, then each round one tree per score column fitted to the loss's gradients and
 * hessians, its leaf values −G/(H+λ) shrunk by the learning rate. Squared error for regression;
 * log loss for two classes (one score); softmax cross-entropy for more (one score per class).
 *
 * With early stopping, a share of the training rows is held back (never seen by the trees),
 * and boosting stops when the loss on them has not improved by more than `tol` for
 * `noChangeRounds` rounds, scikit-learn's rule; the rounds made so far are kept.
 */
import { hashInts, Rng } from "../trainers/random.ts";
import { type BinBounds, type BinnedColumns, binColumns, fitBins } from "./binning.ts";
import { type GrownTree, growTree } from "./grower.ts";
import type { Tree, TreeEnsembleModel } from "./tree-model.ts";

export interface BoostingSettings {
  rounds: number;
  learningRate: number;
  maxLeaves: number | undefined;
  maxDepth: number | undefined;
  minRowsLeaf: number;
  l2: number;
  maxBins: number;
  /** Fewest values a bin holds where a column has fewer distinct values than bins. */
  minValuesPerBin: number;
  earlyStopping: boolean;
  validationFraction: number;
  noChangeRounds: number;
  tol: number;
  seed: number;
}

/** The training side's design and targets, as the in-memory reader holds them. */
export interface BoostingData {
  /** Row-major design, raw values (NaN where missing). */
  x: Float64Array;
  rows: number;
  width: number;
  /** Class index per row (classification) or undefined. */
  classes: Int32Array | undefined;
  /** Regression target per row, or undefined. */
  values: Float64Array | undefined;
  /** Number of classes (classification), else undefined. */
  classCount: number | undefined;
}

export interface RoundReport {
  round: number;
  trainLoss: number;
  validationLoss: number | undefined;
}

export interface Boosted {
  model: TreeEnsembleModel;
  /** Loss after each round (index 0: the baseline alone). */
  trainLoss: number[];
  validationLoss: number[] | undefined;
  rounds: number;
  /** Per design column, the summed gain of the splits on it. */
  gains: Float64Array;
  validationRows: number;
}

type Loss = {
  outputs: number;
  baseline(data: BoostingData, rows: Uint32Array): Float64Array;
  /** Writes gradients and hessians of score column k for `rows` into g, h (indexed by row). */
  gradients(
    raw: Float64Array,
    rows: Uint32Array,
    k: number,
    g: Float64Array,
    h: Float64Array,
  ): void;
  /** Mean loss over `rows` given their raw scores (row-major, `outputs` per row). */
  loss(raw: Float64Array, rows: Uint32Array): number;
  link: TreeEnsembleModel["link"];
  /** Whether every hessian is 1 (squared error). */
  unitHessian: boolean;
};

function squaredError(values: Float64Array): Loss {
  return {
    outputs: 1,
    link: "identity",
    unitHessian: true,
    baseline(_data, rows) {
      let sum = 0;
      for (const r of rows) sum += values[r] as number;
      return Float64Array.of(rows.length > 0 ? sum / rows.length : 0);
    },
    gradients(raw, rows, _k, g) {
      for (const r of rows) g[r] = (raw[r] as number) - (values[r] as number);
    },
    loss(raw, rows) {
      let sum = 0;
      for (const r of rows) {
        const d = (raw[r] as number) - (values[r] as number);
        sum += 0.5 * d * d;
      }
      return rows.length > 0 ? sum / rows.length : 0;
    },
  };
}

function binaryLogLoss(classes: Int32Array): Loss {
  return {
    outputs: 1,
    link: "sigmoid",
    unitHessian: false,
    baseline(_data, rows) {
      let positives = 0;
      for (const r of rows) positives += classes[r] as number;
      const p = Math.min(1 - 1e-12, Math.max(1e-12, positives / Math.max(1, rows.length)));
      return Float64Array.of(Math.log(p / (1 - p)));
    },
    gradients(raw, rows, _k, g, h) {
      for (const r of rows) {
        const p = 1 / (1 + Math.exp(-(raw[r] as number)));
        g[r] = p - (classes[r] as number);
        h[r] = p * (1 - p);
      }
    },
    loss(raw, rows) {
      let sum = 0;
      for (const r of rows) {
        const s = raw[r] as number;
        // log(1 + e^s) − y·s, computed without overflow.
        const softplus = s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
        sum += softplus - (classes[r] === 1 ? s : 0);
      }
      return rows.length > 0 ? sum / rows.length : 0;
    },
  };
}

function multinomialLoss(classes: Int32Array, k: number): Loss {
  const probabilities = (raw: Float64Array, r: number, out: Float64Array) => {
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, raw[r * k + c] as number);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((raw[r * k + c] as number) - max);
      out[c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[c] = (out[c] as number) / sum;
    return { max, sum };
  };
  const p = new Float64Array(k);
  return {
    outputs: k,
    link: "softmax",
    unitHessian: false,
    baseline(_data, rows) {
      const counts = new Float64Array(k);
      for (const r of rows)
        counts[classes[r] as number] = (counts[classes[r] as number] as number) + 1;
      const base = Float64Array.from(counts, (c) =>
        Math.log(Math.max(1e-12, c / Math.max(1, rows.length))),
      );
      let mean = 0;
      for (const b of base) mean += b / k;
      return base.map((b) => b - mean);
    },
    gradients(raw, rows, c, g, h) {
      for (const r of rows) {
        probabilities(raw, r, p);
        const pc = p[c] as number;
        g[r] = pc - (classes[r] === c ? 1 : 0);
        h[r] = pc * (1 - pc);
      }
    },
    loss(raw, rows) {
      let sum = 0;
      for (const r of rows) {
        const { max, sum: total } = probabilities(raw, r, p);
        sum += max + Math.log(total) - (raw[r * k + (classes[r] as number)] as number);
      }
      return rows.length > 0 ? sum / rows.length : 0;
    },
  };
}

function lossOf(data: BoostingData): Loss {
  if (data.classes === undefined) return squaredError(data.values as Float64Array);
  const k = data.classCount as number;
  return k === 2 ? binaryLogLoss(data.classes) : multinomialLoss(data.classes, k);
}

/** The leaf a binned row reaches: the grower's bins, not thresholds, so no float is compared. */
function binnedLeaf(grown: GrownTree, data: BinnedColumns, r: number): number {
  const { tree, splitBin } = grown;
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return node;
    const b = data.bins[f * data.rows + r] as number;
    const goLeft =
      b === (data.binCounts[f] as number)
        ? tree.missingLeft[node] === 1
        : b <= (splitBin[node] as number);
    node = (goLeft ? tree.left[node] : tree.right[node]) as number;
  }
}

/** Splits the training rows into fitting and validation rows, seeded. */
function holdOut(
  rows: number,
  fraction: number,
  seed: number,
): { fit: Uint32Array; validation: Uint32Array } {
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  const rng = new Rng(hashInts(seed, 0x76616c));
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const count = Math.max(1, Math.round(rows * fraction));
  const validation = order.subarray(0, count).slice().sort();
  const fit = order.subarray(count).slice().sort();
  return { fit, validation };
}

/** Rows of `x` (row-major) at `rows`, as a new design. */
function pick(x: Float64Array, width: number, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * width);
  rows.forEach((r, i) => {
    out.set(x.subarray(r * width, (r + 1) * width), i * width);
  });
  return out;
}

export async function boost(
  data: BoostingData,
  settings: BoostingSettings,
  onRound: (report: RoundReport) => Promise<void> | void,
): Promise<Boosted> {
  const split = settings.earlyStopping
    ? holdOut(data.rows, settings.validationFraction, settings.seed)
    : undefined;
  const validationRows = split?.validation ?? new Uint32Array(0);

  // The trees see only the fitting rows: bins are fitted on them and both sides binned alike.
  // Without a validation split they are all the rows, used as they are rather than copied.
  const fitX = split ? pick(data.x, data.width, split.fit) : data.x;
  const fitRows = split?.fit ?? { length: data.rows };
  const bounds: BinBounds = fitBins(fitX, fitRows.length, data.width, {
    maxBins: settings.maxBins,
    minValuesPerBin: settings.minValuesPerBin,
    seed: settings.seed,
  });
  const binned = binColumns(fitX, fitRows.length, data.width, bounds);
  const validationBinned =
    validationRows.length > 0
      ? binColumns(
          pick(data.x, data.width, validationRows),
          validationRows.length,
          data.width,
          bounds,
        )
      : undefined;
  // From here on rows are numbered within their side; targets are looked up through these.
  const fitTargets = split ? retarget(data, split.fit) : data;
  const validationTargets = retarget(data, validationRows);
  const fitLoss = lossOf(fitTargets);
  const k = fitLoss.outputs;
  const validationLoss = validationRows.length > 0 ? lossOf(validationTargets) : undefined;

  const nFit = fitRows.length;
  const nValidation = validationRows.length;
  const all = Uint32Array.from({ length: nFit }, (_, i) => i);
  const allValidation = Uint32Array.from({ length: nValidation }, (_, i) => i);
  const base = fitLoss.baseline(fitTargets, all);
  const raw = new Float64Array(nFit * k);
  const rawValidation = new Float64Array(nValidation * k);
  for (let r = 0; r < nFit; r++) raw.set(base, r * k);
  for (let r = 0; r < nValidation; r++) rawValidation.set(base, r * k);

  const g = new Float64Array(nFit);
  const h = new Float64Array(nFit);
  const trees: Tree[] = [];
  const gains = new Float64Array(data.width);
  const trainLosses = [fitLoss.loss(raw, all)];
  const validationLosses = validationLoss
    ? [validationLoss.loss(rawValidation, allValidation)]
    : undefined;
  const rowsBuffer = new Uint32Array(nFit);
  let rounds = 0;

  for (let round = 1; round <= settings.rounds; round++) {
    // Every score column's gradients come from the scores before this round's trees.
    const gradients: Array<{ g: Float64Array; h: Float64Array }> = [];
    for (let c = 0; c < k; c++) {
      fitLoss.gradients(raw, all, c, g, h);
      gradients.push({ g: g.slice(), h: h.slice() });
    }
    for (let c = 0; c < k; c++) {
      const grad = gradients[c] as { g: Float64Array; h: Float64Array };
      rowsBuffer.set(all);
      const grown = growTree(
        {
          data: binned,
          bounds,
          rows: rowsBuffer,
          channels: 1,
          grad: grad.g,
          hess: fitLoss.unitHessian ? undefined : grad.h,
        },
        {
          maxLeaves: settings.maxLeaves,
          maxDepth: settings.maxDepth,
          minRowsLeaf: settings.minRowsLeaf,
          minHessianLeaf: 1e-3,
          l2: settings.l2,
          minGain: 0,
        },
      );
      const tree = grown.tree;
      tree.target = c;
      for (const leaf of grown.leaves) {
        const value =
          -settings.learningRate * ((leaf.grad[0] as number) / (leaf.hess + settings.l2 + 1e-15));
        tree.values[leaf.node] = value;
        for (let i = leaf.start; i < leaf.end; i++) {
          const r = rowsBuffer[i] as number;
          raw[r * k + c] = (raw[r * k + c] as number) + value;
        }
      }
      if (validationBinned) {
        for (let r = 0; r < nValidation; r++) {
          const leaf = binnedLeaf(grown, validationBinned, r);
          rawValidation[r * k + c] =
            (rawValidation[r * k + c] as number) + (tree.values[leaf] as number);
        }
      }
      for (let f = 0; f < data.width; f++)
        gains[f] = (gains[f] as number) + (grown.gains[f] as number);
      trees.push(tree);
    }
    rounds = round;
    trainLosses.push(fitLoss.loss(raw, all));
    if (validationLosses && validationLoss)
      validationLosses.push(validationLoss.loss(rawValidation, allValidation));
    await onRound({
      round,
      trainLoss: trainLosses[trainLosses.length - 1] as number,
      validationLoss: validationLosses?.[validationLosses.length - 1],
    });
    if (validationLosses && shouldStop(validationLosses, settings.noChangeRounds, settings.tol))
      break;
  }

  return {
    model: { width: data.width, outputs: k, trees, base, link: fitLoss.link },
    trainLoss: trainLosses,
    validationLoss: validationLosses,
    rounds,
    gains,
    validationRows: nValidation,
  };
}

/** scikit-learn's rule: none of the last n losses beat the one before them by more than tol. */
export function shouldStop(losses: number[], n: number, tol: number): boolean {
  if (losses.length < n + 1) return false;
  const reference = (losses[losses.length - n - 1] as number) - tol;
  for (let i = losses.length - n; i < losses.length; i++) {
    if ((losses[i] as number) < reference) return false;
  }
  return true;
}

/** `data`'s targets for `rows`, renumbered 0… in that order. */
function retarget(data: BoostingData, rows: Uint32Array): BoostingData {
  return {
    ...data,
    rows: rows.length,
    classes: data.classes ? Int32Array.from(rows, (r) => data.classes?.[r] as number) : undefined,
    values: data.values ? Float64Array.from(rows, (r) => data.values?.[r] as number) : undefined,
  };
}
