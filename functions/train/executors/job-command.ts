/**
 * @module train/executors/job-command
 * How to start the job entry point from wherever this code runs: from the TypeScript sources
 * (tsx) or from the bundled image, where the job is `train-job.mjs` next to the bundle.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(import.meta.url);

export function jobCommand(runId: string): { command: string; args: string[] } {
  if (here.endsWith(".ts")) {
    return {
      command: process.execPath,
      args: ["--import", "tsx", join(dirname(here), "..", "runs", "job-main.ts"), runId],
    };
  }
  return { command: process.execPath, args: [join(dirname(here), "train-job.mjs"), runId] };
}

/**
 * The job's exit when the run was not its to take up (it had ended, or another worker has it):
 * it did nothing, so its executor must not take the exit for a worker that died mid-run.
 */
export const NOT_ITS_RUN_EXIT_CODE = 3;

/** The image's command for a Kubernetes Job (the bundle layout). */
export const IMAGE_JOB_COMMAND = ["node", "dist/train-job.mjs"];
