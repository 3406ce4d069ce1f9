/**
 * Entry point of one training run: `node train-job.mjs <run id>` (or SKIFF_RUN_ID). The inline
 * executor starts it as a child process; the Kubernetes executor as a Job with the same image.
 * Exits 0 when the run ended (succeeded or failed: the run record says which), 3 when the run was
 * not this job's to take up (ended already, or another worker has it), 1 if it could not even
 * record the outcome.
 */
import { z } from "zod";
import { baseEnv, loadConfigOrExit, storageEnv } from "../../lib/config.ts";
import { createLogger } from "../../lib/logger.ts";
import { ObjectStore } from "../../lib/storage/object-store.ts";
import { trainSettings } from "../config.ts";
import { NOT_ITS_RUN_EXIT_CODE } from "../executors/job-command.ts";
import { RunNotClaimed, runJob } from "./job.ts";

const env = loadConfigOrExit(
  baseEnv.extend(storageEnv.shape).extend({
    SKIFF_RUN_ID: z.string().min(1).optional(),
    SKIFF_RUN_HEARTBEAT_MS: trainSettings.shape.SKIFF_RUN_HEARTBEAT_MS,
  }),
);
const runId = process.argv[2] ?? env.SKIFF_RUN_ID;
const logger = createLogger({ fn: "train-job", level: env.SKIFF_LOG_LEVEL });
if (!runId) {
  process.stderr.write("skiff: give the run id as the first argument or SKIFF_RUN_ID\n");
  process.exit(2);
}
try {
  const run = await runJob({
    store: ObjectStore.fromEnv(env),
    runId,
    logger,
    heartbeatMs: env.SKIFF_RUN_HEARTBEAT_MS,
  });
  logger.info({ runId, status: run.status }, "run ended");
  logger.flush(() => process.exit(0));
} catch (error) {
  if (error instanceof RunNotClaimed) {
    logger.warn(
      { runId, status: error.run.status },
      "run not started: it is not this job's to run",
    );
    logger.flush(() => process.exit(NOT_ITS_RUN_EXIT_CODE));
  } else {
    logger.error({ runId, err: error }, "could not run the job");
    logger.flush(() => process.exit(1));
  }
}
