/**
 * @module serve/batched-run
 * How serve runs a loaded model: through dynamic batching, which wraps the model's run rather
 * than living in the model (a model knows nothing of the other requests waiting), with the rows
 * of every onnxruntime run told to the metrics.
 */
import type { OnnxModel } from "../lib/onnx/onnx-model.ts";
import { type Feeds, type Outputs, RunBatcher } from "./run-batcher.ts";

export type ModelRun = (feeds: Feeds, outputNames: readonly string[]) => Promise<Outputs>;

export interface BatchOptions {
  /** Most rows one shared run may stack; 0 runs every request alone. */
  maxRows: number;
  /** Told the rows of every onnxruntime run (the first dimension of its first input). */
  onRun?: (rows: number) => void;
}

export function batchedRun(model: OnnxModel, options: BatchOptions): ModelRun {
  const { onRun } = options;
  const batcher = new RunBatcher(
    onRun
      ? (feeds, names) => {
          onRun(Object.values(feeds)[0]?.dims[0] ?? 1);
          return model.runNow(feeds, names);
        }
      : (feeds, names) => model.runNow(feeds, names),
    model.stacksRows ? options.maxRows : 0,
  );
  // Held from the moment it is queued, so a model retired meanwhile still runs it.
  return (feeds, names) => model.hold(() => batcher.run(feeds, names));
}
