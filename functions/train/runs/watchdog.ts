/**
 * @module train/runs/watchdog
 * No run stays "running" forever: one whose worker has not written a heartbeat within the lease
 * is marked failed, and so is one left queued past the queue timeout (its starter died).
 */
import type { Logger } from "../../lib/logger.ts";
import type { RunStore } from "./run-store.ts";

export interface WatchdogOptions {
  leaseMs: number;
  queueTimeoutMs: number;
}

export async function failStaleRuns(
  runs: RunStore,
  options: WatchdogOptions,
  logger: Logger,
  now = Date.now(),
): Promise<string[]> {
  const failed: string[] = [];
  for (const run of await runs.list()) {
    let error: string | undefined;
    if (run.status === "running") {
      const beat = Date.parse(run.heartbeatAt ?? run.startedAt ?? run.createdAt);
      if (now - beat > options.leaseMs)
        error = `the worker stopped reporting (no heartbeat for ${Math.round((now - beat) / 1000)} s); it probably died`;
    } else if (
      run.status === "queued" &&
      now - Date.parse(run.createdAt) > options.queueTimeoutMs
    ) {
      error = `the run was never started within ${Math.round(options.queueTimeoutMs / 1000)} s`;
    }
    if (error === undefined) continue;
    await runs.update(run.id, { status: "failed", finishedAt: new Date(now).toISOString(), error });
    logger.warn({ runId: run.id, error }, "run marked failed");
    failed.push(run.id);
  }
  return failed;
}
