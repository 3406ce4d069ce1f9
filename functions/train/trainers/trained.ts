/**
 * @module train/trainers/trained
 * What the in-memory and the streaming trainer both hand back: the fitted preprocessing and
 * model, and how they did. index.ts turns it into the ONNX model and model.json.
 */
import type { Preprocessing } from "../onnx/preprocess.ts";
import type { FittedModel } from "./model.ts";

export interface Trained {
  prep: Preprocessing;
  model: FittedModel;
  /** Classification: the class names in probability-column order. */
  classes: string[] | undefined;
  metrics: Record<string, number>;
  confusionMatrix: number[][] | undefined;
  trainRows: number;
  testRows: number;
}
