/**
 * @module serve/prediction-log
 * Every prediction call, kept as NDJSON in storage. Records are buffered in memory and written
 * in batches (by count or age), off the request path. Each record is serialized as it arrives,
 * a few µs per request, so that writing a batch of thousands is a join and not a pause that
 * every request waiting behind it would feel. When storage is unreachable the batch is
 * retried with backoff; the buffer is bounded, and records past the bound are dropped, counted
 * and warned about, never allowed to grow memory without limit. `close()` flushes what is left,
 * which is what SIGTERM runs before the process exits.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../lib/logger.ts";
import { layout } from "../lib/storage/layout.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import type { ServeMetrics } from "./metrics.ts";

export interface PredictionRecord {
  requestId: string;
  time: string;
  model: string;
  version: string;
  api: "predict" | "v2";
  status: number;
  latencyMs: number;
  inputs: unknown;
  outputs?: unknown;
  error?: string;
}

export interface PredictionLogOptions {
  store: ObjectStore;
  logger: Logger;
  metrics: ServeMetrics;
  batchSize: number;
  /** A batch is also written once its lines add up to this many bytes (large requests). */
  batchBytes?: number;
  maxAgeMs: number;
  maxBuffered: number;
  /** The buffer's bound in bytes of lines, beside `maxBuffered` records. */
  maxBufferedBytes?: number;
  /** First retry delay after a failed write; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** A record as it waits in the buffer: its NDJSON line, and what picks its file. */
interface Buffered {
  model: string;
  /** yyyy-mm-dd (UTC) of the call. */
  day: string;
  line: string;
}

export class PredictionLog {
  readonly #options: PredictionLogOptions;
  #buffer: Buffered[] = [];
  /** UTF-16 length of the buffered lines: close enough to their bytes for a bound. */
  #bufferedChars = 0;
  #oldestAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;
  #dropped = 0;
  #closed = false;

  constructor(options: PredictionLogOptions) {
    this.#options = options;
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Cheap and synchronous: the request never waits for storage. */
  append(record: PredictionRecord): void {
    const line = JSON.stringify(record);
    if (
      this.#buffer.length >= this.#options.maxBuffered ||
      this.#bufferedChars + line.length > (this.#options.maxBufferedBytes ?? Infinity)
    ) {
      this.#dropped++;
      this.#options.metrics.logRecords.inc({ outcome: "dropped" });
      // One warning per burst, not one per dropped record.
      if (this.#dropped === 1) {
        this.#options.logger.warn(
          { maxBuffered: this.#options.maxBuffered },
          "prediction log buffer is full; dropping records until storage catches up",
        );
      }
      return;
    }
    if (this.#buffer.length === 0) this.#oldestAt = Date.now();
    this.#buffer.push({ model: record.model, day: record.time.slice(0, 10), line });
    this.#bufferedChars += line.length;
    if (
      this.#buffer.length >= this.#options.batchSize ||
      this.#bufferedChars >= (this.#options.batchBytes ?? Infinity)
    )
      this.#kick(0);
    else this.#kick(this.#options.maxAgeMs);
  }

  /** Writes everything buffered now; resolves when it is in storage (or the write failed). */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#writing) await this.#writing;
    if (this.#buffer.length === 0) return;
    this.#writing = this.#writeBatch().finally(() => {
      this.#writing = undefined;
    });
    await this.#writing;
  }

  /**
   * Flushes until the buffer is empty, retrying failed writes, for at most `deadlineMs`. Records
   * still unwritten then are reported as dropped.
   */
  async close(deadlineMs = 20_000): Promise<void> {
    this.#closed = true;
    const deadline = Date.now() + deadlineMs;
    while (this.#buffer.length > 0 && Date.now() < deadline) {
      const before = this.#failures;
      await this.flush();
      if (this.#failures > before)
        await sleep(Math.min(this.#backoff(), Math.max(0, deadline - Date.now())));
    }
    if (this.#buffer.length > 0) {
      this.#options.metrics.logRecords.inc({ outcome: "dropped" }, this.#buffer.length);
      this.#options.logger.error(
        { records: this.#buffer.length },
        "prediction log records lost at shutdown",
      );
      this.#buffer = [];
      this.#bufferedChars = 0;
    }
  }

  #kick(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    const age = Date.now() - this.#oldestAt;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.flush().then(
          () => {
            if (this.#buffer.length > 0)
              this.#kick(this.#failures > 0 ? this.#backoff() : this.#options.maxAgeMs);
          },
          () => {},
        );
      },
      delayMs === 0 ? 0 : Math.max(0, delayMs - age),
    );
    this.#timer.unref();
  }

  #backoff(): number {
    const base = this.#options.backoffMs ?? 500;
    return Math.min(
      this.#options.maxBackoffMs ?? 30_000,
      base * 2 ** Math.max(0, this.#failures - 1),
    );
  }

  /** Takes the buffer, writes one object per model and day, and puts back what failed. */
  async #writeBatch(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    this.#bufferedChars = 0;
    const groups = new Map<string, Buffered[]>();
    for (const record of batch) {
      const k = `${record.model}/${record.day}`;
      const group = groups.get(k);
      if (group) group.push(record);
      else groups.set(k, [record]);
    }
    const file = `${new Date().toISOString().replace(/[:.]/g, "")}-${randomBytes(6).toString("hex")}`;
    const failed: Buffered[] = [];
    await Promise.all(
      [...groups.values()].map(async (records) => {
        const [{ model, day }] = records as [Buffered];
        const k = layout.predictionLog(model, new Date(`${day}T00:00:00Z`), file);
        const body = `${records.map((r) => r.line).join("\n")}\n`;
        try {
          await this.#options.store.putBytes(k, body, "application/x-ndjson");
          this.#options.metrics.logRecords.inc({ outcome: "written" }, records.length);
        } catch (error) {
          failed.push(...records);
          this.#options.logger.warn(
            { err: error, records: records.length },
            "prediction log write failed; will retry",
          );
        }
      }),
    );
    if (failed.length === 0) {
      this.#failures = 0;
      this.#dropped = 0;
      return;
    }
    this.#failures++;
    // Put the failed records back in front, within the bounds; what does not fit is dropped.
    const room = Math.max(0, this.#options.maxBuffered - this.#buffer.length);
    let roomChars = (this.#options.maxBufferedBytes ?? Infinity) - this.#bufferedChars;
    const kept: Buffered[] = [];
    for (const record of failed) {
      if (kept.length >= room || record.line.length > roomChars) break;
      kept.push(record);
      roomChars -= record.line.length;
    }
    if (failed.length > kept.length) {
      this.#options.metrics.logRecords.inc({ outcome: "dropped" }, failed.length - kept.length);
    }
    this.#buffer = [...kept, ...this.#buffer];
    this.#bufferedChars += kept.reduce((n, r) => n + r.line.length, 0);
    this.#oldestAt = Date.now();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
