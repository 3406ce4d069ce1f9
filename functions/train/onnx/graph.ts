/**
 * @module train/onnx/graph
 * A small builder for ONNX models: typed inputs and outputs with a dynamic batch dimension,
 * constant tensors (initializers), nodes with attributes, and the encoding to bytes.
 *
 * It covers what skiff's trainers emit and nothing more. The messages are those of the onnx.proto
 * skiff checks in (lib/onnx/proto), so the model is written at that release's newest published
 * IR version that onnxruntime loads.
 */
import { create, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  type AttributeProto,
  AttributeProtoSchema,
  AttributeProto_AttributeType as AttributeType,
  TensorProto_DataType as DataType,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  type TensorProto,
  TensorProtoSchema,
  type ValueInfoProto,
  ValueInfoProtoSchema,
  Version,
} from "../../lib/onnx/proto/onnx_pb.ts";

/** ai.onnx opset 17 (Softmax on the last axis, IsNaN on floats) is within ONNX 1.12+ runtimes. */
export const ONNX_OPSET = 17;
/** ai.onnx.ml opset 3: OneHotEncoder and LabelEncoder as onnxruntime implements them. */
export const ONNX_ML_OPSET = 3;
export const ML_DOMAIN = "ai.onnx.ml";
/**
 * IR version 13, of November 2025. The proto's own IR_VERSION, 14, is still unpublished, and
 * onnxruntime 1.30 (skiff's, and the Python one the parity tests check exports with) refuses
 * models above 13.
 */
const IR_VERSION = Version.IR_VERSION_2025_11_06;

/** The name of the dynamic batch dimension, as it shows in the model's metadata. */
export const BATCH = "N";

export type ElemType = "float" | "string" | "int64" | "bool";

const ELEM_TYPES: Record<ElemType, DataType> = {
  float: DataType.FLOAT,
  string: DataType.STRING,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

/** A dimension: a fixed size, or a named dynamic one. */
export type Dim = number | string;

/**
 * A plain number is an INT attribute when integral and a FLOAT one otherwise; `{ float }` forces
 * FLOAT, `{ ints }` makes INTS, a number array FLOATS and a string array STRINGS. `{ doubles }`
 * is a TENSOR attribute holding a 1-D DOUBLE tensor: the only way an attribute carries values
 * float32 would round (the tree ensembles' `*_as_tensor` attributes).
 */
export type AttributeValue =
  | number
  | string
  | number[]
  | string[]
  | { ints: number[] }
  | { float: number }
  | { doubles: ArrayLike<number> };

const utf8 = new TextEncoder();

function attributeInit(
  name: string,
  value: AttributeValue,
): MessageInitShape<typeof AttributeProtoSchema> {
  if (typeof value === "string") return { name, type: AttributeType.STRING, s: utf8.encode(value) };
  if (typeof value === "number") {
    return Number.isInteger(value)
      ? { name, type: AttributeType.INT, i: BigInt(value) }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  if ("float" in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ("ints" in value) return { name, type: AttributeType.INTS, ints: value.ints.map(BigInt) };
  if ("doubles" in value) {
    const { doubles } = value;
    const bytes = new Uint8Array(doubles.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < doubles.length; i++) view.setFloat64(i * 8, doubles[i] as number, true);
    return {
      name,
      type: AttributeType.TENSOR,
      t: { dataType: DataType.DOUBLE, dims: [BigInt(doubles.length)], rawData: bytes },
    };
  }
  if (value.every((v) => typeof v === "string")) {
    return { name, type: AttributeType.STRINGS, strings: value.map((v) => utf8.encode(v)) };
  }
  return { name, type: AttributeType.FLOATS, floats: value as number[] };
}

function attributeOf(name: string, value: AttributeValue): AttributeProto {
  return create(AttributeProtoSchema, attributeInit(name, value));
}

function valueInfo(name: string, elemType: ElemType, dims: readonly Dim[]): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: "tensorType",
        value: {
          elemType: ELEM_TYPES[elemType],
          shape: {
            dim: dims.map((d) => ({
              value:
                typeof d === "number"
                  ? { case: "dimValue" as const, value: BigInt(d) }
                  : { case: "dimParam" as const, value: d },
            })),
          },
        },
      },
    },
  });
}

