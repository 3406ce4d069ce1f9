/**
 * @module train/trainers/progress
 * Turns work done into the run's progress fraction. A pass over the data is measured in bytes
 * read against the dataset's size (rows are not counted before the first pass ends); a fit in
 * iterations. Reports are throttled and never go backwards.
 */

export type ProgressListener = (fraction: number, message: string) => void;

/** Reports at most once per this share of the run, besides stage changes. */
const STEP = 0.005;

export class Progress {
  readonly #listener: ProgressListener;
  #last = -1;
  #message = "";

  constructor(listener: ProgressListener) {
    this.#listener = listener;
  }

  /** Reports `fraction` (clamped to [0, 1], never below what was reported) with `message`. */
  report(fraction: number, message: string): void {
    const value = Math.min(1, Math.max(this.#last, fraction, 0));
    if (value - this.#last < STEP && message === this.#message && value < 1) return;
    this.#last = value;
    this.#message = message;
    this.#listener(value, message);
  }

  /** A stage covering [from, to) of the run; `at(share)` reports within it. */
  stage(from: number, to: number, message: string): Stage {
    this.report(from, message);
    return {
      at: (share, detail) =>
        this.report(from + (to - from) * Math.min(1, share), detail ?? message),
    };
  }
}

export interface Stage {
  at(share: number, message?: string): void;
}
