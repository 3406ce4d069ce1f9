/**
 * @module serve/predict/plan
 * How named features become the model's input tensors and how its outputs become an answer,
 * worked out once per loaded model from model.json and the session's metadata.
 */
import type { Tensor } from "onnxruntime-node";
import { InternalError } from "../../lib/errors.ts";
import type { ModelFeature } from "../../lib/storage/model-record.ts";
import type { OnnxModel, TensorSpec } from "../runtime/onnx-model.ts";

export type InputLayout =
  /** One [N, F] tensor, features in model.json order (scikit-learn's usual export). */
  | { kind: "matrix"; input: TensorSpec }
  /** One [N, 1] (or [N]) tensor per feature, named like the feature. */
  | { kind: "columns"; inputs: TensorSpec[] };

export type OutputPlan =
  | { task: "classification"; probabilities: string; classes: Array<string | number> }
  | {
      task: "classification";
      label: string;
      probabilities: undefined;
      classes: Array<string | number> | undefined;
    }
  | { task: "regression"; value: string };

export interface PredictPlan {
  features: ModelFeature[];
  featureNames: Set<string>;
  layout: InputLayout;
  output: OutputPlan;
}

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

function unservable(model: OnnxModel, why: string): InternalError {
  return new InternalError(
    `model ${model.name} version ${model.version} cannot take named features: ${why}`,
  );
}

function layoutOf(model: OnnxModel, features: ModelFeature[]): InputLayout {
  const [only] = model.inputs;
  const byName = features.every((f) => model.input(f.name) !== undefined);
  if (byName && model.inputs.length === features.length) {
    return { kind: "columns", inputs: features.map((f) => model.input(f.name) as TensorSpec) };
  }
  if (model.inputs.length === 1 && only) {
    if (!NUMERIC.has(only.type) && only.type !== "bool")
      throw unservable(model, `input ${only.name} is ${only.type}`);
    if (features.some((f) => f.type === "string")) {
      throw unservable(model, `string features cannot go into the numeric matrix ${only.name}`);
    }
    const width = only.shape[1];
    if (only.shape.length !== 2 || (width !== -1 && width !== features.length)) {
      throw unservable(
        model,
        `input ${only.name} has shape [${only.shape}] but model.json lists ${features.length} features`,
      );
    }
    return { kind: "matrix", input: only };
  }
  throw unservable(model, "its inputs are neither one matrix nor one tensor per feature");
}

function outputOf(model: OnnxModel): OutputPlan {
  const { record } = model;
  const named = (name: string | undefined) => {
    if (name !== undefined && !model.output(name))
      throw unservable(model, `model.json names output ${name}, which the graph lacks`);
    return name;
  };
  if (record.task === "regression") {
    const value =
      named(record.outputs?.value) ?? model.outputs.find((o) => FLOATS.has(o.type))?.name;
    if (value === undefined) throw unservable(model, "no float output to read a value from");
    return { task: "regression", value };
  }
  const probabilities =
    named(record.outputs?.probabilities) ??
    model.outputs.find((o) => FLOATS.has(o.type) && o.shape.length === 2)?.name;
  if (probabilities !== undefined) {
    const columns = model.output(probabilities)?.shape[1] ?? -1;
    const classes =
      record.classes ?? (columns > 0 ? Array.from({ length: columns }, (_, i) => i) : undefined);
    if (classes === undefined)
      throw unservable(model, "model.json has no classes and the probability width is unknown");
    if (columns > 0 && columns !== classes.length) {
      throw unservable(
        model,
        `${classes.length} classes in model.json but ${columns} probability columns`,
      );
    }
    return { task: "classification", probabilities, classes };
  }
  const label = named(record.outputs?.label) ?? model.outputs[0]?.name;
  if (label === undefined) throw unservable(model, "no output");
  return { task: "classification", label, probabilities: undefined, classes: record.classes };
}

/** The outputs to fetch for an answer. */
export function outputNamesOf(plan: OutputPlan): string[] {
  if (plan.task === "regression") return [plan.value];
  return [plan.probabilities ?? plan.label];
}

const plans = new WeakMap<OnnxModel, PredictPlan>();

export function planFor(model: OnnxModel): PredictPlan {
  let plan = plans.get(model);
  if (plan === undefined) {
    const { features } = model.record;
    plan = {
      features,
      featureNames: new Set(features.map((f) => f.name)),
      layout: layoutOf(model, features),
      output: outputOf(model),
    };
    plans.set(model, plan);
  }
  return plan;
}
