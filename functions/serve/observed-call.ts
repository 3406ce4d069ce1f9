/**
 * @module serve/observed-call
 * One prediction call as both APIs make it: the model run is timed, the time goes to the
 * metrics and the Server-Timing header, and the call, answered or refused, goes to the
 * prediction log.
 */
import type { Context } from "hono";
import type { Tensor } from "onnxruntime-node";
import { toSkiffError } from "../lib/http/error-handler.ts";
import type { ServeContext } from "./context.ts";
import type { PredictionRecord } from "./prediction-log.ts";
import type { PredictionWarning } from "./prediction-warnings.ts";
import type { Lookup } from "./registry.ts";
import { serverTiming } from "./timing.ts";

/** The header of a response whose body is JSON text built by hand. */
export const JSON_TYPE = { "Content-Type": "application/json" } as const;

export type Run = (
  feeds: Record<string, Tensor>,
  outputs: readonly string[],
) => Promise<Record<string, Tensor>>;

export interface CallOutcome<T> {
  /**
   * The call's outputs as the prediction log keeps them, as JSON text: serialized once, since
   * the response carries the same text.
   */
  outputsJson: string;
  /** The response body. */
  answer: T;
  /** What the log keeps as the inputs when not the call's own (binary tensors, decoded). */
  loggedInputs?: unknown;
  /** What was accepted but worth saying; the log and the metrics carry it too. */
  warnings?: PredictionWarning[];
}

export async function observedCall<T>(
  c: Context,
  ctx: ServeContext,
  call: { lookup: Lookup; api: "predict" | "v2"; inputs: unknown; started: number },
  work: (run: Run) => Promise<CallOutcome<T>>,
): Promise<T> {
  const { model, loadMs } = call.lookup;
  const requestId = c.get("requestId");
  const time = new Date().toISOString();
  let inferMs = 0;
  const run: Run = async (feeds, outputs) => {
    const inferStarted = performance.now();
    try {
      return await call.lookup.run(feeds, outputs);
    } finally {
      inferMs = performance.now() - inferStarted;
    }
  };
  // One literal of one shape for both outcomes (an undefined `error` is left out of the line):
  // an object spread from a shared part takes JSON.stringify's slow path
  // (bench/results/profiles.md).
  const record = (
    inputs: unknown,
    status: number,
    error?: string,
    warnings?: PredictionWarning[],
  ): PredictionRecord => ({
    requestId,
    time,
    model: model.name,
    version: model.version,
    api: call.api,
    inputs,
    status,
    latencyMs: performance.now() - call.started,
    error,
    warnings,
  });
  try {
    const { outputsJson, answer, loggedInputs, warnings } = await work(run);
    ctx.metrics.inference.observe({ model: model.name, version: model.version }, inferMs / 1000);
    c.header("Server-Timing", serverTiming(loadMs, inferMs));
    const said = warnings !== undefined && warnings.length > 0 ? warnings : undefined;
    for (const w of said ?? []) ctx.metrics.warnings.inc({ model: model.name, kind: w.warning });
    ctx.log?.append(record(loggedInputs ?? call.inputs, 200, undefined, said), outputsJson);
    return answer;
  } catch (error) {
    const failure = toSkiffError(error);
    ctx.log?.append(record(call.inputs, failure.status, failure.message));
    throw error;
  }
}
