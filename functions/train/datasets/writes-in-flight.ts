/**
 * @module train/datasets/writes-in-flight
 * The dataset writes this process has under way, so shutdown can end them cleanly: each write
 * runs with a signal that fires when its client goes away or the process is stopping, and
 * `stop` fires them all and waits until each has released what it claimed (the version's
 * claim, its multipart upload). Without the wait, a process that exits after its drain timeout
 * would leave a claim.json and a pending upload behind.
 */
import { InvalidRequestError, NotReadyError, SkiffError } from "../../lib/errors.ts";

export class WritesInFlight {
  readonly #stopping = new AbortController();
  readonly #running = new Set<Promise<unknown>>();

  /** Runs `write` with a signal that fires on `clientGone` or on stop. */
  run<T>(clientGone: AbortSignal | undefined, write: (signal: AbortSignal) => Promise<T>) {
    const signal =
      clientGone === undefined
        ? this.#stopping.signal
        : AbortSignal.any([clientGone, this.#stopping.signal]);
    const running = write(signal);
    const settled: Promise<void> = running.then(
      () => {
        this.#running.delete(settled);
      },
      () => {
        this.#running.delete(settled);
      },
    );
    this.#running.add(settled);
    return running;
  }

  /** Ends every write under way and waits until each has cleaned up after itself. */
  async stop(): Promise<void> {
    this.#stopping.abort(
      new NotReadyError("train is shutting down; nothing of the upload was stored, send it again"),
    );
    await Promise.all(this.#running);
  }
}

/** The error a write stopped by `signal` ends with: the process's reason, or the client's. */
export function whyStopped(signal: AbortSignal): SkiffError {
  const reason: unknown = signal.reason;
  if (reason instanceof SkiffError) return reason;
  return new InvalidRequestError(
    "the client closed the connection before the upload was complete; nothing was stored",
    { cause: reason },
  );
}
