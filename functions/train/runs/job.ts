/**
 * @module train/runs/job
 * The one job entry point: does a run's work from start to finish, whichever executor started
 * it (a child process of the train function, or a Kubernetes Job running the same image). It
 * takes the run up with a compare-and-set on run.json and keeps a heartbeat in it, so a dead
 * worker is noticed; a run that something else ended meanwhile stays as it was ended.
 */
import { SkiffError } from "../../lib/errors.ts";
import type { Logger } from "../../lib/logger.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { readDatasetRecord, readDatasetRows } from "../datasets/catalogue.ts";
import type { DatasetRecord } from "../datasets/schema.ts";
import { publishVersion } from "../registry/versions.ts";
import { TrainingError } from "../trainers/errors.ts";
import { type TrainedRecord, type TrainSpec, train } from "../trainers/index.ts";
import type { RunRecord } from "./run-record.ts";
import { RunStore } from "./run-store.ts";

/** The part of a tree ensemble's training the run record shows; nothing for a linear model. */
function treeTrainingOf(training: TrainedRecord["training"]): Pick<RunRecord, "training"> {
  const { rounds, lossCurve, featureImportances } = training;
  if (rounds === undefined || featureImportances === undefined) return {};
  return { training: { rounds, featureImportances, ...(lossCurve ? { lossCurve } : {}) } };
}

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

/**
 * Whether a job may take the run up: one still queued, or, for a Kubernetes Job, one its earlier
 * pod had started (a Job retries in a new pod, and one Job per run exists, by its name). An
 * inline run that is already running has a worker; a second one would train it twice.
 */
function claimable(run: RunRecord): boolean {
  return run.status === "queued" || (run.status === "running" && run.executor === "kubernetes");
}

/**
 * The run was not this job's to take up: it had ended, or another worker had it. The job then
 * did nothing, and its process exits with NOT_ITS_RUN_EXIT_CODE.
 */
export class RunNotClaimed extends Error {
  readonly run: RunRecord;
  constructor(run: RunRecord) {
    super(`run ${run.id} is ${run.status}; it is not this job's to run`);
    this.run = run;
  }
}

/** The run ended while this job worked on it (a watchdog or an executor failed it). */
class RunEndedElsewhere extends Error {
  constructor() {
    super("the run ended elsewhere while this job worked on it");
  }
}

export async function runJob(options: JobOptions): Promise<RunRecord> {
  const { store, runId, logger } = options;
  const runs = new RunStore(store);
  const run = await runs.get(runId);
  const started = Date.now();
  let progress = { fraction: 0, message: "starting" };
  const claimed = await runs.change(runId, (current) =>
    claimable(current)
      ? {
          status: "running",
          startedAt: new Date().toISOString(),
          heartbeatAt: new Date().toISOString(),
          progress,
        }
      : undefined,
  );
  if (claimed === undefined) throw new RunNotClaimed((await runs.find(runId)) ?? run);

  // Every write from here on lands only while the run has not ended: once something else ended
  // it, the job stops at its next progress report and records nothing.
  let ended = false;
  const beat = async (fields: Partial<RunRecord>) => {
    const written = await runs.change(runId, () => fields);
    if (written === undefined) ended = true;
    return written;
  };
  let beating: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating
      .then(() => beat({ heartbeatAt: new Date().toISOString(), progress }))
      .catch((error: unknown) => logger.warn({ err: error, runId }, "heartbeat failed"));
  }, options.heartbeatMs);
  const stop = async () => {
    clearInterval(heartbeat);
    await beating;
  };
  try {
    const dataset = await readDatasetRecord(store, run.dataset, run.datasetVersion);
    const result = await train(
      trainSpecOf(run, dataset),
      readDatasetRows(store, dataset),
      (fraction, message) => {
        if (ended) throw new RunEndedElsewhere();
        progress = { fraction: Math.min(0.95, Math.max(0, fraction)), message };
      },
    );
    await stop();
    progress = { fraction: 0.97, message: "publishing the model" };
    // Published only while the run is still this job's.
    if ((await beat({ heartbeatAt: new Date().toISOString(), progress })) === undefined)
      throw new RunEndedElsewhere();
    const { version } = await publishVersion(store, run.model, result.onnx, {
      ...result.record,
      dataset: { name: run.dataset, version: run.datasetVersion },
      runId,
    });
    const done = await runs.change(runId, () => ({
      status: "succeeded",
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      progress: { fraction: 1, message: `model ${run.model} version ${version}` },
      metrics: result.record.metrics,
      ...treeTrainingOf(result.record.training),
      modelVersion: version,
    }));
    if (done === undefined) {
      const current = await runs.get(runId);
      logger.error(
        { runId, model: run.model, version, status: current.status, error: current.error },
        "the run ended elsewhere after its model was published; the run keeps that outcome",
      );
      return current;
    }
    logger.info({ runId, model: run.model, version, ms: done.durationMs }, "run succeeded");
    return done;
  } catch (error) {
    await stop();
    if (error instanceof RunEndedElsewhere) {
      const current = await runs.get(runId);
      logger.warn(
        { runId, status: current.status, error: current.error },
        "run ended elsewhere while it trained; stopped without recording anything",
      );
      return current;
    }
    logger.error({ runId, err: error }, "run failed");
    const failed = await runs.change(runId, () => ({
      status: "failed",
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      error: reasonOf(error),
    }));
    return failed ?? runs.get(runId);
  }
}
