/**
 * @module lib/onnx/signature
 * What a loaded model's model.json means for its graph: which input tensors carry the features
 * and which outputs hold the label, the class probabilities or the values. Worked out once per
 * model; a model.json that does not fit its graph yields the reasons instead, and such a model
 * is neither registered nor served.
 */
import type { Tensor } from "onnxruntime-node";
import { InternalError } from "../errors.ts";
import type { ModelFeature } from "../storage/model-record.ts";
import type { OnnxModel, TensorSpec } from "./onnx-model.ts";

export type InputLayout =
  /** One [N, F] tensor, features in model.json order (scikit-learn's usual export). */
  | { kind: "matrix"; input: TensorSpec }
  /** One [N, 1] (or [N]) tensor per feature, named like the feature. */
  | { kind: "columns"; inputs: TensorSpec[] };

/** Where class probabilities are: one [N, C] tensor, or one [N] tensor per class, in class order. */
export type ProbabilitySource =
  | { kind: "matrix"; output: string }
  /** skl2onnx's zipmap="columns": an output per class, named `s<label>` or `i<label>`. */
  | { kind: "columns"; outputs: string[] };

export type OutputPlan =
  | {
      task: "classification";
      /** The graph's own label output, which is the model's decision: never re-derived. */
      label: string | undefined;
      probabilities: ProbabilitySource | undefined;
      classes: Array<string | number> | undefined;
    }
  | {
      task: "regression";
      value: string;
      /** Names of the targets, one per column of `value`; undefined: one value per instance. */
      targets: string[] | undefined;
    };

const NUMERIC: ReadonlySet<Tensor.Type> = new Set([
  "float32",
  "float64",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
]);
const FLOATS: ReadonlySet<Tensor.Type> = new Set(["float32", "float64"]);
const LABELS: ReadonlySet<Tensor.Type> = new Set(["string", "int64", "int32"]);

/**
 * A model whose model.json does not fit its graph, or whose graph skiff cannot serve by named
 * features: each reason is one sentence naming what contradicts what.
 */
export class UnservableModelError extends InternalError {
  readonly reasons: string[];

  constructor(reasons: string[]) {
    super(`model.json does not fit the graph: ${reasons.join("; ")}`);
    this.reasons = reasons;
  }
}

const describeTensor = (t: TensorSpec) => `${t.name} (${t.type} [${t.shape}])`;

function layoutOf(
  model: OnnxModel,
  features: ModelFeature[],
  reasons: string[],
): InputLayout | undefined {
  const [only] = model.inputs;
  const byName = features.every((f) => model.input(f.name) !== undefined);
  if (byName && model.inputs.length === features.length) {
    return { kind: "columns", inputs: features.map((f) => model.input(f.name) as TensorSpec) };
  }
  if (model.inputs.length === 1 && only) {
    const width = only.shape[1];
    if (!NUMERIC.has(only.type) && only.type !== "bool")
      reasons.push(`input ${only.name} is ${only.type}, not a numeric matrix of the features`);
    else if (features.some((f) => f.type === "string"))
      reasons.push(`string features cannot go into the numeric matrix ${only.name}`);
    else if (only.shape.length !== 2 || (width !== -1 && width !== features.length))
      reasons.push(
        `input ${only.name} has shape [${only.shape}] but model.json lists ${features.length} features`,
      );
    else return { kind: "matrix", input: only };
    return undefined;
  }
  reasons.push(
    `the graph's inputs (${model.inputs.map((i) => i.name).join(", ")}) are neither one matrix nor one tensor per feature of model.json`,
  );
  return undefined;
}

/** The graph outputs named in model.json's `outputs`, each of which must exist. */
function namedOutput(model: OnnxModel, name: string | undefined, reasons: string[]) {
  if (name === undefined) return undefined;
  const spec = model.output(name);
  if (!spec) reasons.push(`model.json names output ${name}, which the graph lacks`);
  return spec;
}

