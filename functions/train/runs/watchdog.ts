/**
 * @module train/runs/watchdog
 * No run stays "running" forever: one whose worker has not written a heartbeat within the lease
 * is marked failed, and so is one left queued past the queue timeout (its starter died, or its
 * Job never got a pod) unless this process holds it in its own queue and will start it.
 */
import type { Logger } from "../../lib/logger.ts";
import type { RunRecord } from "./run-record.ts";
import type { RunStore } from "./run-store.ts";

export interface WatchdogOptions {
  leaseMs: number;
  queueTimeoutMs: number;
  /** Runs this process has queued itself: they wait their turn, however long. */
  holds?: (runId: string) => boolean;
}

/** Why a run counts as dead at `now`, or undefined while it is still in time. */
function staleness(run: RunRecord, options: WatchdogOptions, now: number): string | undefined {
  if (run.status === "running") {
    const beat = Date.parse(run.heartbeatAt ?? run.startedAt ?? run.createdAt);
    if (now - beat > options.leaseMs)
      return `the worker stopped reporting (no heartbeat for ${Math.round((now - beat) / 1000)} s); it probably died`;
  } else if (
    run.status === "queued" &&
    now - Date.parse(run.createdAt) > options.queueTimeoutMs &&
    !options.holds?.(run.id)
  ) {
    return `the run was never started within ${Math.round(options.queueTimeoutMs / 1000)} s`;
  }
  return undefined;
}

export async function failStaleRuns(
  runs: RunStore,
  options: WatchdogOptions,
  logger: Logger,
  now = Date.now(),
): Promise<string[]> {
  const failed: string[] = [];
  for (const listed of await runs.list()) {
    if (staleness(listed, options, now) === undefined) continue;
    // Judged again on the record as it is when written: a heartbeat may have landed since the listing.
    const run = await runs.failUnlessFinished(
      listed.id,
      (current) => staleness(current, options, now),
      new Date(now),
    );
    if (run === undefined) continue;
    logger.warn({ runId: run.id, error: run.error }, "run marked failed");
    failed.push(run.id);
  }
  return failed;
}
