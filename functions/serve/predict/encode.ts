/**
 * @module serve/predict/encode
 * Named-feature instances → the model's input tensors, checking every value against model.json
 * and against the tensor's element type: a missing, extra or ill-typed feature, or a value the
 * element type cannot hold (1e39 in FP32, 300 in UINT8), is a 400 that names it.
 */

import * as ort from "onnxruntime-node";
import { InvalidRequestError } from "../../lib/errors.ts";
import {
  allocate,
  type ElementKind,
  elementKindOf,
  elementProblem,
  writeElement,
} from "../../lib/onnx/datatypes.ts";
import type { TensorSpec } from "../../lib/onnx/onnx-model.ts";
import type { ModelFeature } from "../../lib/storage/model-record.ts";
import type { PredictionWarning } from "../prediction-warnings.ts";
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

/** A JSON value as the element type takes it: booleans as 0/1 in numbers, 0/1 as booleans. */
function asElement(kind: ElementKind, value: unknown): unknown {
  if (kind === "bool") return value === 0 ? false : value === 1 ? true : value;
  if (kind !== "string" && typeof value === "boolean") return Number(value);
  return value;
}

interface Cell {
  column: Column;
  type: ort.Tensor.Type;
  index: number;
  feature: ModelFeature;
  /** The categories the graph one-hot encodes this feature over, when it does. */
  categories: ReadonlySet<string> | undefined;
  where: string;
  instance: number;
}

/**
 * Checks one value against its feature and its element type and writes it into the column. A
 * nullable feature's missing value (null, or no key at all) is NaN for numbers and "" for
 * categories, which the graph imputes; that, and a category the graph does not know, is said in
 * `warnings`.
 */
function write(cell: Cell, value: unknown, warnings: PredictionWarning[] | undefined): void {
  const { column, type, index, feature, where } = cell;
  const kind = elementKindOf(type);
  const warn = (warning: PredictionWarning["warning"], extra?: { value: string }) =>
    warnings?.push({ instance: cell.instance, feature: feature.name, warning, ...extra });
  if (value === null || value === undefined) {
    if (feature.nullable && (kind === "float" || kind === "string")) {
      if (kind === "float") (column as Float32Array)[index] = Number.NaN;
      else (column as string[])[index] = "";
      warn("missing_value");
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
  const element = kind === "string" ? String(value) : asElement(kind, value);
  const problem = elementProblem(type, element);
  if (problem !== undefined)
    throw new InvalidRequestError(`${where} must be ${problem}, got ${describe(value)}`);
  writeElement(column, type, index, element);
  if (cell.categories !== undefined && kind === "string") {
    if (element === "") warn("missing_value");
    else if (!cell.categories.has(element as string))
      warn("unseen_category", { value: element as string });
  }
}

/** Feature names are data: a missing `constructor` is missing, not Object's constructor. */
function featureValue(instance: Instance, name: string): unknown {
  return Object.hasOwn(instance, name) ? instance[name] : undefined;
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

/**
 * `single` names fields without an index, as the request named them. What was accepted but is
 * worth saying (see prediction-warnings) is pushed onto `warnings`, when given.
 */
export function encodeInstances(
  plan: PredictPlan,
  instances: unknown[],
  single: boolean,
  warnings?: PredictionWarning[],
): Record<string, ort.Tensor> {
  const n = instances.length;
  if (n === 0) throw new InvalidRequestError("instances must not be empty");
  const prefixOf = (i: number) => (single ? "" : `instances[${i}].`);
  const { layout, features } = plan;
  if (layout.kind === "matrix") {
    const width = features.length;
    const { type } = layout.input;
    const column = allocate(type, n * width);
    for (let i = 0; i < n; i++) {
      const prefix = prefixOf(i);
      const instance = checkKeys(plan, instances[i], prefix);
      for (let j = 0; j < width; j++) {
        const feature = features[j] as ModelFeature;
        const cell = {
          column,
          type,
          index: i * width + j,
          feature,
          categories: undefined,
          where: `${prefix}${feature.name}`,
          instance: i,
        };
        write(cell, featureValue(instance, feature.name), warnings);
      }
    }
    return {
      [layout.input.name]: new ort.Tensor(type, column as Float32Array, [n, width]),
    };
  }
  const columns = layout.inputs.map((spec) => allocate(spec.type, n));
  for (let i = 0; i < n; i++) {
    const prefix = prefixOf(i);
    const instance = checkKeys(plan, instances[i], prefix);
    for (let j = 0; j < features.length; j++) {
      const feature = features[j] as ModelFeature;
      const spec = layout.inputs[j] as TensorSpec;
      const cell = {
        column: columns[j] as Column,
        type: spec.type,
        index: i,
        feature,
        categories: plan.categories.get(spec.name),
        where: `${prefix}${feature.name}`,
        instance: i,
      };
      write(cell, featureValue(instance, feature.name), warnings);
    }
  }
  // fromEntries defines each key, so an input called __proto__ is a key, not the prototype.
  return Object.fromEntries(
    layout.inputs.map((spec, j) => {
      const dims = spec.shape.length === 1 ? [n] : [n, 1];
      return [spec.name, new ort.Tensor(spec.type, columns[j] as Float32Array, dims)];
    }),
  );
}
