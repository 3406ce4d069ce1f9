/**
 * @module train/executors/inline
 * Runs jobs as child processes of the train function, at most `concurrency` at a time, so
 * training never blocks the function's event loop. A child that dies without recording an
 * outcome has its run marked failed at once. The queue lives in this process only: what it
 * held when the process ended is started again by the next one (runs/recovery.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "../../lib/logger.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { RunExecutor } from "./executor.ts";
import { jobCommand, NOT_ITS_RUN_EXIT_CODE } from "./job-command.ts";

export interface InlineExecutorOptions {
  runs: RunStore;
  logger: Logger;
  concurrency: number;
  /** The job's environment: storage settings and credentials. */
  env: Record<string, string>;
}

export class InlineExecutor implements RunExecutor {
  readonly kind = "inline";
  readonly #options: InlineExecutorOptions;
  readonly #queue: string[] = [];
  readonly #running = new Map<string, ChildProcess>();
  #closed = false;

  constructor(options: InlineExecutorOptions) {
    this.#options = options;
  }

  async start(runId: string): Promise<void> {
    if (this.#closed) throw new Error("the executor is shutting down");
    // A run is started once per process, however many times it is asked for.
    if (this.holds(runId)) return;
    this.#queue.push(runId);
    this.#next();
  }

  holds(runId: string): boolean {
    return this.#running.has(runId) || this.#queue.includes(runId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const exits = [...this.#running.values()].map(
      (child) => new Promise<void>((resolve) => child.once("exit", () => resolve())),
    );
    for (const child of this.#running.values()) child.kill("SIGTERM");
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }

  #next(): void {
    while (
      !this.#closed &&
      this.#running.size < this.#options.concurrency &&
      this.#queue.length > 0
    ) {
      const runId = this.#queue.shift() as string;
      const { command, args } = jobCommand(runId);
      const child = spawn(command, args, {
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...this.#options.env },
        stdio: ["ignore", "inherit", "inherit"],
      });
      this.#running.set(runId, child);
      child.once("exit", (code, signal) => {
        this.#running.delete(runId);
        void this.#settle(runId, code, signal);
        this.#next();
      });
    }
  }

  /** A job that exits without having recorded an outcome died; say so in its run. */
  async #settle(runId: string, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    // It left the run alone: the run had ended, or another worker has it.
    if (code === NOT_ITS_RUN_EXIT_CODE) return;
    const how = signal ? `on ${signal}` : `with code ${code}`;
    try {
      await this.#options.runs.failUnlessFinished(runId, () =>
        this.#closed
          ? `train shut down while the run was running (the training process exited ${how})`
          : `the training process exited ${how} before finishing`,
      );
    } catch (error) {
      this.#options.logger.error({ runId, err: error }, "could not record a dead job");
    }
  }
}
