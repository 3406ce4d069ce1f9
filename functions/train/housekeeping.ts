/**
 * @module train/housekeeping
 * train's periodic sweep: the inline executor first takes up the runs an earlier process left
 * queued, then every sweep fails the runs whose job has died and aborts abandoned uploads.
 */
import type { Logger } from "../lib/logger.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import type { TrainEnv } from "./config.ts";
import { abortStaleUploads } from "./datasets/presigned.ts";
import type { RunExecutor } from "./executors/executor.ts";
import { resumeInlineRuns } from "./runs/recovery.ts";
import type { RunStore } from "./runs/run-store.ts";
import { failStaleRuns } from "./runs/watchdog.ts";

export type HousekeepingSettings = Pick<
  TrainEnv,
  "SKIFF_RUN_LEASE_MS" | "SKIFF_RUN_QUEUE_TIMEOUT_MS" | "SKIFF_UPLOAD_MAX_AGE_MS"
>;

/** Starts at once and then sweeps on a timer that keeps no process alive; returns its stop. */
export function startHousekeeping(
  env: HousekeepingSettings,
  store: ObjectStore,
  runs: RunStore,
  executor: RunExecutor,
  logger: Logger,
): () => void {
  // Until it succeeds once (storage may not answer at start), every sweep tries again.
  let resumed: Promise<unknown> | undefined =
    executor.kind === "inline" ? undefined : Promise.resolve();
  const resume = () => {
    resumed ??= resumeInlineRuns(runs, executor, logger).catch((error: unknown) => {
      resumed = undefined;
      throw error;
    });
    return resumed;
  };
  resume().catch((error: unknown) =>
    logger.warn({ err: error }, "taking up the runs left queued failed; retrying"),
  );
  const sweep = async () => {
    await resume();
    await failStaleRuns(
      runs,
      {
        leaseMs: env.SKIFF_RUN_LEASE_MS,
        queueTimeoutMs: env.SKIFF_RUN_QUEUE_TIMEOUT_MS,
        holds: (runId) => executor.holds(runId),
      },
      logger,
    );
    await abortStaleUploads(store, env.SKIFF_UPLOAD_MAX_AGE_MS);
  };
  const every = Math.max(1000, Math.min(env.SKIFF_RUN_LEASE_MS / 2, 60_000));
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.warn({ err: error }, "housekeeping failed"));
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
