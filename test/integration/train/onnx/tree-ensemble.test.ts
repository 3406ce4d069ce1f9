/**
 * @module test/integration/train/onnx/tree-ensemble
 * Exported tree ensembles run by the real onnxruntime-node answer what the TypeScript forward
 * pass (predictTreesInto) answers, for every link and every kind of preprocessing: random
 * ensembles built by hand, random rows with missing numbers and unknown or empty categories,
 * thresholds between adjacent float32 values. The graphs pass ONNX's checker and declare the
 * same inputs and outputs a linear model over the same features does.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as ort from "onnxruntime-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { exportLinearModel, type Head } from "../../../../functions/train/onnx/linear-model.ts";
import type { Preprocessing } from "../../../../functions/train/onnx/preprocess.ts";
import { exportTreeEnsemble } from "../../../../functions/train/onnx/tree-ensemble.ts";
import { DesignEncoder } from "../../../../functions/train/trainers/preprocessor.ts";
import { Rng } from "../../../../functions/train/trainers/random.ts";
import {
  predictTreesInto,
  scoresInto,
  type Tree,
  type TreeEnsembleModel,
  type TreeLink,
} from "../../../../functions/train/trees/tree-model.ts";
import { sessionLoader } from "../../../support/onnx-sessions.ts";

const run = promisify(execFile);
const { bin: python } = inject("python");
const parityScript = fileURLToPath(new URL("../../../python/train_parity.py", import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), "skiff-tree-ensemble-"));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const load = sessionLoader();

// --- float32 neighbours ---

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The next float32 above the float32 `v` (v ≠ 0). */
function nextUp(v: number): number {
  f32[0] = v;
  u32[0] = v > 0 ? (u32[0] as number) + 1 : (u32[0] as number) - 1;
  return f32[0] as number;
}

function nextDown(v: number): number {
  return -nextUp(-v);
}

// --- random preprocessing, rows and ensembles ---

type PrepKind = "numeric" | "categorical" | "mixed";

interface Fixture {
  prep: Preprocessing;
  width: number;
  /** Per numeric column: float32 values that sit on either side of its thresholds. */
  values: number[][];
  /** Per numeric column: thresholds, each the midpoint of two float32 values. */
  thresholds: number[][];
}

function fixture(rng: Rng, kind: PrepKind): Fixture {
  const numericCount = kind === "categorical" ? 0 : 1 + rng.int(4);
  const categoricalCount = kind === "numeric" ? 0 : 1 + rng.int(3);
  const values: number[][] = [];
  const thresholds: number[][] = [];
  const numeric = Array.from({ length: numericCount }, (_, j) => {
    const centre = (rng.next() - 0.5) * 10 ** rng.int(5);
    const spread = 10 ** (rng.int(4) - 1);
    const pool = Array.from({ length: 6 }, () =>
      Math.fround(centre + (rng.next() - 0.5) * spread || 1),
    );
    // Adjacent float32 values, and the midpoints between them: a double threshold separates
    // them, a float32 one (rounded onto either) would not.
    const between = pool.map((v) => (v + nextUp(v)) / 2);
    const wide = pool.map((v) => (v + (pool[rng.int(pool.length)] as number)) / 2);
    values.push(pool.flatMap((v) => [v, nextUp(v), nextDown(v)]));
    thresholds.push([...between, ...wide]);
    // Means and scales a standardizing graph would apply: the tree export must ignore them.
    return { name: `x${j}`, mean: 1000 * rng.next() + 1, scale: 0.001 + rng.next() };
  });
  const categorical = Array.from({ length: categoricalCount }, (_, j) => ({
    name: `c${j}`,
    // A feature with no training categories makes no design columns.
    categories:
      kind === "mixed" && j === 0 && rng.next() < 0.5
        ? []
        : ["a", "b", "c", "d", "e"].slice(0, 1 + rng.int(5)).map((c) => `${c}${j}`),
  }));
  const inputs = rng.shuffle([
    ...numeric.map((f) => ({ name: f.name, kind: "numeric" as const })),
    ...categorical.map((f) => ({ name: f.name, kind: "categorical" as const })),
  ]);
  const width = categorical.reduce((sum, f) => sum + f.categories.length, numericCount);
  return { prep: { inputs, numeric, categorical }, width, values, thresholds };
}

interface Row {
  numeric: Float64Array;
  categorical: string[];
}

