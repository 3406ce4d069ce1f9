/**
 * @module train/executors/executor
 * What starts a run's job. Two executors, chosen by config: inline (a child process of the
 * train function; local mode and tests) and kubernetes (a Job running the same image). Both
 * start the same job entry point.
 */
export interface RunExecutor {
  readonly kind: "inline" | "kubernetes";
  /** Starts (or queues) the job for a run already recorded as queued. */
  start(runId: string): Promise<void>;
  /** Whether this process has the run's job queued or running (the inline executor's own). */
  holds(runId: string): boolean;
  /** Stops taking runs; waits (bounded) for inline jobs in progress, or stops following Jobs. */
  close(): Promise<void>;
}
