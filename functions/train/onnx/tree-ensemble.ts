/**
 * @module train/onnx/tree-ensemble
 * A trained tree ensemble as a complete ONNX graph, with the same inputs and outputs as the
 * linear models (train/onnx/linear-model.ts) so serve and the named-feature API treat both
 * alike: the baked-in preprocessing with numeric features raw, the summed scores of ai.onnx.ml
 * TreeEnsembleRegressor, then the head the model's link asks for.
 *
 * The graph answers what train/trees/tree-model.ts's predictTreesInto does. The design is cast
 * to double and the thresholds, leaf weights and base values are DOUBLE tensor attributes:
 * onnxruntime then compares the float32 inputs, widened, with double thresholds and sums in
 * double, exactly as the TypeScript forward pass does. With the float attributes a threshold
 * between two adjacent float32 values would round onto one of them and send it the other way.
 *
 * The scores leave the ensemble as float32, TreeEnsembleRegressor's only output type, so the
 * label is the ArgMax of float32 scores: two classes whose scores differ by less than float32
 * resolves tie there, and the first wins.
 */
import { TensorProto_DataType as DataType } from "../../lib/onnx/proto/onnx_pb.ts";
import type { Tree, TreeEnsembleModel } from "../trees/tree-model.ts";
import { BATCH, GraphBuilder, ML_DOMAIN } from "./graph.ts";
import { addClassifierOutputs, type Head } from "./linear-model.ts";
import { addPreprocessing, designWidth, type Preprocessing } from "./preprocess.ts";

/** The nodes and leaf weights of every tree, as TreeEnsembleRegressor's parallel arrays. */
interface Ensemble {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  missingTrue: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetIds: number[];
  targetWeights: number[];
}

/**
 * Appends tree `t`'s nodes, renumbered in depth-first order from the root. Only nodes the root
 * reaches are written: onnxruntime builds each tree by walking from its first node, and weights
 * on a node it never reached would land on the wrong one.
 */
function addTree(e: Ensemble, tree: Tree, t: number, width: number, shift: number): void {
  const ids = new Map<number, number>();
  const order: number[] = [];
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (ids.has(node)) throw new Error(`tree ${t}: node ${node} is reached twice`);
    if (!(node >= 0 && node < tree.feature.length)) {
      throw new Error(`tree ${t}: a child index ${node} is outside the tree`);
    }
    ids.set(node, order.length);
    order.push(node);
    const f = tree.feature[node] as number;
    if (f < 0) continue;
    if (f >= width) throw new Error(`tree ${t}: node ${node} tests column ${f} of ${width}`);
    // Right first so the left subtree comes next in the order.
    stack.push(tree.right[node] as number, tree.left[node] as number);
  }
  for (const node of order) {
    const f = tree.feature[node] as number;
    e.treeIds.push(t);
    e.nodeIds.push(ids.get(node) as number);
    if (f < 0) {
      e.featureIds.push(0);
      e.modes.push("LEAF");
      e.values.push(0);
      e.trueIds.push(0);
      e.falseIds.push(0);
      e.missingTrue.push(0);
      for (let j = 0; j < tree.width; j++) {
        e.targetTreeIds.push(t);
        e.targetNodeIds.push(ids.get(node) as number);
        e.targetIds.push(tree.target + j + shift);
        e.targetWeights.push(tree.values[node * tree.width + j] as number);
      }
    } else {
      e.featureIds.push(f);
      e.modes.push("BRANCH_LEQ");
      e.values.push(tree.threshold[node] as number);
      // The true branch is x <= threshold, the tree's left.
      e.trueIds.push(ids.get(tree.left[node] as number) as number);
      e.falseIds.push(ids.get(tree.right[node] as number) as number);
      e.missingTrue.push(tree.missingLeft[node] === 1 ? 1 : 0);
    }
  }
}

