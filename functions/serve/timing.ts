/**
 * @module serve/timing
 * The Server-Timing header: inference time, and the model load when this request waited for
 * one, so a client can see a cold start.
 */
export function serverTiming(loadMs: number | undefined, inferMs: number): string {
  const infer = `infer;dur=${inferMs.toFixed(3)}`;
  return loadMs === undefined ? infer : `load;dur=${loadMs.toFixed(1)}, ${infer}`;
}
