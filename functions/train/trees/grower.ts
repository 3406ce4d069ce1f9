/**
 * @module train/trees/grower
 * Grows one tree on binned columns from per-row gradients, the way histogram-based boosting
 * does: a node's split is found from one histogram per column (per bin: the sums of each
 * gradient channel, of the hessians and the row count), the larger child's histogram is its
 * parent's minus the smaller child's, and missing values try both sides of every split, so each
 * split learns where they go.
 *
 * The same grower serves boosting and forests. A split's gain is
 * Σ_k G_Lk²/(H_L+λ) + G_Rk²/(H_R+λ) − G_k²/(H+λ) over the gradient channels k: with one
 * channel of loss gradients it is the boosting gain; with one channel per class holding the
 * one-hot target and unit hessians it is the decrease in Gini impurity (times the node's
 * rows), and with the target itself the decrease in squared error, which is what a random
 * forest splits on.
 *
 * Nodes are split best gain first until `maxLeaves` leaves (LightGBM's leaf-wise growth);
 * without a leaf limit, every node that can be split is.
 */
import type { BinBounds, BinnedColumns } from "./binning.ts";
import type { Tree } from "./tree-model.ts";

export interface GrowSettings {
  /** Most leaves; undefined for no limit. */
  maxLeaves: number | undefined;
  /** Deepest split level (the root is depth 0); undefined for no limit. */
  maxDepth: number | undefined;
  /** Fewest rows in a leaf. */
  minRowsLeaf: number;
  /** Smallest sum of hessians in a leaf. */
  minHessianLeaf: number;
  /** L2 penalty λ on leaf values. */
  l2: number;
  /** A split must gain more than this. */
  minGain: number;
  /**
   * Columns a split considers, drawn anew per node from `random` (a forest's feature
   * subsampling); all columns when undefined. More are looked at when none of those drawn can
   * split the node.
   */
  maxFeatures?: number;
  random?: () => number;
}

export interface GrowInput {
  data: BinnedColumns;
  bounds: BinBounds;
  /** The rows this tree learns from, repeats allowed (a bootstrap sample); reordered in place. */
  rows: Uint32Array;
  /** Gradient channels per row. */
  channels: number;
  /** Row-major gradients: row r's channel k at r * channels + k. */
  grad: Float64Array;
  /** Per-row hessians; every hessian is 1 when undefined. */
  hess: Float64Array | undefined;
}

/** What a leaf learned: its sums, for the caller to turn into leaf values. */
export interface GrownLeaf {
  node: number;
  /** The leaf's rows: rows[start, end) of GrowInput.rows after growing. */
  start: number;
  end: number;
  /** Σ gradient per channel, Σ hessian and row count. */
  grad: Float64Array;
  hess: number;
  count: number;
}

export interface GrownTree {
  /** The structure; `values` are left for the caller to fill from `leaves`. */
  tree: Tree;
  /** Each split node's bin: rows with a bin <= it go left (missing ones as missingLeft says). */
  splitBin: Int32Array;
  leaves: GrownLeaf[];
  /** Per design column, the gain of the splits on it. */
  gains: Float64Array;
}

interface Candidate {
  feature: number;
  bin: number;
  missingLeft: boolean;
  gain: number;
  /** The left child's sums, read off the histogram: no pass over its rows to add them up. */
  leftGrad: Float64Array;
  leftHess: number;
}

interface Open {
  node: number;
  depth: number;
  start: number;
  end: number;
  grad: Float64Array;
  hess: number;
  count: number;
  /** Per-column histograms (see Histograms), or undefined once freed. */
  hist: Float64Array | undefined;
  best: Candidate | undefined;
}

/** Where each column's histogram starts, in slots of `stride` doubles: one per bin + missing. */
class Histograms {
  readonly stride: number;
  readonly offsets: Int32Array;
  readonly size: number;

  constructor(data: BinnedColumns, channels: number) {
    this.stride = channels + 2;
    this.offsets = new Int32Array(data.width + 1);
    for (let f = 0; f < data.width; f++) {
      this.offsets[f + 1] = (this.offsets[f] as number) + ((data.binCounts[f] as number) + 1);
    }
    this.size = (this.offsets[data.width] as number) * this.stride;
  }
}

