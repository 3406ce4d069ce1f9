/**
 * @module train/executors/job-outcome
 * What a training Job's state means for its run, as plain functions of the objects the API
 * server returns (no client, no I/O): whether the Job is still going, succeeded, failed (and
 * why) or was deleted, and the error its run gets when that ends it.
 *
 * The rule: a Job whose `Failed` condition is true, or that is deleted before its `Complete`
 * condition was, fails its run. A run whose Job is absent from a full listing fails too, once
 * it is older than the grace (a Job just created may not be listed yet). Either way only a run
 * that has not ended is touched: an outcome the job recorded itself always stands.
 */
import { isFinished, type RunRecord } from "../runs/run-record.ts";
import { jobName, RUN_ID_LABEL } from "./job-spec.ts";

/** The parts of a batch/v1 Job read here; the client's V1Job and a watch event's object fit. */
export interface JobObject {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export type JobState =
  | { state: "going" }
  | { state: "succeeded" }
  | { state: "failed"; reason?: string; message?: string }
  | { state: "deleted" };

/**
 * `deleted` says the object is the last one seen of a Job that no longer exists. A Job with a
 * deletionTimestamp counts as deleted already: it stays listed only until the garbage collector
 * is done with it (an orphaning or foreground delete), and its pod is on its way out.
 */
export function jobState(job: JobObject, deleted = false): JobState {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  if (holds("Complete")) return { state: "succeeded" };
  const failed = holds("Failed");
  if (failed) return { state: "failed", reason: failed.reason, message: failed.message };
  const deleting =
    job.metadata?.deletionTimestamp !== undefined && job.metadata.deletionTimestamp !== null;
  return deleted || deleting ? { state: "deleted" } : { state: "going" };
}

export function runIdOf(job: JobObject): string | undefined {
  return job.metadata?.labels?.[RUN_ID_LABEL];
}

/** The error a run gets from its Job's state, or undefined when that state does not end it. */
export function jobFailure(job: JobObject, state: JobState): string | undefined {
  const name = job.metadata?.name ?? "(unnamed)";
  if (state.state === "deleted") return `the training Job ${name} was deleted before it finished`;
  if (state.state !== "failed") return undefined;
  const why = [state.reason, state.message].filter((part) => part).join(": ");
  return `the training Job ${name} failed${why ? `: ${why}` : ""}`;
}

/**
 * The error for a run that a listing taken at `listedAt` found no Job for, or undefined when it
 * has one, is not the Kubernetes executor's, has ended, or is younger than `graceMs`.
 */
export function missingJobFailure(
  run: RunRecord,
  listedRunIds: ReadonlySet<string>,
  listedAt: number,
  graceMs: number,
): string | undefined {
  if (run.executor !== "kubernetes" || isFinished(run.status) || listedRunIds.has(run.id))
    return undefined;
  if (listedAt - Date.parse(run.createdAt) <= graceMs) return undefined;
  return `no training Job ${jobName(run.id)} exists (it was deleted or never created) and the run had not finished`;
}
