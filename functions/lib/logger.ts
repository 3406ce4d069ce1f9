/**
 * @module logger
 * JSON lines on stdout, one logger per process, tagged with the function's name.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { DestinationStream, Logger };

/**
 * Buffered stdout; several loggers in one process (local mode) share one. Lines are written in
 * blocks of a few KiB, at least every 200 ms, rather than one write per line (one per request,
 * for the access log). The writes are synchronous: a block is one write call on the thread that
 * logs, where an asynchronous write would hand each block to a worker thread and back, which
 * on a function's one core cost more than the write. Whatever is buffered is written when the
 * process exits.
 */
export function createLogDestination(): DestinationStream {
  return pino.destination({ sync: true, minLength: 4096, periodicFlush: 200 });
}

/**
 * pino's ISO timestamp, formatted once per millisecond: under load many lines share one, and
 * formatting a date for every access-log line showed in serve's profile
 * (bench/results/profiles.md).
 */
function isoTimeOncePerMs(): () => string {
  let at = -1;
  let stamp = "";
  return () => {
    const now = Date.now();
    if (now !== at) {
      at = now;
      stamp = `,"time":"${new Date(now).toISOString()}"`;
    }
    return stamp;
  };
}

export function createLogger(options: {
  fn: string;
  level: string;
  destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { fn: options.fn },
      timestamp: isoTimeOncePerMs(),
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? createLogDestination(),
  );
}
