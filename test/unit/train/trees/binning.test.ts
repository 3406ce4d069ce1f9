/** Binning: where the boundaries go, which bin a value lands in, and missing values' own bin. */
import { describe, expect, it } from "vitest";
import { binColumns, binOf, boundsOf, fitBins } from "../../../../functions/train/trees/binning.ts";

describe("bin boundaries", () => {
  it("puts one boundary between each pair of distinct values when there are few", () => {
    expect(Array.from(boundsOf(Float64Array.of(3, 1, 2, 2, 1), 255))).toEqual([1.5, 2.5]);
    expect(Array.from(boundsOf(Float64Array.of(0, 1, 0, 1), 255))).toEqual([0.5]);
    expect(boundsOf(Float64Array.of(4, 4, 4), 255)).toHaveLength(0);
  });

  it("places at most maxBins − 1 boundaries at quantiles when there are many", () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => Math.fround(i / 7));
    const bounds = boundsOf(values, 16);
    expect(bounds.length).toBe(15);
    for (let i = 1; i < bounds.length; i++)
      expect(bounds[i]).toBeGreaterThan(bounds[i - 1] as number);
    // Quantiles: about as many values fall in each bin.
    const counts = new Array(16).fill(0);
    for (const v of values) counts[binOf(bounds, v)]++;
    for (const c of counts) expect(c).toBeGreaterThan(500);
  });

  it("compares float32 values, as the served graph does", () => {
    // 0.1 and its float32 rounding land in the same bin.
    const bounds = boundsOf(Float64Array.of(Math.fround(0.1), Math.fround(0.2)), 255);
    expect(binOf(bounds, 0.1)).toBe(binOf(bounds, Math.fround(0.1)));
    expect(binOf(bounds, 0.1)).toBe(0);
    expect(binOf(bounds, 0.2)).toBe(1);
  });
});

describe("binned columns", () => {
  it("stores bins column by column, with missing values in the bin after the value bins", () => {
    // Two columns: one numeric with a NaN, one two-valued.
    const x = Float64Array.of(1, 0, Number.NaN, 1, 3, 0, 2, 1);
    const bounds = fitBins(x, 4, 2, { maxBins: 255, seed: 1 });
    const binned = binColumns(x, 4, 2, bounds);
    expect(Array.from(binned.binCounts)).toEqual([3, 2]);
    expect(Array.from(binned.bins.subarray(0, 4))).toEqual([0, 3, 2, 1]);
    expect(Array.from(binned.bins.subarray(4, 8))).toEqual([0, 1, 0, 1]);
  });
});
