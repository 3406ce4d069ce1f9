/**
 * @module lib/onnx/native-session
 * An onnxruntime session driven through onnxruntime-node's native binding, so that a run is a
 * plain synchronous call. The package's own `InferenceSession.run` defers every run to
 * `setImmediate` and wraps it in promises: a turn of the event loop per run, on top of the
 * run batcher's own turn, which one-row requests feel in their throughput. The run itself is
 * the same native call either way.
 *
 * The binding is onnxruntime-node's internal interface, so package.json pins the exact
 * onnxruntime-node release this module was written against, and before the first session the
 * binding is checked: it must load, have the functions used here, and load and run a one-node
 * model answering what that model should. When it does not, every session runs through the
 * public `InferenceSession` API instead, whose runs answer promises, so a release whose
 * binding differs still serves, only slower; warnIfBindingUnusable() puts why in the
 * function's log, once.
 */
import { createRequire } from "node:module";
import { create, toBinary } from "@bufbuild/protobuf";
import { InferenceSession, Tensor } from "onnxruntime-node";
import type * as BindingModule from "onnxruntime-node/dist/binding.js";
import type { Logger } from "../logger.ts";
import { TensorProto_DataType as DataType, ModelProtoSchema, Version } from "./proto/onnx_pb.ts";

/** A graph input or output as the session reports it. */
export interface ValueSpec {
  name: string;
  isTensor: boolean;
  /** undefined for a value that is not a tensor, or a tensor type onnxruntime-node cannot hold. */
  type: Tensor.Type | undefined;
  /** -1 marks a dynamic dimension. */
  shape: number[];
}

export type Feeds = Record<string, Tensor>;
export type Outputs = Record<string, Tensor>;

/** How a session reaches onnxruntime: its internal binding, or its public InferenceSession. */
export type SessionApi = "binding" | "public";

/** A loaded model, however it is run. */
export interface OrtSession {
  readonly api: SessionApi;
  readonly inputs: ValueSpec[];
  readonly outputs: ValueSpec[];
  readonly outputNames: string[];
  /**
   * Runs the graph fetching `outputNames`: through the binding now, on this thread, returning
   * the outputs; through the public API, answering them as a promise.
   */
  run(feeds: Feeds, outputNames: readonly string[]): Outputs | Promise<Outputs>;
  release(): void | Promise<void>;
}

/** ONNX element types, by the number the binding reports, as onnxruntime-node names them. */
const TYPE_OF_ONNX: Partial<Record<number, Tensor.Type>> = {
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
  [DataType.UINT4]: "uint4",
  [DataType.INT4]: "int4",
};

type Binding = typeof BindingModule;
type Native = InstanceType<Binding["binding"]["InferenceSession"]>;

// --- the check of the binding ---

/** Identity of a float [N, 1] named x into y: loading and running it uses all the binding does. */
function probeModel(): Uint8Array {
  const column = (name: string) => ({
    name,
    type: {
      value: {
        case: "tensorType" as const,
        value: {
          elemType: DataType.FLOAT,
          shape: {
            dim: [
              { value: { case: "dimParam" as const, value: "N" } },
              { value: { case: "dimValue" as const, value: 1n } },
            ],
          },
        },
      },
    },
  });
  return toBinary(
    ModelProtoSchema,
    create(ModelProtoSchema, {
      // Old enough for any onnxruntime the binding might come from.
      irVersion: BigInt(Version.IR_VERSION_2021_7_30),
      opsetImport: [{ domain: "", version: 13n }],
      graph: {
        name: "skiff-binding-check",
        input: [column("x")],
        output: [column("y")],
        node: [{ opType: "Identity", input: ["x"], output: ["y"] }],
      },
    }),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why `metadata` is not one float [dynamic, 1] tensor called `name`, or undefined when it is. */
function metadataProblem(metadata: unknown, name: string): string | undefined {
  const [m] = Array.isArray(metadata)
    ? (metadata as Array<Partial<Native["inputMetadata"][0]>>)
    : [];
  const fits =
    Array.isArray(metadata) &&
    metadata.length === 1 &&
    m?.name === name &&
    m.isTensor === true &&
    m.type === DataType.FLOAT &&
    Array.isArray(m.shape) &&
    m.shape.length === 2 &&
    (m.shape[0] as number) < 0 &&
    m.shape[1] === 1;
  return fits ? undefined : `it describes ${name} as ${JSON.stringify(metadata)}`;
}

/** Why the module `load` returns cannot serve as the binding, or the binding itself. */
function checkBinding(load: () => unknown): { binding: Binding } | { problem: string } {
  let module: Partial<Binding> | undefined;
  try {
    module = load() as Partial<Binding> | undefined;
  } catch (error) {
    return { problem: `onnxruntime-node/dist/binding.js does not load: ${messageOf(error)}` };
  }
  const Session = module?.binding?.InferenceSession;
  if (typeof module?.initOrt !== "function" || typeof Session !== "function") {
    return { problem: "onnxruntime-node/dist/binding.js has no initOrt or InferenceSession" };
  }
  const missing = ["loadModel", "run", "dispose"].filter(
    (name) => typeof (Session.prototype as Record<string, unknown>)[name] !== "function",
  );
  if (missing.length > 0) {
    return { problem: `the binding's InferenceSession has no ${missing.join(", ")}` };
  }
  let native: Native | undefined;
  try {
    module.initOrt();
    native = new Session();
    const bytes = probeModel();
    native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      executionProviders: ["cpu"],
    });
    const shapeProblem =
      metadataProblem(native.inputMetadata, "x") ?? metadataProblem(native.outputMetadata, "y");
    if (shapeProblem) return { problem: `the binding's session metadata differs: ${shapeProblem}` };
    const x = new Tensor("float32", Float32Array.from([1.5, -2]), [2, 1]);
    const y = native.run({ x }, { y: null }, {}).y as Partial<Tensor> | undefined;
    const answers =
      y?.type === "float32" &&
      Array.isArray(y.dims) &&
      y.dims.join() === "2,1" &&
      y.data instanceof Float32Array &&
      y.data.join() === "1.5,-2";
    if (!answers) {
      return { problem: `the binding's run answers ${JSON.stringify(y)} for an Identity` };
    }
    return { binding: module as Binding };
  } catch (error) {
    return { problem: `the binding fails a one-node model: ${messageOf(error)}` };
  } finally {
    try {
      native?.dispose();
    } catch {
      // Nothing was loaded into it.
    }
  }
}