/** A single leaf adding nothing: onnxruntime refuses an ensemble without nodes. */
const EMPTY_TREE: Tree = {
  feature: Int32Array.of(-1),
  threshold: Float64Array.of(0),
  missingLeft: Uint8Array.of(0),
  left: Int32Array.of(-1),
  right: Int32Array.of(-1),
  values: Float64Array.of(0),
  width: 1,
  target: 0,
};

function checkShapes(prep: Preprocessing, model: TreeEnsembleModel, head: Head): void {
  const width = designWidth(prep);
  if (model.width !== width) {
    throw new Error(
      `the trees read ${model.width} design columns; the preprocessing makes ${width}`,
    );
  }
  if (model.base.length !== model.outputs) {
    throw new Error(`${model.base.length} base values for ${model.outputs} scores`);
  }
  model.trees.forEach((tree, t) => {
    if (tree.target < 0 || tree.target + tree.width > model.outputs) {
      throw new Error(
        `tree ${t} adds to scores ${tree.target}…${tree.target + tree.width - 1} of ${model.outputs}`,
      );
    }
  });
  const wanted =
    head.task === "regression"
      ? model.link === "identity" && model.outputs === 1
      : model.link !== "identity" &&
        model.outputs === (model.link === "sigmoid" ? 1 : head.classes.length) &&
        (model.link !== "sigmoid" || head.classes.length === 2);
  if (!wanted) {
    const classes = head.task === "classification" ? ` over ${head.classes.length} classes` : "";
    throw new Error(
      `a ${head.task} head${classes} cannot take ${model.outputs} ${model.link} scores`,
    );
  }
}

/** The graph for `model`. Its link decides the head; a classifier head's `link` is unused. */
export function exportTreeEnsemble(
  prep: Preprocessing,
  model: TreeEnsembleModel,
  head: Head,
  graphName: string,
): Uint8Array {
  checkShapes(prep, model, head);
  // A sigmoid model's score s for classes[1] becomes the two logits [0, s], whose softmax is
  // [1 − σ(s), σ(s)]: the ensemble writes s to a second target and never touches the first.
  const shift = model.link === "sigmoid" ? 1 : 0;
  const e: Ensemble = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
    missingTrue: [],
    targetTreeIds: [],
    targetNodeIds: [],
    targetIds: [],
    targetWeights: [],
  };
  const trees = model.trees.length > 0 ? model.trees : [EMPTY_TREE];
  trees.forEach((tree, t) => {
    addTree(e, tree, t, model.width, shift);
  });
  const base = shift === 1 ? [0, model.base[0] as number] : Array.from(model.base);

  const g = new GraphBuilder();
  const design = g.op("Cast", [addPreprocessing(g, prep, { numeric: "raw" })], {
    attributes: { to: DataType.DOUBLE },
  });
  const ensemble = {
    domain: ML_DOMAIN,
    attributes: {
      aggregate_function: "SUM",
      post_transform: "NONE",
      n_targets: model.outputs + shift,
      nodes_treeids: { ints: e.treeIds },
      nodes_nodeids: { ints: e.nodeIds },
      nodes_featureids: { ints: e.featureIds },
      nodes_modes: e.modes,
      nodes_values_as_tensor: { doubles: e.values },
      nodes_truenodeids: { ints: e.trueIds },
      nodes_falsenodeids: { ints: e.falseIds },
      nodes_missing_value_tracks_true: { ints: e.missingTrue },
      target_treeids: { ints: e.targetTreeIds },
      target_nodeids: { ints: e.targetNodeIds },
      target_ids: { ints: e.targetIds },
      target_weights_as_tensor: { doubles: e.targetWeights },
      base_values_as_tensor: { doubles: base },
    },
  };

  if (head.task === "regression") {
    g.node("TreeEnsembleRegressor", [design], { ...ensemble, outputs: [head.outputNames.value] });
    g.output(head.outputNames.value, "float", [BATCH, 1]);
  } else {
    const scores = g.op("TreeEnsembleRegressor", [design], ensemble);
    addClassifierOutputs(
      g,
      scores,
      head,
      model.link === "probabilities" ? "probabilities" : "logits",
    );
  }
  return g.encode({ graphName, docString: "trained by skiff" });
}
