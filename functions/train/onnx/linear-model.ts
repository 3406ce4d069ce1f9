/**
 * @module train/onnx/linear-model
 * A fitted linear model as a complete ONNX graph: the baked-in preprocessing, scores
 * = design · W + b, then the task's outputs.
 *
 * - classifier: `probabilities` float [N, C] (softmax of the scores; a binary model's single
 *   score s becomes the two scores [0, s], whose softmax is [1 − σ(s), σ(s)]), and `label`
 *   string [N], the class with the highest probability.
 * - regressor: `value` float [N, 1].
 */
import { BATCH, GraphBuilder } from "./graph.ts";
import { addPreprocessing, designWidth, type Preprocessing } from "./preprocess.ts";

/** scores = x · weights + intercepts; `weights` is width × outputs, row-major. */
export interface LinearScores {
  weights: Float64Array;
  intercepts: Float64Array;
  outputs: number;
}

export type Head =
  | {
      task: "classification";
      /** "sigmoid": one score for classes[1] against classes[0]; "softmax": one per class. */
      link: "sigmoid" | "softmax";
      classes: string[];
      outputNames: { probabilities: string; label: string };
    }
  | { task: "regression"; outputNames: { value: string } };

/** The binary model's weights as two softmax columns: [0 | w] and [0, b]. */
function asTwoColumns(scores: LinearScores, width: number): LinearScores {
  const weights = new Float64Array(width * 2);
  for (let i = 0; i < width; i++) weights[i * 2 + 1] = scores.weights[i] as number;
  return {
    weights,
    intercepts: Float64Array.of(0, scores.intercepts[0] as number),
    outputs: 2,
  };
}

export function exportLinearModel(
  prep: Preprocessing,
  fitted: LinearScores,
  head: Head,
  graphName: string,
): Uint8Array {
  const g = new GraphBuilder();
  const design = addPreprocessing(g, prep);
  const width = designWidth(prep);
  const scores =
    head.task === "classification" && head.link === "sigmoid"
      ? asTwoColumns(fitted, width)
      : fitted;
  const weights = g.floats("weights", scores.weights, [width, scores.outputs]);
  const intercepts = g.floats("intercepts", scores.intercepts, [scores.outputs]);
  const product = g.op("MatMul", [design, weights]);

  if (head.task === "regression") {
    g.node("Add", [product, intercepts], { outputs: [head.outputNames.value] });
    g.output(head.outputNames.value, "float", [BATCH, 1]);
  } else {
    addClassifierOutputs(g, g.op("Add", [product, intercepts]), head, "logits");
  }
  return g.encode({ graphName, docString: "trained by skiff" });
}

export type ClassifierHead = Extract<Head, { task: "classification" }>;

/**
 * Declares a classifier's `probabilities` [N, C] and `label` [N] from `scores` [N, C]: their
 * softmax (`"softmax"`, scores are logits) or the scores themselves (`"probabilities"`), and
 * the class of the highest score.
 */
export function addClassifierOutputs(
  g: GraphBuilder,
  scores: string,
  head: ClassifierHead,
  scoresAre: "logits" | "probabilities",
): void {
  const { probabilities, label } = head.outputNames;
  if (scoresAre === "logits") {
    g.node("Softmax", [scores], { outputs: [probabilities], attributes: { axis: -1 } });
  } else {
    g.node("Identity", [scores], { outputs: [probabilities] });
  }
  // On the scores rather than softmax's rounded probabilities, which saturate at 0 and 1 in
  // float32. ArgMax keeps the first of equal maxima, as numpy's argmax (and scikit-learn) does.
  const best = g.op("ArgMax", [scores], { attributes: { axis: 1, keepdims: 0 } });
  const classes = g.strings("classes", head.classes, [head.classes.length]);
  g.node("Gather", [classes, best], { outputs: [label], attributes: { axis: 0 } });
  g.output(probabilities, "float", [BATCH, head.classes.length]);
  g.output(label, "string", [BATCH]);
}