function randomRow(rng: Rng, fx: Fixture): Row {
  const numeric = Float64Array.from(fx.values, (pool, j) => {
    const u = rng.next();
    if (u < 0.15) return Number.NaN;
    if (u < 0.75) return pool[rng.int(pool.length)] as number;
    // A threshold itself, sent as float32: it lands on one of its neighbours.
    if (u < 0.85) return fx.thresholds[j]?.[rng.int(fx.thresholds[j]?.length ?? 1)] as number;
    const a = pool[0] as number;
    return a + (rng.next() - 0.5) * 4 * Math.max(1, Math.abs(a));
  });
  const categorical = fx.prep.categorical.map((f) => {
    const u = rng.next();
    if (u < 0.15) return "";
    if (u < 0.3) return "unseen";
    if (u < 0.35) return f.categories[0]?.toUpperCase() ?? "A";
    return f.categories[rng.int(f.categories.length)] ?? "";
  });
  return { numeric, categorical };
}

/**
 * A random tree: depth up to `maxDepth` (0 is a single leaf), nodes in a shuffled layout with
 * the root at 0, and sometimes an unreachable leaf that must not count.
 */
function randomTree(
  rng: Rng,
  fx: Fixture,
  maxDepth: number,
  width: number,
  target: number,
  leaf: () => number[],
): Tree {
  const feature: number[] = [];
  const threshold: number[] = [];
  const missingLeft: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const values: number[][] = [];
  const numericCount = fx.prep.numeric.length;
  const grow = (depth: number): number => {
    const id = feature.length;
    feature.push(-1);
    threshold.push(0);
    missingLeft.push(0);
    left.push(-1);
    right.push(-1);
    values.push(new Array<number>(width).fill(0));
    if (depth >= maxDepth || (depth > 0 && rng.next() < 0.25)) {
      values[id] = leaf();
      return id;
    }
    const f = rng.int(fx.width);
    feature[id] = f;
    threshold[id] =
      f < numericCount
        ? (fx.thresholds[f]?.[rng.int(fx.thresholds[f]?.length ?? 1)] as number)
        : ([0.5, 0.5, 0, 1][rng.int(4)] as number);
    missingLeft[id] = rng.int(2);
    left[id] = grow(depth + 1);
    right[id] = grow(depth + 1);
    return id;
  };
  grow(0);
  if (rng.next() < 0.3) {
    feature.push(-1);
    threshold.push(0);
    missingLeft.push(0);
    left.push(-1);
    right.push(-1);
    values.push(new Array<number>(width).fill(1e6));
  }
  // Shuffle every node but the root; children are followed through the indices.
  const n = feature.length;
  const place = [0, ...rng.shuffle(Array.from({ length: n - 1 }, (_, i) => i + 1))];
  const at = (node: number) => (node < 0 ? -1 : (place[node] as number));
  const tree: Tree = {
    feature: new Int32Array(n),
    threshold: new Float64Array(n),
    missingLeft: new Uint8Array(n),
    left: new Int32Array(n),
    right: new Int32Array(n),
    values: new Float64Array(n * width),
    width,
    target,
  };
  for (let i = 0; i < n; i++) {
    const p = at(i);
    tree.feature[p] = feature[i] as number;
    tree.threshold[p] = threshold[i] as number;
    tree.missingLeft[p] = missingLeft[i] as number;
    tree.left[p] = at(left[i] as number);
    tree.right[p] = at(right[i] as number);
    tree.values.set(values[i] as number[], p * width);
  }
  return tree;
}

function randomEnsemble(rng: Rng, fx: Fixture, link: TreeLink, classes: number): TreeEnsembleModel {
  const outputs = link === "identity" || link === "sigmoid" ? 1 : classes;
  const count = 3 + rng.int(20);
  const trees = Array.from({ length: count }, () => {
    const depth = rng.int(7);
    if (link === "probabilities") {
      // A forest: every leaf a class distribution, averaged over the trees.
      return randomTree(rng, fx, depth, outputs, 0, () => {
        const raw = Array.from({ length: outputs }, () => rng.next() ** 2);
        const sum = raw.reduce((a, b) => a + b, 0);
        return raw.map((p) => p / sum / count);
      });
    }
    const scale = link === "identity" ? 10 ** (rng.int(4) - 1) : 1;
    // One score column (at any target), all of them, or a run of them.
    const shape = outputs === 1 ? 0 : rng.int(3);
    const width = shape === 0 ? 1 : shape === 1 ? outputs : 1 + rng.int(outputs - 1);
    const target = rng.int(outputs - width + 1);
    return randomTree(rng, fx, depth, width, target, () =>
      Array.from({ length: width }, () => (rng.next() - 0.5) * 2 * scale),
    );
  });
  const base =
    link === "probabilities"
      ? new Float64Array(outputs)
      : Float64Array.from({ length: outputs }, () => (rng.next() - 0.5) * 20);
  return { width: fx.width, outputs, trees, base, link };
}

