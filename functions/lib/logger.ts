/**
 * @module logger
 * JSON lines on stdout, one logger per process, tagged with the function's name.
 */
import { type DestinationStream, type Logger, pino } from "pino";

export type { DestinationStream, Logger };

/** Buffered stdout; several loggers in one process (local mode) share one. */
export function createLogDestination(): DestinationStream {
  return pino.destination({ sync: false });
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
