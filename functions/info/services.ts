/**
 * @module info/services
 * What each function is for, as the catalogue shows it to a user.
 */
import type { FunctionName } from "../lib/routing.ts";

export const SERVICE_DESCRIPTIONS: Record<FunctionName, string> = {
  info: "The catalogue: services, models with versions and aliases, and the API reference.",
  serve: "Inference: named-feature predictions and the Open Inference Protocol (KServe v2).",
  train: "Datasets, training runs and the model registry.",
};