function headFor(link: TreeLink, classes: string[]): Head {
  return link === "identity"
    ? { task: "regression", outputNames: { value: "value" } }
    : {
        task: "classification",
        link: link === "sigmoid" ? "sigmoid" : "softmax",
        classes,
        outputNames: { probabilities: "probabilities", label: "label" },
      };
}

function feedsOf(prep: Preprocessing, rows: Row[]): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  prep.numeric.forEach((f, j) => {
    const column = Float32Array.from(rows, (r) => r.numeric[j] as number);
    feeds[f.name] = new ort.Tensor("float32", column, [rows.length, 1]);
  });
  prep.categorical.forEach((f, j) => {
    const column = rows.map((r) => r.categorical[j] as string);
    feeds[f.name] = new ort.Tensor("string", column, [rows.length, 1]);
  });
  return feeds;
}

/** What the TypeScript forward pass answers for each row: the scores and the prediction. */
function reference(model: TreeEnsembleModel, prep: Preprocessing, rows: Row[]) {
  // The trainers' own encoder, as the tree trainer reads rows.
  const encoder = new DesignEncoder(prep, { numeric: "raw" });
  const x = new Float64Array(encoder.width);
  const columns = model.link === "sigmoid" ? 2 : model.outputs;
  return rows.map((row) => {
    encoder.encode(
      { numeric: Float64Array.from(row.numeric), categorical: row.categorical, target: undefined },
      x,
    );
    const scores = new Float64Array(model.outputs);
    const out = new Float64Array(columns);
    predictTreesInto(model, x, 0, scores, out);
    // The class a classifier names: the highest logit, the first of equal ones.
    const logits = model.link === "sigmoid" ? [0, scores[0] as number] : Array.from(scores);
    const best = logits.indexOf(Math.max(...logits));
    return { out: Array.from(out), best };
  });
}

// --- the cases ---

const LINKS: TreeLink[] = ["identity", "sigmoid", "softmax", "probabilities"];
const KINDS: PrepKind[] = ["numeric", "categorical", "mixed"];
const SEEDS = [1, 2, 3];
const ROWS = 400;

const cases = LINKS.flatMap((link) =>
  KINDS.flatMap((kind) => SEEDS.map((seed) => ({ link, kind, seed }))),
);

