/**
 * @module train/runs/recovery
 * What a train process that runs its jobs in-process (the inline executor) does at start with
 * the runs an earlier process left: their queue lived in that process's memory and their jobs
 * were its children, so no one else will. Queued runs are started again, oldest first; runs
 * left running are failed at once, since their worker went with the process (one that somehow
 * lives on loses its next write and stops).
 */
import type { Logger } from "../../lib/logger.ts";
import type { RunExecutor } from "../executors/executor.ts";
import type { RunStore } from "./run-store.ts";

export const RESTARTED_WHILE_RUNNING = "train restarted while the run was running";

export async function resumeInlineRuns(
  runs: RunStore,
  executor: RunExecutor,
  logger: Logger,
): Promise<{ started: string[]; failed: string[] }> {
  const started: string[] = [];
  const failed: string[] = [];
  const left = (await runs.list()).filter((run) => run.executor === "inline").reverse();
  for (const run of left) {
    if (run.status === "running" && !executor.holds(run.id)) {
      const ended = await runs.failUnlessFinished(run.id, (current) =>
        current.status === "running" ? RESTARTED_WHILE_RUNNING : undefined,
      );
      if (ended === undefined) continue;
      logger.warn({ runId: run.id, error: ended.error }, "run marked failed");
      failed.push(run.id);
    } else if (run.status === "queued") {
      await executor.start(run.id);
      started.push(run.id);
    }
  }
  if (started.length > 0 || failed.length > 0)
    logger.info({ started, failed }, "runs left by the previous train process taken up");
  return { started, failed };
}
