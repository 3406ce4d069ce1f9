/**
 * @module serve/predict/decode
 * The model's output tensors → one answer per instance: label, its probability and every
 * class's probability for a classifier; the value (or one value per target) for a regressor.
 * The label is the graph's own label output whenever it has one: for models whose decision is
 * not the most probable class (an SVC's probabilities come from a separate calibration), the
 * argmax would answer differently from the model and from the v2 API.
 */
import type { Tensor } from "onnxruntime-node";
import { InternalError } from "../../lib/errors.ts";
import type { OutputPlan, ProbabilitySource } from "../../lib/onnx/signature.ts";
import { NonFiniteOutputError } from "../non-finite-output.ts";

export type Prediction =
  | { label: string | number; probability: number; probabilities: Record<string, number> }
  | { label: string | number }
  | { value: number }
  | { values: Record<string, number> };

type Classification = Extract<OutputPlan, { task: "classification" }>;
type Regression = Extract<OutputPlan, { task: "regression" }>;

function plain(value: unknown): string | number {
  return typeof value === "bigint" ? Number(value) : (value as string | number);
}

const where = (n: number, i: number) => (n === 1 ? "" : ` for instances[${i}]`);

/** A number the answer carries: NaN or Infinity would be written as null, which breaks it. */
function finite(value: number, what: string, n: number, i: number): number {
  if (!Number.isFinite(value))
    throw new NonFiniteOutputError(`the model answered ${value} as ${what}${where(n, i)}`);
  return value;
}

function floats(outputs: Record<string, Tensor>, name: string): ArrayLike<number> {
  const data = outputs[name]?.data as ArrayLike<number> | undefined;
  if (!data) throw new InternalError(`output ${name} is missing from the run`);
  return data;
}

/** Row-major [N, C] probabilities, from one matrix or from one output per class. */
function probabilityRows(
  source: ProbabilitySource,
  outputs: Record<string, Tensor>,
  n: number,
  width: number,
): (i: number, j: number) => number {
  if (source.kind === "matrix") {
    const data = floats(outputs, source.output);
    if (data.length !== n * width)
      throw new InternalError(`output ${source.output} is not [${n}, ${width}]`);
    return (i, j) => data[i * width + j] as number;
  }
  const columns = source.outputs.map((name) => {
    const data = floats(outputs, name);
    if (data.length !== n) throw new InternalError(`output ${name} is not [${n}]`);
    return data;
  });
  return (i, j) => (columns[j] as ArrayLike<number>)[i] as number;
}

function decodeClassification(
  plan: Classification,
  outputs: Record<string, Tensor>,
  n: number,
): Prediction[] {
  const answers: Prediction[] = new Array(n);
  const labels =
    plan.label === undefined ? undefined : (outputs[plan.label]?.data as ArrayLike<unknown>);
  if (plan.label !== undefined && (!labels || labels.length < n))
    throw new InternalError(`output ${plan.label} has fewer labels than instances`);
  if (plan.probabilities === undefined || plan.classes === undefined) {
    for (let i = 0; i < n; i++) answers[i] = { label: plain((labels as ArrayLike<unknown>)[i]) };
    return answers;
  }
  const { classes } = plan;
  const width = classes.length;
  const at = probabilityRows(plan.probabilities, outputs, n, width);
  const names = classes.map(String);
  for (let i = 0; i < n; i++) {
    // Class names are data: without a prototype, "__proto__" is a key and "constructor" no hit.
    const probabilities: Record<string, number> = Object.create(null);
    let best = 0;
    for (let j = 0; j < width; j++) {
      const p = finite(at(i, j), `the probability of class ${names[j]}`, n, i);
      probabilities[names[j] as string] = p;
      if (p > at(i, best)) best = j;
    }
    const label = labels === undefined ? (classes[best] as string | number) : plain(labels[i]);
    const probability = probabilities[String(label)];
    if (probability === undefined)
      throw new InternalError(
        `the model answered label ${label}${where(n, i)}, which is not among model.json's classes`,
      );
    answers[i] = { label, probability, probabilities };
  }
  return answers;
}

function decodeRegression(
  plan: Regression,
  outputs: Record<string, Tensor>,
  n: number,
): Prediction[] {
  const answers: Prediction[] = new Array(n);
  const data = floats(outputs, plan.value);
  if (data.length < n || data.length % n !== 0)
    throw new InternalError(`output ${plan.value} does not hold a whole row per instance`);
  const width = data.length / n;
  if (width === 1 && plan.targets === undefined) {
    for (let i = 0; i < n; i++)
      answers[i] = { value: finite(data[i] as number, "the value", n, i) };
    return answers;
  }
  const targets = plan.targets ?? Array.from({ length: width }, (_, j) => `target_${j}`);
  if (targets.length !== width)
    throw new InternalError(
      `output ${plan.value} has ${width} columns but model.json lists ${targets.length} targets`,
    );
  for (let i = 0; i < n; i++) {
    const values: Record<string, number> = Object.create(null);
    for (let j = 0; j < width; j++) {
      const name = targets[j] as string;
      values[name] = finite(data[i * width + j] as number, `the value of ${name}`, n, i);
    }
    answers[i] = { values };
  }
  return answers;
}

export function decodeOutputs(
  plan: OutputPlan,
  outputs: Record<string, Tensor>,
  n: number,
): Prediction[] {
  return plan.task === "regression"
    ? decodeRegression(plan, outputs, n)
    : decodeClassification(plan, outputs, n);
}