/** Adds rows[start, end)'s gradients into `hist` for column f. */
function fillColumn(
  input: GrowInput,
  layout: { offsets: Int32Array; stride: number },
  hist: Float64Array,
  f: number,
  start: number,
  end: number,
): void {
  const { data, rows, grad, hess, channels } = input;
  const stride = layout.stride;
  const column = data.bins.subarray(f * data.rows, (f + 1) * data.rows);
  const base = (layout.offsets[f] as number) * stride;
  if (channels === 1) {
    for (let i = start; i < end; i++) {
      const r = rows[i] as number;
      const o = base + (column[r] as number) * 3;
      hist[o] = (hist[o] as number) + (grad[r] as number);
      hist[o + 1] = (hist[o + 1] as number) + (hess ? (hess[r] as number) : 1);
      hist[o + 2] = (hist[o + 2] as number) + 1;
    }
    return;
  }
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    const o = base + (column[r] as number) * stride;
    const g = r * channels;
    for (let k = 0; k < channels; k++)
      hist[o + k] = (hist[o + k] as number) + (grad[g + k] as number);
    hist[o + channels] = (hist[o + channels] as number) + (hess ? (hess[r] as number) : 1);
    hist[o + channels + 1] = (hist[o + channels + 1] as number) + 1;
  }
}

/**
 * Adds rows[start, end)'s gradients for column f into `h` (a zeroed histogram of that column
 * alone) and lists in `touched`, ascending, the value bins they fall in; answers how many.
 */
function fillTouched(
  input: GrowInput,
  f: number,
  start: number,
  end: number,
  h: Float64Array,
  stride: number,
  touched: Int32Array,
): number {
  const { data, rows, grad, hess, channels } = input;
  const column = data.bins.subarray(f * data.rows, (f + 1) * data.rows);
  const missing = data.binCounts[f] as number;
  let count = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    const b = column[r] as number;
    const o = b * stride;
    if (h[o + channels + 1] === 0 && b !== missing) touched[count++] = b;
    const g = r * channels;
    for (let k = 0; k < channels; k++) h[o + k] = (h[o + k] as number) + (grad[g + k] as number);
    h[o + channels] = (h[o + channels] as number) + (hess ? (hess[r] as number) : 1);
    h[o + channels + 1] = (h[o + channels + 1] as number) + 1;
  }
  touched.subarray(0, count).sort();
  return count;
}

