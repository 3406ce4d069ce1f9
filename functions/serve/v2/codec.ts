/**
 * @module serve/v2/codec
 * Open Inference Protocol tensors ↔ onnxruntime tensors. Every input must name a model input
 * with its datatype, a shape of the model's rank whose fixed dimensions match, and exactly as
 * many elements as the shape's product, each of the right kind; anything else is a 400.
 * Elements come as JSON `data`, or as bytes after the JSON (the binary tensor data extension).
 */
import * as ort from "onnxruntime-node";
import { InvalidRequestError } from "../../lib/errors.ts";
import {
  allocate,
  elementProblem,
  type V2Datatype,
  v2DatatypeOf,
  writeElement,
} from "../../lib/onnx/datatypes.ts";
import type { OnnxModel, TensorSpec } from "../../lib/onnx/onnx-model.ts";
import { NonFiniteOutputError } from "../non-finite-output.ts";
import { type BinaryTail, tensorData } from "./binary-data.ts";
import type { InferRequestBody } from "./schemas.ts";

type Input = InferRequestBody["inputs"][number];

export interface V2Tensor {
  name: string;
  datatype: V2Datatype;
  shape: number[];
  data: unknown[];
}

/** Where an input's elements are: JSON values, or bytes from the body's binary tail. */
function binarySizeOf(input: Input): number | undefined {
  const size = input.parameters?.binary_data_size;
  if (size === undefined) return undefined;
  if (typeof size !== "number") {
    throw new InvalidRequestError(`input ${input.name}: binary_data_size must be a number`);
  }
  return size;
}

/** Nested arrays are allowed; they are read in row-major order. */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data.flat(Number.POSITIVE_INFINITY) as unknown[]) : data;
}

function checkShape(input: Input, spec: TensorSpec, length: number): void {
  const product = input.shape.reduce((a, b) => a * b, 1);
  if (product !== length) {
    throw new InvalidRequestError(
      `input ${input.name}: shape [${input.shape}] holds ${product} elements but data has ${length}`,
    );
  }
  if (spec.shape.length > 0 && spec.shape.length !== input.shape.length) {
    throw new InvalidRequestError(
      `input ${input.name}: expected shape [${spec.shape}], got [${input.shape}]`,
    );
  }
  spec.shape.forEach((dim, i) => {
    if (dim !== -1 && input.shape[i] !== dim) {
      throw new InvalidRequestError(
        `input ${input.name}: expected shape [${spec.shape}], got [${input.shape}]`,
      );
    }
  });
}

function decodeInput(input: Input, spec: TensorSpec, tail: BinaryTail | undefined): ort.Tensor {
  const expected = v2DatatypeOf(spec.type);
  if (input.datatype !== expected) {
    throw new InvalidRequestError(
      `input ${input.name}: expected datatype ${expected}, got ${input.datatype}`,
    );
  }
  const binarySize = binarySizeOf(input);
  if (binarySize !== undefined) {
    if (input.data !== undefined) {
      throw new InvalidRequestError(
        `input ${input.name}: give either data or parameters.binary_data_size, not both`,
      );
    }
    if (tail === undefined) {
      throw new InvalidRequestError(
        `input ${input.name}: binary_data_size needs the body's JSON length in the Inference-Header-Content-Length header`,
      );
    }
    const what = `input ${input.name}`;
    const count = input.shape.reduce((a, b) => a * b, 1);
    const data = tensorData(spec.type, tail.take(binarySize, what), count, what);
    checkShape(input, spec, count);
    return new ort.Tensor(spec.type, data as Float32Array, input.shape);
  }
  if (input.data === undefined) {
    throw new InvalidRequestError(
      `input ${input.name}: data is missing (or parameters.binary_data_size, for binary data)`,
    );
  }
  const values = flatten(input.data);
  checkShape(input, spec, values.length);
  const data = allocate(spec.type, values.length);
  for (let i = 0; i < values.length; i++) {
    const problem = elementProblem(spec.type, values[i]);
    if (problem !== undefined) {
      throw new InvalidRequestError(
        `input ${input.name}: element ${i} must be ${problem}, got ${JSON.stringify(values[i])}`,
      );
    }
    writeElement(data, spec.type, i, values[i]);
  }
  return new ort.Tensor(spec.type, data as Float32Array, input.shape);
}

/**
 * The feeds for `model` from a request's inputs: every model input exactly once. `tail` holds
 * the binary tensors of a request that uses the binary extension; they must be used up exactly.
 */
export function decodeInputs(
  model: OnnxModel,
  inputs: Input[],
  tail?: BinaryTail,
): Record<string, ort.Tensor> {
  // Input names are data: a Map, so `constructor` is never found on Object.prototype.
  const feeds = new Map<string, ort.Tensor>();
  for (const input of inputs) {
    const spec = model.input(input.name);
    if (!spec) {
      throw new InvalidRequestError(
        `unknown input ${input.name}; model ${model.name} takes ${model.inputs.map((i) => i.name).join(", ")}`,
      );
    }
    if (feeds.has(input.name)) throw new InvalidRequestError(`input ${input.name} is given twice`);
    feeds.set(input.name, decodeInput(input, spec, tail));
  }
  tail?.finish();
  const missing = model.inputs.filter((i) => !feeds.has(i.name)).map((i) => i.name);
  if (missing.length > 0) throw new InvalidRequestError(`missing input ${missing.join(", ")}`);
  return Object.fromEntries(feeds);
}

/** The outputs to fetch: those asked for (each must exist), else all. */
export function outputNamesFor(
  model: OnnxModel,
  requested: Array<{ name: string }> | undefined,
): string[] {
  if (!requested || requested.length === 0) return model.outputs.map((o) => o.name);
  return requested.map(({ name }) => {
    if (!model.output(name)) {
      throw new InvalidRequestError(
        `unknown output ${name}; model ${model.name} gives ${model.outputs.map((o) => o.name).join(", ")}`,
      );
    }
    return name;
  });
}

/**
 * A tensor as JSON: how outputs are answered unless asked for in binary. JSON has no NaN or
 * Infinity (JSON.stringify writes null), so a non-finite float the model answered is refused
 * with the element it is at, unless `binary` says the client gets this output as bytes, which
 * carry it exactly.
 */
export function encodeOutput(name: string, tensor: ort.Tensor, binary = false): V2Tensor {
  const datatype = v2DatatypeOf(tensor.type);
  if (datatype === undefined) throw new Error(`output ${name} has unsupported type ${tensor.type}`);
  const source = tensor.data as ArrayLike<unknown>;
  let data: unknown[];
  if (tensor.type === "int64" || tensor.type === "uint64")
    data = Array.from(source as BigInt64Array, Number);
  else if (tensor.type === "bool") data = Array.from(source as Uint8Array, Boolean);
  else data = Array.from(source);
  if (!binary && (datatype === "FP32" || datatype === "FP64")) {
    const at = (data as number[]).findIndex((v) => !Number.isFinite(v));
    if (at !== -1) {
      throw new NonFiniteOutputError(
        `output ${name} element ${at} is ${data[at]}, which JSON cannot carry; ask for ${name} as binary data (parameters.binary_data) to receive it`,
      );
    }
  }
  return { name, datatype, shape: [...tensor.dims], data };
}