/**
 * The check, on whatever `load` returns: undefined when it can serve as the binding. Its own
 * export so that the check can be tried on modules that are not the binding.
 */
export function bindingProblemOf(load: () => unknown): string | undefined {
  const result = checkBinding(load);
  return "problem" in result ? result.problem : undefined;
}

// Not named require: the bundles' banner declares one at their top level.
const requireHere = createRequire(import.meta.url);
let checked: ReturnType<typeof checkBinding> | undefined;

function checkedBinding(): ReturnType<typeof checkBinding> {
  checked ??= checkBinding(() => requireHere("onnxruntime-node/dist/binding.js"));
  return checked;
}

/**
 * Why sessions run through onnxruntime-node's public API rather than its binding, or undefined
 * when the binding works. Checked once per process, on first use.
 */
export function internalBindingProblem(): string | undefined {
  const result = checkedBinding();
  return "problem" in result ? result.problem : undefined;
}

let warned = false;

/** Says why, once per process and at warn level, when sessions run through the public API. */
export function warnIfBindingUnusable(logger: Logger): void {
  const problem = internalBindingProblem();
  if (problem === undefined || warned) return;
  warned = true;
  logger.warn(
    { reason: problem },
    "onnxruntime-node's binding is unusable: models run through its public InferenceSession API, a turn of the event loop slower per run",
  );
}

// --- sessions ---

function specsOf(metadata: Native["inputMetadata"]): ValueSpec[] {
  return metadata.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? TYPE_OF_ONNX[m.type] : undefined,
    shape: m.isTensor ? m.shape.map((d) => (d >= 0 ? d : -1)) : [],
  }));
}

export class NativeSession implements OrtSession {
  readonly api = "binding";
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

  /**
   * Loads a model from its bytes; throws what onnxruntime reports when they are not a model,
   * and why when the binding cannot be used.
   */
  static create(bytes: Uint8Array, options: InferenceSession.SessionOptions): NativeSession {
    const result = checkedBinding();
    if ("problem" in result) {
      throw new Error(`onnxruntime-node's binding cannot be used: ${result.problem}`);
    }
    const { binding, initOrt } = result.binding;
    initOrt();
    const native = new binding.InferenceSession();
    native.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, {
      executionProviders: ["cpu"],
      ...options,
    });
    return new NativeSession(native);
  }

  /** Runs the graph now, on this thread, fetching `outputNames`. */
  run(feeds: Feeds, outputNames: readonly string[]): Outputs {
    if (this.#disposed) throw new Error("the onnxruntime session was released");
    const fetches: Record<string, null> = {};
    for (const name of outputNames) fetches[name] = null;
    const results = this.#native.run(feeds, fetches, {});
    const outputs: Outputs = {};
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

function publicSpecsOf(metadata: readonly InferenceSession.ValueMetadata[]): ValueSpec[] {
  return metadata.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? m.type : undefined,
    // A symbolic dimension comes as its name.
    shape: m.isTensor ? m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) : [],
  }));
}

/** The fallback: onnxruntime-node's public InferenceSession, one event-loop turn per run. */
class PublicSession implements OrtSession {
  readonly api = "public";
  readonly inputs: ValueSpec[];
  readonly outputs: ValueSpec[];
  readonly outputNames: string[];
  readonly #session: InferenceSession;
  #released = false;

  private constructor(session: InferenceSession) {
    this.#session = session;
    this.inputs = publicSpecsOf(session.inputMetadata);
    this.outputs = publicSpecsOf(session.outputMetadata);
    this.outputNames = this.outputs.map((o) => o.name);
  }

  static async create(
    bytes: Uint8Array,
    options: InferenceSession.SessionOptions,
  ): Promise<PublicSession> {
    const session = await InferenceSession.create(bytes, {
      executionProviders: ["cpu"],
      ...options,
    });
    return new PublicSession(session);
  }

  async run(feeds: Feeds, outputNames: readonly string[]): Promise<Outputs> {
    if (this.#released) throw new Error("the onnxruntime session was released");
    const results = await this.#session.run(feeds, outputNames);
    const outputs: Outputs = {};
    for (const name of outputNames) outputs[name] = results[name] as Tensor;
    return outputs;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#session.release();
  }
}

export interface OpenOptions {
  /**
   * "public" runs the model through the public InferenceSession API even when the binding
   * works; the default, "binding", uses the binding unless its check failed.
   */
  api?: SessionApi;
}

/** Loads a model from its bytes; rejects with what onnxruntime reports when they are not a model. */
export async function openSession(
  bytes: Uint8Array,
  options: InferenceSession.SessionOptions,
  open: OpenOptions = {},
): Promise<OrtSession> {
  if (open.api !== "public" && internalBindingProblem() === undefined) {
    return NativeSession.create(bytes, options);
  }
  return PublicSession.create(bytes, options);
}
