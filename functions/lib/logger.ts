/**
 * @module logger
 * JSON lines on stdout, one logger per process, tagged with the function's name.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { DestinationStream, Logger };

/** How long a line may wait in the buffer when traffic is too light to fill it. */
const FLUSH_EVERY_MS = 200;

/**
 * Buffered stdout; several loggers in one process (local mode) share one. Lines are written in
 * blocks of a few KiB rather than one write per line (one per request, for the access log),
 * and at least every FLUSH_EVERY_MS; pino itself flushes what is left when the process exits.
 */
export function createLogDestination(): DestinationStream {
  const destination = pino.destination({ sync: false, minLength: 4096 });
  setInterval(() => destination.flush(), FLUSH_EVERY_MS).unref();
  return destination;
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
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? createLogDestination(),
  );
}
