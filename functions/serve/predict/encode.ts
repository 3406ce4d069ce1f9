/**
 * @module serve/predict/encode
 * Named-feature instances → the model's input tensors, checking every value against model.json:
 * a missing, extra or ill-typed feature is a 400 that names it.
 */
import * as ort from "onnxruntime-node";
import { InvalidRequestError } from "../../lib/errors.ts";
import type { ModelFeature } from "../../lib/storage/model-record.ts";
import { allocate, type ElementKind, elementKindOf } from "../runtime/datatypes.ts";
import type { PredictPlan } from "./plan.ts";

type Instance = Record<string, unknown>;
type Column = ReturnType<typeof allocate>;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string")
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return Array.isArray(value)
    ? "an array"
    : typeof value === "object"
      ? "an object"
      : String(value);
}

const EXPECTED: Record<ModelFeature["type"], string> = {
  number: "a number",
  integer: "an integer",
  boolean: "true or false",
  string: "a string",
};

/** Checks one value against its feature and writes it into `column` at `index`. */
function write(
  column: Column,
  kind: ElementKind,
  index: number,
  feature: ModelFeature,
  value: unknown,
  where: string,
): void {
  if (value === null || value === undefined) {
    // A nullable feature's missing value is NaN for numbers and "" for categories; the graph
    // imputes either.
    if (value === null && feature.nullable && kind === "float") {
      (column as Float32Array)[index] = Number.NaN;
      return;
    }
    if (value === null && feature.nullable && kind === "string") {
      (column as string[])[index] = "";
      return;
    }
    throw new InvalidRequestError(
      value === undefined ? `${where} is missing` : `${where} must not be null`,
    );
  }
  const ok =
    feature.type === "number"
      ? typeof value === "number" && Number.isFinite(value)
      : feature.type === "integer"
        ? Number.isSafeInteger(value)
        : feature.type === "boolean"
          ? typeof value === "boolean"
          : typeof value === "string";
  if (!ok)
    throw new InvalidRequestError(
      `${where} must be ${EXPECTED[feature.type]}, got ${describe(value)}`,
    );
  switch (kind) {
    case "string":
      (column as string[])[index] = String(value);
      return;
    case "bigint":
      if (!Number.isSafeInteger(value))
        throw new InvalidRequestError(`${where} must be an integer, got ${describe(value)}`);
      (column as BigInt64Array)[index] = BigInt(value as number);
      return;
    case "integer":
    case "bool":
      if (typeof value === "boolean") (column as Uint8Array)[index] = value ? 1 : 0;
      else if (Number.isInteger(value)) (column as Int32Array)[index] = value as number;
      else throw new InvalidRequestError(`${where} must be an integer, got ${describe(value)}`);
      return;
    default:
      (column as Float32Array)[index] =
        typeof value === "boolean" ? Number(value) : (value as number);
  }
}

function checkKeys(plan: PredictPlan, instance: unknown, prefix: string): Instance {
  if (typeof instance !== "object" || instance === null || Array.isArray(instance)) {
    throw new InvalidRequestError(
      `${prefix.slice(0, -1) || "body"} must be an object of named features`,
    );
  }
  for (const name in instance) {
    if (!plan.featureNames.has(name)) {
      throw new InvalidRequestError(
        `${prefix}${name} is not a feature of this model (features: ${[...plan.featureNames].join(", ")})`,
      );
    }
  }
  return instance as Instance;
}

/** `single` names fields without an index, as the request named them. */
export function encodeInstances(
  plan: PredictPlan,
  instances: unknown[],
  single: boolean,
): Record<string, ort.Tensor> {
  const n = instances.length;
  if (n === 0) throw new InvalidRequestError("instances must not be empty");
  const prefixOf = (i: number) => (single ? "" : `instances[${i}].`);
  const { layout, features } = plan;
  if (layout.kind === "matrix") {
    const width = features.length;
    const data = allocate(layout.input.type, n * width);
    const kind = elementKindOf(layout.input.type);
    for (let i = 0; i < n; i++) {
      const prefix = prefixOf(i);
      const instance = checkKeys(plan, instances[i], prefix);
      for (let j = 0; j < width; j++) {
        const feature = features[j] as ModelFeature;
        write(
          data,
          kind,
          i * width + j,
          feature,
          instance[feature.name],
          `${prefix}${feature.name}`,
        );
      }
    }
    return {
      [layout.input.name]: new ort.Tensor(layout.input.type, data as Float32Array, [n, width]),
    };
  }
  const columns = layout.inputs.map((spec) => allocate(spec.type, n));
  const kinds = layout.inputs.map((spec) => elementKindOf(spec.type));
  for (let i = 0; i < n; i++) {
    const prefix = prefixOf(i);
    const instance = checkKeys(plan, instances[i], prefix);
    for (let j = 0; j < features.length; j++) {
      const feature = features[j] as ModelFeature;
      write(
        columns[j] as Column,
        kinds[j] as ElementKind,
        i,
        feature,
        instance[feature.name],
        `${prefix}${feature.name}`,
      );
    }
  }
  const feeds: Record<string, ort.Tensor> = {};
  layout.inputs.forEach((spec, j) => {
    const dims = spec.shape.length === 1 ? [n] : [n, 1];
    feeds[spec.name] = new ort.Tensor(spec.type, columns[j] as Float32Array, dims);
  });
  return feeds;
}
