/**
 * @module train/runs/run-record
 * The shape of `runs/<id>/run.json`: a training run from request to result.
 */
import { z } from "zod";
import { ALGORITHMS } from "../trainers/params.ts";
import { treeTrainingSchema } from "../trainers/trained.ts";

export const RUN_STATUSES = ["queued", "running", "succeeded", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runRecordSchema = z.object({
  id: z.string(),
  status: z.enum(RUN_STATUSES),
  model: z.string(),
  dataset: z.string(),
  datasetVersion: z.string(),
  target: z.string(),
  features: z.array(z.string()),
  task: z.enum(["classification", "regression"]),
  algorithm: z.enum(ALGORITHMS),
  params: z.record(z.string(), z.unknown()),
  testFraction: z.number(),
  seed: z.number().int(),
  executor: z.enum(["inline", "kubernetes"]),
  progress: z.object({ fraction: z.number().min(0).max(1), message: z.string() }),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Written by the worker while it runs; a stale heartbeat means the worker died. */
  heartbeatAt: z.string().optional(),
  durationMs: z.number().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  /** A tree ensemble's rounds, loss curve and feature importances, as its model.json has them. */
  training: treeTrainingSchema.optional(),
  modelVersion: z.string().optional(),
  error: z.string().optional(),
});

export type RunRecord = z.infer<typeof runRecordSchema>;

export function isFinished(status: RunStatus): boolean {
  return status === "succeeded" || status === "failed";
}
