/**
 * @module lib/onnx/datatypes
 * The one table between Open Inference Protocol datatypes, onnxruntime tensor types and the
 * typed arrays that hold their data.
 */
import type { Tensor } from "onnxruntime-node";

export const V2_DATATYPES = [
  "BOOL",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export type V2Datatype = (typeof V2_DATATYPES)[number];

const ORT_OF_V2: Record<V2Datatype, Tensor.Type> = {
  BOOL: "bool",
  INT8: "int8",
  INT16: "int16",
  INT32: "int32",
  INT64: "int64",
  UINT8: "uint8",
  UINT16: "uint16",
  UINT32: "uint32",
  UINT64: "uint64",
  FP32: "float32",
  FP64: "float64",
  BYTES: "string",
};

const V2_OF_ORT = Object.fromEntries(
  Object.entries(ORT_OF_V2).map(([v2, ort]) => [ort, v2]),
) as Partial<Record<Tensor.Type, V2Datatype>>;

export function v2DatatypeOf(type: Tensor.Type): V2Datatype | undefined {
  return V2_OF_ORT[type];
}

/** The kind of JSON value an element of this type is written as. */
export type ElementKind = "bool" | "integer" | "bigint" | "float" | "string";

export function elementKindOf(type: Tensor.Type): ElementKind {
  switch (type) {
    case "bool":
      return "bool";
    case "int64":
    case "uint64":
      return "bigint";
    case "float16":
    case "float32":
    case "float64":
      return "float";
    case "string":
      return "string";
    default:
      return "integer";
  }
}

/** Inclusive bounds of integer types, so an out-of-range value is refused instead of wrapped. */
const INTEGER_RANGE: Partial<Record<Tensor.Type, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9223372036854775808n, 9223372036854775807n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 18446744073709551615n],
};

/** The largest finite float32; anything that rounds past it is Infinity in an FP32 tensor. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Why `value` cannot be an element of `type`, or undefined when it can: a float must stay finite
 * in the element type (1e39 is Infinity in FP32, which the model would turn into NaN answers),
 * an integer must be whole and within its type's range, a bool true or false. `value` is what
 * JSON gives: numbers, booleans, strings.
 */
export function elementProblem(type: Tensor.Type, value: unknown): string | undefined {
  const datatype = v2DatatypeOf(type) ?? type;
  switch (elementKindOf(type)) {
    case "string":
      return typeof value === "string" ? undefined : "a string";
    case "bool":
      return typeof value === "boolean" ? undefined : "true or false";
    case "float":
      if (type === "float16") return "a type skiff cannot write (float16)";
      if (typeof value !== "number" || !Number.isFinite(value)) return "a finite number";
      if (
        type === "float32" &&
        Math.abs(value) > FLOAT32_MAX &&
        !Number.isFinite(Math.fround(value))
      )
        return `a number within the ${datatype} range (±${FLOAT32_MAX.toPrecision(5)})`;
      return undefined;
    default: {
      if (!Number.isSafeInteger(value)) return "an integer";
      const range = INTEGER_RANGE[type];
      const big = BigInt(value as number);
      if (range && (big < range[0] || big > range[1]))
        return `an integer within the ${datatype} range [${range[0]}, ${range[1]}]`;
      return undefined;
    }
  }
}

/** Writes a value `elementProblem` accepted into `data` at `index`. */
export function writeElement(
  data: NumericArray | string[],
  type: Tensor.Type,
  index: number,
  value: unknown,
): void {
  switch (elementKindOf(type)) {
    case "string":
      (data as string[])[index] = value as string;
      return;
    case "bool":
      (data as Uint8Array)[index] = value ? 1 : 0;
      return;
    case "bigint":
      (data as BigInt64Array)[index] = BigInt(value as number);
      return;
    default:
      (data as Float32Array)[index] = value as number;
  }
}

type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type ElementArray = NumericArray | string[];

/** A typed array of `length` elements of `type`; strings use a plain array. */
export function allocate(type: Tensor.Type, length: number): ElementArray {
  switch (type) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int8":
      return new Int8Array(length);
    case "int16":
      return new Int16Array(length);
    case "int32":
      return new Int32Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "uint8":
    case "bool":
      return new Uint8Array(length);
    case "uint16":
    case "float16":
      return new Uint16Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "uint64":
      return new BigUint64Array(length);
    case "string":
      return new Array<string>(length);
    default:
      throw new Error(`tensor type ${type} is not supported`);
  }
}
