/**
 * @module serve/metrics
 * What serve reports beyond request counts: inference and load times per model, the rows of
 * each onnxruntime run (how well dynamic batching packs them), cache hits and misses,
 * prediction-log records written and dropped, and the warnings predictions carried.
 */
import { Counter, Histogram, type Registry } from "prom-client";

export interface ServeMetrics {
  inference: Histogram<"model" | "version">;
  runRows: Histogram<"model">;
  load: Histogram<"model" | "outcome">;
  cache: Counter<"outcome">;
  logRecords: Counter<"outcome">;
  logInputsReplaced: Counter;
  warnings: Counter<"model" | "kind">;
}

export function createServeMetrics(registry: Registry): ServeMetrics {
  return {
    inference: new Histogram({
      name: "skiff_inference_duration_seconds",
      help: "Time spent in the model runtime per request",
      labelNames: ["model", "version"],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
      registers: [registry],
    }),
    runRows: new Histogram({
      name: "skiff_inference_run_rows",
      help: "Rows per onnxruntime run; above a request's rows when dynamic batching shared the run",
      labelNames: ["model"],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers: [registry],
    }),
    load: new Histogram({
      name: "skiff_model_load_duration_seconds",
      help: "Time to fetch, verify and load a model",
      labelNames: ["model", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    cache: new Counter({
      name: "skiff_model_cache_total",
      help: "Model lookups by outcome: hit (in memory), miss (loaded), wait (joined a load in progress)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    logRecords: new Counter({
      name: "skiff_prediction_log_records_total",
      help: "Prediction log records by outcome: written to storage, or dropped",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    logInputsReplaced: new Counter({
      name: "skiff_prediction_log_inputs_replaced_total",
      help: "Prediction log records written with a note in place of inputs that could not be serialized",
      registers: [registry],
    }),
    warnings: new Counter({
      name: "skiff_prediction_warnings_total",
      help: "Values predictions accepted but warned about, by kind: unseen_category, missing_value",
      labelNames: ["model", "kind"],
      registers: [registry],
    }),
  };
}
