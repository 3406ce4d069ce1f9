/**
 * @module serve/context
 * What serve's routes share: the model registry, the prediction log and the limits.
 */

import type { ServeMetrics } from "./metrics.ts";
import type { PredictionLog } from "./prediction-log.ts";
import type { ModelRegistry } from "./registry.ts";

export interface ServeContext {
  registry: ModelRegistry;
  metrics: ServeMetrics;
  /** Absent when the prediction log is turned off. */
  log: PredictionLog | undefined;
  maxBatch: number;
  /** The model `POST /predict` means, on a host dedicated to one model. */
  defaultModel: string | undefined;
}
