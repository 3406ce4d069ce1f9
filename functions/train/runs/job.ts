/**
 * @module train/runs/job
 * The one job entry point: does a run's work from start to finish, whichever executor started
 * it (a child process of the train function, or a Kubernetes Job running the same image). It
 * owns run.json while it runs and keeps a heartbeat in it, so a dead worker is noticed.
 */
import { SkiffError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { readDatasetRecord, readDatasetRows } from "../datasets/catalogue.ts";
import type { DatasetRecord } from "../datasets/schema.ts";
import { publishVersion } from "../registry/versions.ts";
import { TrainingError } from "../trainers/errors.ts";
import { type TrainSpec, train } from "../trainers/index.ts";
import { isFinished, type RunRecord } from "./run-record.ts";
import { RunStore } from "./run-store.ts";

export interface JobOptions {
  store: ObjectStore;
  runId: string;
  logger: Logger;
  heartbeatMs: number;
}

/** A readable reason for the run's record; internals stay in the log. */
function reasonOf(error: unknown): string {
  if (error instanceof TrainingError || error instanceof SkiffError) return error.message;
  return `internal error: ${(error as Error)?.message ?? String(error)}`;
}

/** What the trainer is asked to do for a run over a dataset version. */
export function trainSpecOf(run: RunRecord, dataset: DatasetRecord): TrainSpec {
  return {
    task: run.task,
    target: run.target,
    features: run.features,
    columns: dataset.columns,
    algorithm: run.algorithm,
    params: run.params,
    testFraction: run.testFraction,
    seed: run.seed,
    datasetBytes: dataset.bytes,
  };
}

export async function runJob(options: JobOptions): Promise<RunRecord> {
  const { store, runId, logger } = options;
  const runs = new RunStore(store);
  const run = await runs.get(runId);
  if (isFinished(run.status)) return run;
  const started = Date.now();
  let progress = { fraction: 0, message: "starting" };
  await runs.update(runId, {
    status: "running",
    startedAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    progress,
  });

  let beating: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating
      .then(() => runs.update(runId, { heartbeatAt: new Date().toISOString(), progress }))
      .catch((error: unknown) => logger.warn({ err: error, runId }, "heartbeat failed"));
  }, options.heartbeatMs);
  try {
    const dataset = await readDatasetRecord(store, run.dataset, run.datasetVersion);
    const result = await train(
      trainSpecOf(run, dataset),
      readDatasetRows(store, run.dataset, run.datasetVersion),
      (fraction, message) => {
        progress = { fraction: Math.min(0.95, Math.max(0, fraction)), message };
      },
    );
    progress = { fraction: 0.97, message: "publishing the model" };
    const { version } = await publishVersion(store, run.model, result.onnx, {
      ...result.record,
      dataset: { name: run.dataset, version: run.datasetVersion },
      runId,
    });
    clearInterval(heartbeat);
    await beating;
    const done = await runs.update(runId, {
      status: "succeeded",
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      progress: { fraction: 1, message: `model ${run.model} version ${version}` },
      metrics: result.record.metrics,
      modelVersion: version,
    });
    logger.info({ runId, model: run.model, version, ms: done.durationMs }, "run succeeded");
    return done;
  } catch (error) {
    clearInterval(heartbeat);
    await beating;
    logger.error({ runId, err: error }, "run failed");
    return runs.update(runId, {
      status: "failed",
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      error: reasonOf(error),
    });
  }
}