/** One [N] (or [N, 1]) float output per class, named as skl2onnx's zipmap="columns" names them. */
function probabilityColumns(
  model: OnnxModel,
  classes: Array<string | number> | undefined,
): string[] | undefined {
  const columns = model.outputs.filter(
    (o) =>
      FLOATS.has(o.type) && (o.shape.length === 1 || (o.shape.length === 2 && o.shape[1] === 1)),
  );
  if (classes === undefined || columns.length !== classes.length || columns.length < 2)
    return undefined;
  const names = classes.map((c) =>
    [`s${c}`, `i${c}`, String(c)].find((n) => columns.some((o) => o.name === n)),
  );
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** model.json's classes must be the graph's own, in the same order, when the graph names them. */
function checkClasses(model: OnnxModel, reasons: string[]): void {
  const { classes } = model.record;
  const graph = model.classLabels;
  if (classes === undefined || graph === undefined) return;
  const listed = classes.map(String);
  if (listed.length !== graph.length || listed.some((c, i) => c !== graph[i])) {
    reasons.push(
      `model.json lists classes [${listed.join(", ")}] but the graph's classes are [${graph.join(", ")}], in probability-column order`,
    );
  }
}

function classificationOf(model: OnnxModel, reasons: string[]): OutputPlan | undefined {
  const { record } = model;
  checkClasses(model, reasons);
  const label =
    namedOutput(model, record.outputs?.label, reasons) ??
    model.outputs.find((o) => LABELS.has(o.type));
  const matrix =
    namedOutput(model, record.outputs?.probabilities, reasons) ??
    model.outputs.find((o) => FLOATS.has(o.type) && o.shape.length === 2 && o.shape[1] !== 1);
  const unlabelled = label === undefined && record.classes === undefined;
  if (matrix !== undefined && unlabelled && record.outputs?.probabilities === undefined) {
    // Nothing but a float matrix, and nothing in model.json says it holds probabilities.
    reasons.push(
      `task is classification but the graph answers no labels, only ${describeTensor(matrix)}, as a regressor does; a classifier without a label output needs classes or outputs.probabilities in model.json`,
    );
    return undefined;
  }
  if (matrix !== undefined) {
    const columns = matrix.shape[1] ?? -1;
    const classes =
      record.classes ?? (columns > 0 ? Array.from({ length: columns }, (_, i) => i) : undefined);
    if (classes === undefined) {
      reasons.push("model.json has no classes and the probability width is unknown");
      return undefined;
    }
    if (columns > 0 && columns !== classes.length) {
      reasons.push(
        `${classes.length} classes in model.json but ${columns} probability columns in output ${matrix.name}`,
      );
      return undefined;
    }
    return {
      task: "classification",
      label: label?.name,
      probabilities: { kind: "matrix", output: matrix.name },
      classes,
    };
  }
  const columns = probabilityColumns(model, record.classes);
  if (columns !== undefined) {
    return {
      task: "classification",
      label: label?.name,
      probabilities: { kind: "columns", outputs: columns },
      classes: record.classes,
    };
  }
  const floats = model.outputs.filter((o) => FLOATS.has(o.type));
  if (label === undefined) {
    reasons.push(
      floats.length > 0
        ? `task is classification but the graph answers neither labels nor class probabilities, only ${floats.map(describeTensor).join(", ")}, as a regressor does`
        : "task is classification but the graph has no label or probability output",
    );
    return undefined;
  }
  if (floats.length > 1) {
    // Per-class outputs that match no class: answering labels alone would hide them.
    reasons.push(
      `the graph answers ${floats.length} float outputs (${floats.map((o) => o.name).join(", ")}) that match neither one probability matrix nor model.json's classes (${record.classes?.join(", ") ?? "none listed"})`,
    );
    return undefined;
  }
  return {
    task: "classification",
    label: label.name,
    probabilities: undefined,
    classes: record.classes,
  };
}

function regressionOf(model: OnnxModel, reasons: string[]): OutputPlan | undefined {
  const { record } = model;
  const labels = model.outputs.filter((o) => LABELS.has(o.type));
  if (labels.length > 0) {
    reasons.push(
      `task is regression but the graph answers labels (${labels.map(describeTensor).join(", ")}), as a classifier does`,
    );
    return undefined;
  }
  const value =
    namedOutput(model, record.outputs?.value, reasons) ??
    model.outputs.find((o) => FLOATS.has(o.type));
  if (value === undefined) {
    reasons.push("task is regression but the graph has no float output to read a value from");
    return undefined;
  }
  const width = value.shape.length === 2 ? (value.shape[1] as number) : 1;
  const targets = record.targets;
  if (targets !== undefined && width !== -1 && targets.length !== width) {
    reasons.push(
      `model.json lists ${targets.length} targets but output ${value.name} has ${width} columns`,
    );
    return undefined;
  }
  return {
    task: "regression",
    value: value.name,
    targets: targets !== undefined && targets.length > 1 ? targets : undefined,
  };
}

export interface ModelSignature {
  layout: InputLayout;
  output: OutputPlan;
}

const signatures = new WeakMap<OnnxModel, ModelSignature>();

function readSignature(model: OnnxModel, reasons: string[]): ModelSignature | undefined {
  const layout = layoutOf(model, model.record.features, reasons);
  const output =
    model.record.task === "regression"
      ? regressionOf(model, reasons)
      : classificationOf(model, reasons);
  if (layout === undefined || output === undefined || reasons.length > 0) return undefined;
  return { layout, output };
}

/**
 * Why `model` would not serve as its model.json describes it; empty when it would. Registration
 * refuses such a model, and serve refuses to load one written to the bucket directly.
 */
export function checkServable(model: OnnxModel): string[] {
  const reasons: string[] = [];
  const signature = readSignature(model, reasons);
  if (signature !== undefined) signatures.set(model, signature);
  return reasons;
}

export function signatureOf(model: OnnxModel): ModelSignature {
  let signature = signatures.get(model);
  if (signature === undefined) {
    const reasons: string[] = [];
    signature = readSignature(model, reasons);
    if (signature === undefined) throw new UnservableModelError(reasons);
    signatures.set(model, signature);
  }
  return signature;
}
