/**
 * @module serve/predict/decode
 * The model's output tensors → one answer per instance: label, its probability and every
 * class's probability for a classifier; the value for a regressor.
 */
import type { Tensor } from "onnxruntime-node";
import { InternalError } from "../../lib/errors.ts";
import type { OutputPlan } from "./plan.ts";

export type Prediction =
  | { label: string | number; probability: number; probabilities: Record<string, number> }
  | { label: string | number }
  | { value: number };

function plain(value: unknown): string | number {
  return typeof value === "bigint" ? Number(value) : (value as string | number);
}

export function decodeOutputs(
  plan: OutputPlan,
  outputs: Record<string, Tensor>,
  n: number,
): Prediction[] {
  const answers: Prediction[] = new Array(n);
  if (plan.task === "regression") {
    const data = outputs[plan.value]?.data as Float32Array | undefined;
    if (!data || data.length < n)
      throw new InternalError(`output ${plan.value} has fewer values than instances`);
    const stride = data.length / n;
    for (let i = 0; i < n; i++) answers[i] = { value: data[i * stride] as number };
    return answers;
  }
  if (plan.probabilities !== undefined) {
    const data = outputs[plan.probabilities]?.data as Float32Array | undefined;
    const width = plan.classes.length;
    if (!data || data.length !== n * width)
      throw new InternalError(`output ${plan.probabilities} is not [${n}, ${width}]`);
    const names = plan.classes.map(String);
    for (let i = 0; i < n; i++) {
      const probabilities: Record<string, number> = {};
      let best = 0;
      for (let j = 0; j < width; j++) {
        const p = data[i * width + j] as number;
        probabilities[names[j] as string] = p;
        if (p > (data[i * width + best] as number)) best = j;
      }
      answers[i] = {
        label: plan.classes[best] as string | number,
        probability: data[i * width + best] as number,
        probabilities,
      };
    }
    return answers;
  }
  const labels = outputs[plan.label]?.data as ArrayLike<unknown> | undefined;
  if (!labels || labels.length < n)
    throw new InternalError(`output ${plan.label} has fewer labels than instances`);
  for (let i = 0; i < n; i++) answers[i] = { label: plain(labels[i]) };
  return answers;
}
