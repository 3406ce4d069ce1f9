/**
 * @module storage/model-record
 * The shape of `models/<name>/<version>/model.json`: what a model takes, what it answers, and
 * where it came from. train writes it; serve and info read it. It is written after model.onnx,
 * and its presence is what makes the version exist.
 */
import { z } from "zod";

export const FEATURE_TYPES = ["number", "integer", "boolean", "string"] as const;

export const featureSchema = z.object({
  name: z.string().min(1),
  type: z.enum(FEATURE_TYPES),
  /** Whether `null` is accepted (the model imputes it); otherwise every value is required. */
  nullable: z.boolean().optional(),
});

export const modelRecordSchema = z.looseObject({
  task: z.enum(["classification", "regression"]),
  /** In the order the model takes them when its input is one matrix. */
  features: z.array(featureSchema).min(1),
  target: z.string().optional(),
  /**
   * A regressor with several targets: their names, one per column of the value output, in
   * order. Without it such a model answers `target_0`, `target_1`, ...
   */
  targets: z.array(z.string().min(1)).min(1).optional(),
  /** Class labels in the order of the probability columns. */
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  /** Hex sha256 of model.onnx; checked before a session is created. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be a hex sha256"),
  createdAt: z.string().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  dataset: z.object({ name: z.string(), version: z.string() }).optional(),
  runId: z.string().optional(),
  /** Names of the ONNX outputs to use; found from the graph when absent. */
  outputs: z
    .object({
      label: z.string().optional(),
      probabilities: z.string().optional(),
      value: z.string().optional(),
    })
    .optional(),
});

/** A record before it is published: the registry adds the sha256 and the creation time. */
export const newModelRecordSchema = modelRecordSchema.omit({ sha256: true, createdAt: true });

export type ModelFeature = z.infer<typeof featureSchema>;
export type NewModelRecord = z.infer<typeof newModelRecordSchema>;
export type ModelRecord = z.infer<typeof modelRecordSchema>;
