/**
 * Training runs recorded in storage the way train's start route records them, without the route,
 * for tests that take a run from there themselves: a job, an executor, or a restarted train.
 */
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { runJob } from "../../functions/train/runs/job.ts";
import { planRun, runRequestSchema } from "../../functions/train/runs/plan.ts";
import type { RunRecord } from "../../functions/train/runs/run-record.ts";
import { newRunId, RunStore } from "../../functions/train/runs/run-store.ts";
import { capturedLogger } from "./logs.ts";

/** A queued inline run of `request`, with `fields` over it for a run some process left behind. */
export async function queuedRun(
  store: ObjectStore,
  request: Record<string, unknown>,
  fields: Partial<RunRecord> = {},
): Promise<RunRecord> {
  const plan = await planRun(store, runRequestSchema.parse(request));
  const record: RunRecord = {
    id: newRunId(),
    status: "queued",
    ...plan,
    executor: "inline",
    progress: { fraction: 0, message: "queued" },
    createdAt: new Date().toISOString(),
    ...fields,
  };
  await new RunStore(store).create(record);
  return record;
}

/** `request` run to its end by the job entry point, in this process; the run as it ended. */
export async function trainedRun(
  store: ObjectStore,
  request: Record<string, unknown>,
): Promise<RunRecord> {
  const run = await queuedRun(store, request);
  return runJob({ store, runId: run.id, logger: capturedLogger().logger, heartbeatMs: 60_000 });
}
