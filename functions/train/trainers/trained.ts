/**
 * @module train/trainers/trained
 * What the in-memory and the streaming trainer both hand back: the fitted preprocessing and
 * model, and how they did. index.ts turns it into the ONNX model and model.json.
 */
import type { Preprocessing } from "../onnx/preprocess.ts";
import type { TreeEnsembleModel } from "../trees/tree-model.ts";
import type { FittedModel } from "./model.ts";

/** What a tree ensemble's training adds to model.json's `training`. */
export interface TreeTraining {
  /** Boosting rounds made (the chosen number, with early stopping), or the forest's trees. */
  rounds: number;
  /** Boosting: the mean loss after each round, index 0 being the baseline alone. */
  lossCurve?: { train: number[]; validation?: number[] };
  /** Each feature's share of the splits' summed gain (one-hot columns summed per feature). */
  featureImportances: Record<string, number>;
}

export type Trained = TrainedParts &
  (
    | { kind: "linear"; model: FittedModel }
    | { kind: "trees"; model: TreeEnsembleModel; trees: TreeTraining }
  );

interface TrainedParts {
  prep: Preprocessing;
  /** Classification: the class names in probability-column order. */
  classes: string[] | undefined;
  metrics: Record<string, number>;
  confusionMatrix: number[][] | undefined;
  trainRows: number;
  testRows: number;
}
