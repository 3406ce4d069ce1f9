/**
 * Captures a logger's JSON lines in memory so tests can assert on them.
 */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../functions/lib/logger.ts";

export function capturedLogger(fn = "test"): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ fn, level: "info", destination });
  const lines = () =>
    chunks
      .join("")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines };
}
