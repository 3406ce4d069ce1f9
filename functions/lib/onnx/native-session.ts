/**
 * @module lib/onnx/native-session
 * An onnxruntime session driven through onnxruntime-node's native binding, so that a run is a
 * plain synchronous call. The package's own `InferenceSession.run` defers every run to
 * `setImmediate` and wraps it in promises: a turn of the event loop per run, on top of the
 * run batcher's own turn. Serving one-row iris requests, that turn cost about 15% of
 * throughput. The run itself is the same native call either way.
 *
 * The binding is onnxruntime-node's internal interface, so package.json pins the exact
 * onnxruntime-node release this module was written against. Every serve test runs real models
 * through this module, so a release whose binding differs fails them.
 */
import onnxProto from "onnx-proto";
import { type InferenceSession, Tensor } from "onnxruntime-node";
import { binding, initOrt } from "onnxruntime-node/dist/binding.js";

/** A graph input or output as the session reports it. */
export interface ValueSpec {
  name: string;
  isTensor: boolean;
  /** undefined for a value that is not a tensor, or a tensor type onnxruntime-node cannot hold. */
  type: Tensor.Type | undefined;
  /** -1 marks a dynamic dimension. */
  shape: number[];
}

const { DataType } = onnxProto.onnx.TensorProto;

/** ONNX element types, by the number the session reports, as onnxruntime-node names them. */
const TYPE_OF_ONNX: Record<number, Tensor.Type> = {
  [DataType.FLOAT]: "float32",
  [DataType.UINT8]: "uint8",
  [DataType.INT8]: "int8",
  [DataType.UINT16]: "uint16",
  [DataType.INT16]: "int16",
  [DataType.INT32]: "int32",
  [DataType.INT64]: "int64",
  [DataType.STRING]: "string",
  [DataType.BOOL]: "bool",
  [DataType.FLOAT16]: "float16",
  [DataType.DOUBLE]: "float64",
  [DataType.UINT32]: "uint32",
  [DataType.UINT64]: "uint64",
  // UINT4 and INT4 are newer than onnx-proto's copy of the enum.
  21: "uint4",
  22: "int4",
};

type Native = InstanceType<typeof binding.InferenceSession>;

function specsOf(metadata: Native["inputMetadata"]): ValueSpec[] {
  return metadata.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? TYPE_OF_ONNX[m.type] : undefined,
    shape: m.isTensor ? m.shape.map((d) => (d >= 0 ? d : -1)) : [],
  }));
}

export class NativeSession {
  readonly inputs: ValueSpec[];
  readonly outputs: ValueSpec[];
  readonly outputNames: string[];
  readonly #native: Native;
  #disposed = false;

  private constructor(native: Native) {
    this.#native = native;
    this.inputs = specsOf(native.inputMetadata);
    this.outputs = specsOf(native.outputMetadata);
    this.outputNames = this.outputs.map((o) => o.name);
  }

  /** Loads a model from its bytes; throws what onnxruntime reports when they are not a model. */
  static create(bytes: Uint8Array, options: InferenceSession.SessionOptions): NativeSession {
    initOrt();
    const native = new binding.InferenceSession();
    native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      executionProviders: ["cpu"],
      ...options,
    });
    return new NativeSession(native);
  }

  /** Runs the graph now, on this thread, fetching `outputNames`. */
  run(feeds: Record<string, Tensor>, outputNames: readonly string[]): Record<string, Tensor> {
    if (this.#disposed) throw new Error("the onnxruntime session was released");
    const fetches: Record<string, null> = {};
    for (const name of outputNames) fetches[name] = null;
    const results = this.#native.run(feeds, fetches, {});
    const outputs: Record<string, Tensor> = {};
    for (const name of outputNames) {
      const value = results[name] as
        | Tensor
        | { type: Tensor.Type; data: Tensor.DataType; dims: number[] };
      outputs[name] =
        value instanceof Tensor
          ? value
          : new Tensor(value.type, value.data as Float32Array, value.dims);
    }
    return outputs;
  }

  release(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#native.dispose();
  }
}
