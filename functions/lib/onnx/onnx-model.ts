/**
 * @module lib/onnx/onnx-model
 * One loaded model: an onnxruntime session plus what it takes and answers. Graphs whose outputs
 * are not tensors (scikit-learn's ZipMap) are rewritten first, because onnxruntime-node cannot
 * return such outputs at all. Registration loads a model exactly as serve does, so both use
 * this module.
 */
import type * as ort from "onnxruntime-node";
import type { ModelRecord } from "../storage/model-record.ts";
import type { StoredModel } from "../storage/model-repository.ts";
import { inputCategoriesOf } from "./input-categories.ts";
import {
  type OpenOptions,
  type OrtSession,
  type Outputs,
  openSession,
  type ValueSpec,
} from "./native-session.ts";
import { classLabelsOf, rewriteToTensorOutputs } from "./tensor-outputs.ts";

export interface TensorSpec {
  name: string;
  type: ort.Tensor.Type;
  /** -1 marks a dynamic dimension. */
  shape: number[];
}

function tensorSpecs(values: readonly ValueSpec[], what: string): TensorSpec[] {
  return values.map((v) => {
    if (!v.isTensor) throw new Error(`${what} ${v.name} is not a tensor`);
    if (v.type === undefined)
      throw new Error(`${what} ${v.name} has a type onnxruntime-node cannot hold`);
    return { name: v.name, type: v.type, shape: v.shape };
  });
}

export class OnnxModel {
  readonly name: string;
  readonly version: string;
  readonly record: ModelRecord;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** What skiff changed in the graph to serve it, in words (empty when nothing). */
  readonly changes: string[];
  readonly sizeBytes: number;
  /** Per input the graph one-hot encodes itself: the categories it knows. */
  readonly categories: ReadonlyMap<string, ReadonlySet<string>>;
  /** The class labels the graph's classifier carries, in probability-column order, if any. */
  readonly classLabels: string[] | undefined;
  readonly #session: OrtSession;
  #inFlight = 0;
  #retired = false;
  #released = false;

  private constructor(
    stored: StoredModel,
    session: OrtSession,
    changes: string[],
    sizeBytes: number,
    graph: Pick<OnnxModel, "categories" | "classLabels">,
  ) {
    this.categories = graph.categories;
    this.classLabels = graph.classLabels;
    this.name = stored.name;
    this.version = stored.version;
    this.record = stored.record;
    this.#session = session;
    this.changes = changes;
    this.sizeBytes = sizeBytes;
    this.inputs = tensorSpecs(session.inputs, "input");
    this.outputs = tensorSpecs(session.outputs, "output");
  }

  /** `open` chooses how onnxruntime is reached; the binding unless it says otherwise. */
  static async load(stored: StoredModel, open: OpenOptions = {}): Promise<OnnxModel> {
    const { bytes, changes } = rewriteToTensorOutputs(stored.onnx);
    const options: ort.InferenceSession.SessionOptions = {
      // Small tabular models: a thread pool costs more in hand-offs than it saves.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    };
    const session = await openSession(bytes, options, open);
    return new OnnxModel(
      stored,
      session,
      changes,
      bytes.byteLength,
      // The labels from the bytes as stored: a ZipMap the rewrite removes carries them too.
      { categories: inputCategoriesOf(bytes), classLabels: classLabelsOf(stored.onnx) },
    );
  }

  input(name: string): TensorSpec | undefined {
    return this.inputs.find((i) => i.name === name);
  }

  output(name: string): TensorSpec | undefined {
    return this.outputs.find((o) => o.name === name);
  }

  /** Whether runs can be stacked along the first dimension: every input and output has it dynamic. */
  get stacksRows(): boolean {
    return [...this.inputs, ...this.outputs].every((t) => t.shape[0] === -1);
  }

  /**
   * Runs the graph fetching `outputNames` (all outputs when absent): now, on this thread, when
   * the session runs through onnxruntime-node's binding, else as a promise (see
   * native-session). Only inside `hold`, or the session may already be released.
   */
  runNow(
    feeds: Record<string, ort.Tensor>,
    outputNames?: readonly string[],
  ): Outputs | Promise<Outputs> {
    return this.#session.run(feeds, outputNames ?? this.#session.outputNames);
  }

  run(feeds: Record<string, ort.Tensor>, outputNames?: readonly string[]): Promise<Outputs> {
    return this.hold(() => this.runNow(feeds, outputNames));
  }

  /**
   * Keeps the session alive for `work`, however long it waits before running (a run queued for a
   * shared batch): a retired model is freed only once every held work has settled.
   */
  async hold<T>(work: () => T | Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await work();
    } finally {
      this.#inFlight--;
      if (this.#retired && this.#inFlight === 0) void this.#release();
    }
  }

  /** Frees the session once the runs still using it have finished. */
  retire(): void {
    this.#retired = true;
    if (this.#inFlight === 0) void this.#release();
  }

  async #release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    try {
      await this.#session.release();
    } catch {
      // Already released: nothing left to free.
    }
  }
}