export class GraphBuilder {
  readonly #inputs: ValueInfoProto[] = [];
  readonly #outputs: ValueInfoProto[] = [];
  readonly #initializers: TensorProto[] = [];
  readonly #nodes: NodeProto[] = [];
  /** Every tensor name in use, so internal names never collide with a feature's name. */
  readonly #names = new Set<string>();
  #counter = 0;

  /** A fresh internal tensor name; `hint` only makes the graph easier to read. */
  name(hint: string): string {
    let candidate: string;
    do candidate = `skiff/${hint}_${this.#counter++}`;
    while (this.#names.has(candidate));
    this.#names.add(candidate);
    return candidate;
  }

  #claim(name: string): string {
    if (this.#names.has(name)) throw new Error(`ONNX tensor name "${name}" is used twice`);
    this.#names.add(name);
    return name;
  }

  input(name: string, elemType: ElemType, dims: readonly Dim[]): string {
    this.#inputs.push(valueInfo(this.#claim(name), elemType, dims));
    return name;
  }

  /** Declares `name`, which a node already writes, as a graph output. */
  output(name: string, elemType: ElemType, dims: readonly Dim[]): void {
    this.#outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 constant, stored as raw little-endian bytes as ONNX's own tools write them. */
  floats(hint: string, values: ArrayLike<number>, dims: readonly number[]): string {
    const name = this.name(hint);
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
    this.#initializers.push(
      create(TensorProtoSchema, {
        name,
        dataType: DataType.FLOAT,
        dims: dims.map(BigInt),
        rawData: bytes,
      }),
    );
    return name;
  }

  strings(hint: string, values: readonly string[], dims: readonly number[]): string {
    const name = this.name(hint);
    this.#initializers.push(
      create(TensorProtoSchema, {
        name,
        dataType: DataType.STRING,
        dims: dims.map(BigInt),
        stringData: values.map((v) => utf8.encode(v)),
      }),
    );
    return name;
  }

  /**
   * Adds a node and returns its output names: fresh internal names, or `outputs` when the
   * node must write a named tensor (a graph output).
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: {
      attributes?: Record<string, AttributeValue>;
      domain?: string;
      outputs?: readonly string[];
      outputCount?: number;
    } = {},
  ): string[] {
    const outputs =
      options.outputs?.map((o) => this.#claim(o)) ??
      Array.from({ length: options.outputCount ?? 1 }, () => this.name(opType.toLowerCase()));
    this.#nodes.push(
      create(NodeProtoSchema, {
        name: this.name(`node_${opType}`),
        opType,
        domain: options.domain ?? "",
        input: [...inputs],
        output: outputs,
        attribute: Object.entries(options.attributes ?? {}).map(([k, v]) => attributeOf(k, v)),
      }),
    );
    return outputs;
  }

  /** The one output of a single-output node. */
  op(
    opType: string,
    inputs: readonly string[],
    options: Parameters<GraphBuilder["node"]>[2] = {},
  ): string {
    return this.node(opType, inputs, options)[0] as string;
  }

  encode(meta: { graphName: string; docString?: string }): Uint8Array {
    const model = create(ModelProtoSchema, {
      irVersion: BigInt(IR_VERSION),
      producerName: "skiff",
      opsetImport: [
        { domain: "", version: BigInt(ONNX_OPSET) },
        { domain: ML_DOMAIN, version: BigInt(ONNX_ML_OPSET) },
      ],
      docString: meta.docString ?? "",
      graph: {
        name: meta.graphName,
        input: this.#inputs,
        output: this.#outputs,
        initializer: this.#initializers,
        node: this.#nodes,
      },
    });
    return toBinary(ModelProtoSchema, model);
  }
}
