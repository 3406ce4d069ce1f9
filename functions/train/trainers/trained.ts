/**
 * @module train/trainers/trained
 * What the in-memory and the streaming trainer both hand back: the fitted preprocessing and
 * model, and how they did. index.ts turns it into the ONNX model and model.json.
 */
import { z } from "zod";
import type { Preprocessing } from "../onnx/preprocess.ts";
import type { TreeEnsembleModel } from "../trees/tree-model.ts";
import type { FittedModel } from "./model.ts";

/** What a tree ensemble's training adds to model.json's `training` and to its run record. */
export const treeTrainingSchema = z.object({
  /** Boosting rounds made (the chosen number, with early stopping), or the forest's trees. */
  rounds: z.number().int(),
  /** Boosting: the mean loss after each round, index 0 being the baseline alone. */
  lossCurve: z
    .object({ train: z.array(z.number()), validation: z.array(z.number()).optional() })
    .optional(),
  /** Each feature's share of the splits' summed gain (one-hot columns summed per feature). */
  featureImportances: z.record(z.string(), z.number()),
});
export type TreeTraining = z.infer<typeof treeTrainingSchema>;

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
