/** Growing one tree: the split it finds, where missing values go, and the limits it keeps. */
import { describe, expect, it } from "vitest";
import { binColumns, fitBins } from "../../../../functions/train/trees/binning.ts";
import { shouldStop } from "../../../../functions/train/trees/boosting.ts";
import { growTree } from "../../../../functions/train/trees/grower.ts";
import { leafOf } from "../../../../functions/train/trees/tree-model.ts";

const SETTINGS = {
  maxLeaves: 31,
  maxDepth: undefined,
  minRowsLeaf: 1,
  minHessianLeaf: 0,
  l2: 0,
  minGain: 0,
};

/** One feature column x and a target y; the gradient is −y, so leaves learn y's means. */
function grow(x: number[], y: number[], settings = {}) {
  const design = Float64Array.from(x);
  const bounds = fitBins(design, x.length, 1, { maxBins: 255, seed: 1 });
  const data = binColumns(design, x.length, 1, bounds);
  const grown = growTree(
    {
      data,
      bounds,
      rows: Uint32Array.from(x, (_, i) => i),
      channels: 1,
      grad: Float64Array.from(y, (v) => -v),
      hess: undefined,
    },
    { ...SETTINGS, ...settings },
  );
  for (const leaf of grown.leaves)
    grown.tree.values[leaf.node] = -(leaf.grad[0] as number) / leaf.hess;
  return { ...grown, design };
}

describe("growTree", () => {
  it("splits a step function at the step, between the two values around it", () => {
    const x = [1, 2, 3, 4, 10, 11, 12, 13];
    const y = [0, 0, 0, 0, 5, 5, 5, 5];
    const { tree, leaves } = grow(x, y);
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBe(7);
    expect(leaves).toHaveLength(2);
    expect(leafOf(tree, Float64Array.of(6.9), 0)).toBe(tree.left[0]);
    expect(leafOf(tree, Float64Array.of(7.1), 0)).toBe(tree.right[0]);
  });

  it("learns which side missing values go to from the rows that have them", () => {
    const x = [1, 2, 3, Number.NaN, Number.NaN, 10, 11, 12];
    const y = [0, 0, 0, 5, 5, 5, 5, 5];
    const { tree } = grow(x, y, { maxLeaves: 2 });
    expect(tree.threshold[0]).toBe(6.5);
    // The rows with NaN look like the high ones, so missing goes right.
    expect(tree.missingLeft[0]).toBe(0);
    const nanLeaf = leafOf(tree, Float64Array.of(Number.NaN), 0);
    expect(tree.values[nanLeaf]).toBe(5);
  });

  it("sends unseen missing values to the larger side when training had none", () => {
    const { tree } = grow([1, 2, 3, 4, 5, 10], [0, 0, 0, 0, 0, 9], { maxLeaves: 2 });
    expect(tree.missingLeft[0]).toBe(1);
  });

  it("keeps its leaf and row limits", () => {
    const x = Array.from({ length: 100 }, (_, i) => i);
    const y = x.map((v) => Math.sin(v));
    expect(grow(x, y, { maxLeaves: 5 }).leaves).toHaveLength(5);
    const { leaves } = grow(x, y, { maxLeaves: undefined, minRowsLeaf: 10 });
    for (const leaf of leaves) expect(leaf.count).toBeGreaterThanOrEqual(10);
    const shallow = grow(x, y, { maxLeaves: undefined, maxDepth: 2 });
    expect(shallow.leaves.length).toBeLessThanOrEqual(4);
  });

  it("does not split a node whose target is constant", () => {
    const { leaves } = grow([1, 2, 3, 4], [2, 2, 2, 2], { maxLeaves: undefined });
    expect(leaves).toHaveLength(1);
  });
});

describe("early stopping", () => {
  it("stops when none of the last n losses beat the one before them by tol", () => {
    expect(shouldStop([1, 0.9, 0.8], 2, 0)).toBe(false);
    expect(shouldStop([1, 0.9, 0.9, 0.9], 2, 0)).toBe(true);
    expect(shouldStop([1, 0.9, 0.9, 0.85], 2, 0)).toBe(false);
    expect(shouldStop([1, 0.9, 0.9, 0.85], 2, 0.1)).toBe(true);
    expect(shouldStop([1, 0.9], 2, 0)).toBe(false);
  });
});
