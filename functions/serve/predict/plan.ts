/**
 * @module serve/predict/plan
 * How named features become the model's input tensors and how its outputs become an answer:
 * the model's signature plus what the named API checks requests against, worked out once per
 * loaded model.
 */

import type { OnnxModel } from "../../lib/onnx/onnx-model.ts";
import { type InputLayout, type OutputPlan, signatureOf } from "../../lib/onnx/signature.ts";
import type { ModelFeature } from "../../lib/storage/model-record.ts";

export interface PredictPlan {
  features: ModelFeature[];
  /** Per categorical feature the graph one-hot encodes itself: the categories it knows. */
  categories: ReadonlyMap<string, ReadonlySet<string>>;
  featureNames: Set<string>;
  layout: InputLayout;
  output: OutputPlan;
}

/** The outputs to fetch for an answer. */
export function outputNamesOf(plan: OutputPlan): string[] {
  if (plan.task === "regression") return [plan.value];
  const source = plan.probabilities;
  const probabilities =
    source === undefined ? [] : source.kind === "matrix" ? [source.output] : source.outputs;
  return plan.label === undefined ? probabilities : [plan.label, ...probabilities];
}

const plans = new WeakMap<OnnxModel, PredictPlan>();

/** Throws UnservableModelError, with the reasons, for a model whose model.json does not fit. */
export function planFor(model: OnnxModel): PredictPlan {
  let plan = plans.get(model);
  if (plan === undefined) {
    const { layout, output } = signatureOf(model);
    const { features } = model.record;
    plan = {
      features,
      categories: model.categories,
      featureNames: new Set(features.map((f) => f.name)),
      layout,
      output,
    };
    plans.set(model, plan);
  }
  return plan;
}