describe("onnxruntime-node answers what predictTreesInto does", () => {
  it.each(cases)("$link scores, $kind features (seed $seed)", async ({ link, kind, seed }) => {
    const rng = new Rng(seed * 7919 + LINKS.indexOf(link) * 31 + KINDS.indexOf(kind));
    const fx = fixture(rng, kind);
    const classes = ["no", "yes", "maybe", "later", "never"].slice(
      0,
      link === "sigmoid" ? 2 : 3 + rng.int(3),
    );
    const model = randomEnsemble(rng, fx, link, classes.length);
    const rows = Array.from({ length: ROWS }, () => randomRow(rng, fx));
    const head = headFor(link, classes);
    const session = await load(exportTreeEnsemble(fx.prep, model, head, "skiff_trees"));
    const answer = await session.run(feedsOf(fx.prep, rows));
    const wanted = reference(model, fx.prep, rows);

    if (head.task === "regression") {
      const value = answer.value as ort.Tensor;
      expect(value.dims).toEqual([ROWS, 1]);
      const got = value.data as Float32Array;
      wanted.forEach(({ out }, i) => {
        const w = out[0] as number;
        expect(Math.abs((got[i] as number) - w)).toBeLessThanOrEqual(1e-6 * Math.abs(w));
      });
      return;
    }
    const probabilities = answer.probabilities as ort.Tensor;
    const label = answer.label as ort.Tensor;
    const c = classes.length;
    expect(probabilities.dims).toEqual([ROWS, c]);
    expect(label.dims).toEqual([ROWS]);
    const p = probabilities.data as Float32Array;
    let worst = 0;
    wanted.forEach(({ out }, i) => {
      for (let k = 0; k < c; k++) {
        worst = Math.max(worst, Math.abs((p[i * c + k] as number) - (out[k] as number)));
      }
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(label.data).toEqual(wanted.map(({ best }) => classes[best]));
  });
});

describe("the exported graph", () => {
  const prep: Preprocessing = {
    inputs: [{ name: "x", kind: "numeric" }],
    numeric: [{ name: "x", mean: 0, scale: 1 }],
    categorical: [],
  };
  const stump = (threshold: number, missingLeft: 0 | 1): TreeEnsembleModel => ({
    width: 1,
    outputs: 1,
    base: Float64Array.of(0),
    link: "identity",
    trees: [
      {
        feature: Int32Array.of(0, -1, -1),
        threshold: Float64Array.of(threshold),
        missingLeft: Uint8Array.of(missingLeft, 0, 0),
        left: Int32Array.of(1, -1, -1),
        right: Int32Array.of(2, -1, -1),
        values: Float64Array.of(0, -1, 1),
        width: 1,
        target: 0,
      },
    ],
  });
  const regression: Head = { task: "regression", outputNames: { value: "value" } };

  async function values(model: TreeEnsembleModel, xs: number[]): Promise<number[]> {
    const session = await load(exportTreeEnsemble(prep, model, regression, "stump"));
    const { value } = await session.run({
      x: new ort.Tensor("float32", Float32Array.from(xs), [xs.length, 1]),
    });
    return Array.from((value as ort.Tensor).data as Float32Array);
  }

  it("separates two adjacent float32 values by the double threshold between them, whichever way float32 would round it", async () => {
    // float32 rounds a tie to even: the midpoint above 1 onto 1, the one above 1 + 2⁻²³ onto
    // its upper neighbour, which a float32 threshold would then send left.
    for (const v of [1, 1 + 2 ** -23]) {
      const up = nextUp(v);
      expect(await values(stump((v + up) / 2, 0), [v, up])).toEqual([-1, 1]);
    }
  });

  it("sends a missing value where missingLeft says, not to the training mean", async () => {
    expect(await values(stump(0.5, 1), [Number.NaN, 0, 1])).toEqual([-1, -1, 1]);
    expect(await values(stump(0.5, 0), [Number.NaN, 0, 1])).toEqual([1, -1, 1]);
  });

  it("answers the base values for an ensemble without trees", async () => {
    const model: TreeEnsembleModel = {
      width: 1,
      outputs: 1,
      trees: [],
      base: Float64Array.of(2.5),
      link: "identity",
    };
    expect(await values(model, [0, Number.NaN])).toEqual([2.5, 2.5]);
    const scores = new Float64Array(1);
    scoresInto(model, Float64Array.of(0), 0, scores);
    expect(scores[0]).toBe(2.5);
  });

  it("refuses trees that do not fit the preprocessing or the head", () => {
    const wide = { ...stump(0.5, 0), width: 2 };
    expect(() => exportTreeEnsemble(prep, wide, regression, "g")).toThrow(/2 design columns/);
    const softmax = { ...stump(0.5, 0), link: "softmax" as const };
    expect(() => exportTreeEnsemble(prep, softmax, regression, "g")).toThrow(/regression head/);
    const binary = headFor("sigmoid", ["a", "b", "c"]);
    const sigmoid = { ...stump(0.5, 0), link: "sigmoid" as const };
    expect(() => exportTreeEnsemble(prep, sigmoid, binary, "g")).toThrow(/3 classes/);
  });

  interface Checked {
    ir_version: number;
    opsets: Record<string, number>;
    inputs: Record<string, { type: string; shape: Array<string | number> }>;
    outputs: Record<string, { type: string; shape: Array<string | number> }>;
  }

  async function onnxCheck(bytes: Uint8Array, name: string): Promise<Checked> {
    const file = join(workDir, `${name}.onnx`);
    writeFileSync(file, bytes);
    const { stdout } = await run(python, [parityScript, "check", file]);
    return JSON.parse(stdout) as Checked;
  }

  it.each(LINKS)(
    "passes ONNX's checker (%s) with the inputs and outputs a linear model over the same features declares",
    async (link) => {
      const rng = new Rng(99);
      const fx = fixture(rng, "mixed");
      const classes = link === "sigmoid" ? ["n", "y"] : ["a", "b", "c"];
      const model = randomEnsemble(rng, fx, link, classes.length);
      const head = headFor(link, classes);
      const outputs = link === "identity" || link === "sigmoid" ? 1 : classes.length;
      const linear = exportLinearModel(
        fx.prep,
        {
          weights: new Float64Array(fx.width * outputs),
          intercepts: new Float64Array(outputs),
          outputs,
        },
        head,
        "skiff_linear",
      );
      const trees = await onnxCheck(exportTreeEnsemble(fx.prep, model, head, "skiff_trees"), link);
      const reference = await onnxCheck(linear, `${link}-linear`);
      expect(trees.ir_version).toBe(13);
      expect(trees.opsets).toEqual({ "ai.onnx": 17, "ai.onnx.ml": 3 });
      expect(trees.inputs).toEqual(reference.inputs);
      expect(Object.keys(trees.inputs)).toEqual(fx.prep.inputs.map((i) => i.name));
      expect(trees.outputs).toEqual(reference.outputs);
    },
  );
});