export function growTree(input: GrowInput, settings: GrowSettings): GrownTree {
  const { data, channels } = input;
  const layout = new Histograms(data, channels);
  const stride = layout.stride;
  const l2 = settings.l2;

  const feature: number[] = [];
  const threshold: number[] = [];
  const missingLeft: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const splitBin: number[] = [];
  const gains = new Float64Array(data.width);
  const leaves: GrownLeaf[] = [];
  const addNode = () => {
    feature.push(-1);
    threshold.push(0);
    missingLeft.push(0);
    left.push(-1);
    right.push(-1);
    splitBin.push(-1);
    return feature.length - 1;
  };

  const score = (g: Float64Array | number[], h: number, from = 0) => {
    let s = 0;
    for (let k = 0; k < channels; k++) {
      const gk = g[from + k] as number;
      s += (gk * gk) / (h + l2);
    }
    return s;
  };

  // Reused scratch for split scans: left sums per channel, and the missing bin's.
  const leftGrad = new Float64Array(channels);
  const allFeatures = Int32Array.from({ length: data.width }, (_, f) => f);

  // A forest draws few columns per node: each one's histogram is built into this scratch when
  // looked at, rather than every column's for every node.
  let maxBinsSeen = 0;
  for (const b of data.binCounts) maxBinsSeen = Math.max(maxBinsSeen, b);
  const scratch1 = new Float64Array((maxBinsSeen + 1) * stride);
  const touched = new Int32Array(maxBinsSeen + 1);

  /**
   * The node's best split. `hist` holds every column's histogram, or is undefined, and then
   * each column looked at is built on the spot.
   */
  const bestSplit = (open: Open, hist: Float64Array | undefined) => {
    if (settings.maxDepth !== undefined && open.depth >= settings.maxDepth) return undefined;
    if (open.count < 2 * settings.minRowsLeaf) return undefined;
    const parentScore = score(open.grad, open.hess);
    const minGain = settings.minGain + 1e-12 * Math.abs(parentScore);
    let best: Candidate | undefined;
    let order: Int32Array = allFeatures;
    if (settings.maxFeatures !== undefined && settings.maxFeatures < data.width) {
      order = allFeatures.slice();
      const random = settings.random as () => number;
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const t = order[i] as number;
        order[i] = order[j] as number;
        order[j] = t;
      }
    }
    let looked = 0;
    for (const f of order) {
      if (
        best !== undefined &&
        settings.maxFeatures !== undefined &&
        looked >= settings.maxFeatures
      )
        break;
      looked++;
      const bins = data.binCounts[f] as number;
      let h = hist;
      let base = (layout.offsets[f] as number) * stride;
      // The value bins to try splits after, in order: every one, or only those the node's rows
      // fall in (a small node of a forest touches few of 255 bins).
      let visit: Int32Array | undefined;
      let visits = 0;
      if (h === undefined) {
        h = scratch1;
        base = 0;
        visits = fillTouched(input, f, open.start, open.end, h, stride, touched);
        visit = touched;
      }
      const m = base + bins * stride; // the missing bin
      const missingHess = h[m + channels] as number;
      const missingCount = h[m + channels + 1] as number;
      leftGrad.fill(0);
      let leftHess = 0;
      let leftCount = 0;
      // With missing values, the split after the last value bin (all values one way, missing
      // the other) is a candidate too.
      const last = missingCount > 0 ? bins - 1 : bins - 2;
      const steps = visit ? visits : last + 1;
      for (let step = 0; step < steps; step++) {
        const b = visit ? (visit[step] as number) : step;
        if (b > last) break;
        const o = base + b * stride;
        for (let k = 0; k < channels; k++)
          leftGrad[k] = (leftGrad[k] as number) + (h[o + k] as number);
        leftHess += h[o + channels] as number;
        leftCount += h[o + channels + 1] as number;
        for (let side = 0; side < (missingCount > 0 && b < bins - 1 ? 2 : 1); side++) {
          // side 0: missing go right; side 1: missing go left.
          const lc = side === 1 ? leftCount + missingCount : leftCount;
          const lh = side === 1 ? leftHess + missingHess : leftHess;
          const rc = open.count - lc;
          const rh = open.hess - lh;
          if (lc < settings.minRowsLeaf || rc < settings.minRowsLeaf) continue;
          if (lh < settings.minHessianLeaf || rh < settings.minHessianLeaf) continue;
          let s = 0;
          for (let k = 0; k < channels; k++) {
            const gl = (leftGrad[k] as number) + (side === 1 ? (h[m + k] as number) : 0);
            const gr = (open.grad[k] as number) - gl;
            s += (gl * gl) / (lh + l2) + (gr * gr) / (rh + l2);
          }
          const gain = s - parentScore;
          // The relative term keeps rounding noise in a pure node from passing for a gain.
          if (gain > minGain && (best === undefined || gain > best.gain)) {
            // Without missing values in the node, unseen ones at prediction go with the
            // larger side, as scikit-learn sends them.
            const toLeft = missingCount > 0 ? side === 1 : lc >= rc;
            const leftSums = Float64Array.from(leftGrad);
            if (side === 1) {
              for (let k = 0; k < channels; k++) {
                leftSums[k] = (leftSums[k] as number) + (h[m + k] as number);
              }
            }
            best = {
              feature: f,
              bin: b,
              missingLeft: toLeft,
              gain,
              leftGrad: leftSums,
              leftHess: lh,
            };
          }
        }
      }
      if (visit) {
        // Leave the scratch zeroed for the next column: only the touched slots were written.
        for (let i = 0; i < visits; i++)
          h.fill(0, (visit[i] as number) * stride, ((visit[i] as number) + 1) * stride);
        h.fill(0, bins * stride, (bins + 1) * stride);
      }
    }
    return best;
  };

  const root = addNode();
  const n = input.rows.length;
  const rootGrad = new Float64Array(channels);
  let rootHess = 0;
  for (let i = 0; i < n; i++) {
    const r = input.rows[i] as number;
    for (let k = 0; k < channels; k++)
      rootGrad[k] = (rootGrad[k] as number) + (input.grad[r * channels + k] as number);
    rootHess += input.hess ? (input.hess[r] as number) : 1;
  }
  // Boosting builds every column's histogram (for subtraction); a forest only those it draws.
  const lazy = settings.maxFeatures !== undefined;
  // Histograms are recycled within the tree: a split frees its parent's (the larger child
  // takes it over) and a finished leaf its own.
  const spare: Float64Array[] = [];
  const release = (hist: Float64Array | undefined) => {
    if (hist) spare.push(hist);
  };
  const histogramOf = (open: Open): Float64Array => {
    const hist = spare.pop()?.fill(0) ?? new Float64Array(layout.size);
    for (let f = 0; f < data.width; f++) fillColumn(input, layout, hist, f, open.start, open.end);
    return hist;
  };

  const rootOpen: Open = {
    node: root,
    depth: 0,
    start: 0,
    end: n,
    grad: rootGrad,
    hess: rootHess,
    count: n,
    hist: undefined,
    best: undefined,
  };
  rootOpen.hist = lazy ? undefined : histogramOf(rootOpen);
  rootOpen.best = bestSplit(rootOpen, rootOpen.hist);
  const open: Open[] = [rootOpen];
  let leafCount = 1;
  const scratch = new Uint32Array(n);

  const finishLeaf = (o: Open) => {
    release(o.hist);
    o.hist = undefined;
    leaves.push({
      node: o.node,
      start: o.start,
      end: o.end,
      grad: o.grad,
      hess: o.hess,
      count: o.count,
    });
  };

  while (open.length > 0) {
    if (settings.maxLeaves !== undefined && leafCount >= settings.maxLeaves) break;
    // The open node with the best split (leaf-wise); with no leaf limit, the last opened.
    let at = -1;
    if (settings.maxLeaves === undefined) {
      at = open.length - 1;
    } else {
      for (let i = 0; i < open.length; i++) {
        const best = open[i]?.best;
        if (best && (at < 0 || best.gain > ((open[at] as Open).best as Candidate).gain)) at = i;
      }
      if (at < 0) break;
    }
    const node = open[at] as Open;
    open.splice(at, 1);
    const split = node.best;
    if (!split) {
      finishLeaf(node);
      continue;
    }

    // Partition the node's rows: left first.
    const { rows } = input;
    const column = data.bins.subarray(split.feature * data.rows, (split.feature + 1) * data.rows);
    const missing = data.binCounts[split.feature] as number;
    let l = node.start;
    let rEnd = 0;
    for (let i = node.start; i < node.end; i++) {
      const r = rows[i] as number;
      const b = column[r] as number;
      const goLeft = b === missing ? split.missingLeft : b <= split.bin;
      if (goLeft) rows[l++] = r;
      else scratch[rEnd++] = r;
    }
    rows.set(scratch.subarray(0, rEnd), l);

    const leftSums = { g: split.leftGrad, h: split.leftHess };
    const leftNode = addNode();
    const rightNode = addNode();
    feature[node.node] = split.feature;
    splitBin[node.node] = split.bin;
    const bounds = input.bounds.bounds[split.feature] as Float64Array;
    threshold[node.node] =
      split.bin < bounds.length ? (bounds[split.bin] as number) : Number.MAX_VALUE;
    missingLeft[node.node] = split.missingLeft ? 1 : 0;
    left[node.node] = leftNode;
    right[node.node] = rightNode;
    gains[split.feature] = (gains[split.feature] as number) + split.gain;
    leafCount++;

    const rightGrad = new Float64Array(channels);
    for (let k = 0; k < channels; k++)
      rightGrad[k] = (node.grad[k] as number) - (leftSums.g[k] as number);
    const children: Open[] = [
      {
        node: leftNode,
        depth: node.depth + 1,
        start: node.start,
        end: l,
        grad: leftSums.g,
        hess: leftSums.h,
        count: l - node.start,
        hist: undefined,
        best: undefined,
      },
      {
        node: rightNode,
        depth: node.depth + 1,
        start: l,
        end: node.end,
        grad: rightGrad,
        hess: node.hess - leftSums.h,
        count: node.end - l,
        hist: undefined,
        best: undefined,
      },
    ];
    if (lazy || !node.hist) {
      for (const child of children) child.best = bestSplit(child, undefined);
    } else {
      // The smaller child's histogram is built; the larger's is the parent's minus it.
      const [small, large] =
        (children[0] as Open).count <= (children[1] as Open).count
          ? [children[0] as Open, children[1] as Open]
          : [children[1] as Open, children[0] as Open];
      const smallHist = histogramOf(small);
      const largeHist = node.hist;
      for (let i = 0; i < largeHist.length; i++) {
        largeHist[i] = (largeHist[i] as number) - (smallHist[i] as number);
      }
      small.hist = smallHist;
      large.hist = largeHist;
      small.best = bestSplit(small, smallHist);
      large.best = bestSplit(large, largeHist);
    }
    node.hist = undefined;
    for (const child of children) {
      if (child.best) open.push(child);
      else finishLeaf(child);
    }
  }
  for (const o of open) finishLeaf(o);

  const tree: Tree = {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    missingLeft: Uint8Array.from(missingLeft),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    values: new Float64Array(feature.length * channels),
    width: channels,
    target: 0,
  };
  leaves.sort((a, b) => a.node - b.node);
  return { tree, splitBin: Int32Array.from(splitBin), leaves, gains };
}
