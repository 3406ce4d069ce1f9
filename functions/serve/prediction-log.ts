/**
 * @module serve/prediction-log
 * Every prediction call, kept as NDJSON in storage. Records are buffered in memory and written
 * in batches (by count or age), off the request path. Each record is serialized as it arrives,
 * a few µs per request, so that writing a batch of thousands is a join and not a pause that
 * every request waiting behind it would feel. When storage is unreachable the batch is
 * retried with backoff; the buffer is bounded, and records past the bound are dropped, counted
 * and warned about, never allowed to grow memory without limit. `close()` flushes what is left,
 * which is what SIGTERM runs before the process exits, within a deadline kept by a timer of its
 * own: a storage that never answers cannot hold the exit, and what it kept from being written
 * is counted and logged by model with its first and last request id.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "../lib/logger.ts";
import { layout } from "../lib/storage/layout.ts";
import type { ObjectStore } from "../lib/storage/object-store.ts";
import { LineGroup } from "./line-group.ts";
import type { ServeMetrics } from "./metrics.ts";
import { predictionLine } from "./prediction-line.ts";
import type { PredictionWarning } from "./prediction-warnings.ts";

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
  /** What the call accepted but said in its answer (unseen categories, imputed values). */
  warnings?: PredictionWarning[];
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

export class PredictionLog {
  readonly #options: PredictionLogOptions;
  /** Buffered lines by the file they go to (model and day). */
  #groups = new Map<string, LineGroup>();
  #records = 0;
  #bytes = 0;
  #oldestAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #failures = 0;
  #dropped = 0;
  #closed = false;
  /** Groups taken from the buffer whose write has not ended. */
  readonly #inFlight = new Set<LineGroup>();
  /** Set once close() gave up: writes that end later change nothing. */
  #abandoned = false;

  constructor(options: PredictionLogOptions) {
    this.#options = options;
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.#records;
  }

  /**
   * Cheap and synchronous: the request never waits for storage. `outputsJson`, when given, is
   * the record's outputs already serialized (the response's own text), written as its
   * `outputs` instead of serializing them a second time.
   */
  append(record: PredictionRecord, outputsJson?: string): void {
    const { line, inputsReplaced } = predictionLine(record, outputsJson);
    if (inputsReplaced) {
      this.#options.metrics.logInputsReplaced.inc();
      this.#options.logger.warn(
        { requestId: record.requestId, model: record.model },
        "prediction log record's inputs could not be serialized; a note stands in for them",
      );
    }
    // The line's UTF-16 length is at most its UTF-8 bytes: close enough for the bound.
    if (
      this.#records >= this.#options.maxBuffered ||
      this.#bytes + line.length > (this.#options.maxBufferedBytes ?? Infinity)
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
    if (this.#records === 0) this.#oldestAt = Date.now();
    const day = record.time.slice(0, 10);
    const key = `${record.model}/${day}`;
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new LineGroup(record.model, day);
      this.#groups.set(key, group);
    }
    this.#bytes += group.add(line, record.requestId);
    this.#records++;
    if (
      this.#records >= this.#options.batchSize ||
      this.#bytes >= (this.#options.batchBytes ?? Infinity)
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
    if (this.#records === 0) return;
    this.#writing = this.#writeBatch().finally(() => {
      this.#writing = undefined;
    });
    await this.#writing;
  }

  /**
   * Flushes until the buffer is empty, retrying failed writes, for at most `deadlineMs`: the
   * deadline is a timer, so it holds even while a write to storage hangs. Records still
   * unwritten then (buffered, or in a write that has not ended) are counted as dropped and
   * logged, one error line per model.
   */
  async close(deadlineMs = 20_000): Promise<void> {
    this.#closed = true;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const deadline = Date.now() + deadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    const drained = (async () => {
      while (this.#records > 0 && Date.now() < deadline) {
        const before = this.#failures;
        await this.flush();
        if (this.#failures > before)
          await sleep(Math.min(this.#backoff(), Math.max(0, deadline - Date.now())));
      }
    })();
    await Promise.race([drained, expired]);
    clearTimeout(timer);
    this.#abandon();
  }

  /** Counts and logs every record not written, and stops the writes still going from counting. */
  #abandon(): void {
    this.#abandoned = true;
    const lost = new Map<string, { records: number; first?: string; last?: string }>();
    // Writes in flight hold the older records, so they come first.
    for (const group of [...this.#inFlight, ...this.#groups.values()]) {
      if (group.records === 0) continue;
      const seen = lost.get(group.model);
      if (seen === undefined) {
        lost.set(group.model, {
          records: group.records,
          first: group.firstRequestId,
          last: group.lastRequestId,
        });
      } else {
        seen.records += group.records;
        seen.last = group.lastRequestId ?? seen.last;
      }
    }
    this.#inFlight.clear();
    this.#groups = new Map();
    this.#records = 0;
    this.#bytes = 0;
    for (const [model, { records, first, last }] of lost) {
      this.#options.metrics.logRecords.inc({ outcome: "dropped" }, records);
      this.#options.logger.error(
        { model, records, firstRequestId: first, lastRequestId: last },
        "prediction log records lost at shutdown",
      );
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
            if (this.#records > 0)
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
    const groups = this.#groups;
    this.#groups = new Map();
    this.#records = 0;
    this.#bytes = 0;
    const file = `${new Date().toISOString().replace(/[:.]/g, "")}-${randomBytes(6).toString("hex")}`;
    const failed: Array<[string, LineGroup]> = [];
    await Promise.all(
      [...groups].map(async ([key, group]) => {
        const k = layout.predictionLog(group.model, new Date(`${group.day}T00:00:00Z`), file);
        this.#inFlight.add(group);
        try {
          await this.#options.store.putBytes(k, group.body(), "application/x-ndjson");
          if (!this.#abandoned)
            this.#options.metrics.logRecords.inc({ outcome: "written" }, group.records);
        } catch (error) {
          failed.push([key, group]);
          this.#options.logger.warn(
            { err: error, records: group.records },
            "prediction log write failed; will retry",
          );
        } finally {
          this.#inFlight.delete(group);
        }
      }),
    );
    // close() has counted these records as lost already.
    if (this.#abandoned) return;
    if (failed.length === 0) {
      this.#failures = 0;
      this.#dropped = 0;
      return;
    }
    this.#failures++;
    // Failed groups go back in front of what arrived meanwhile, whole, within the bounds; a
    // group that no longer fits is dropped.
    const maxBytes = this.#options.maxBufferedBytes ?? Infinity;
    for (const [key, older] of failed) {
      if (
        this.#records + older.records > this.#options.maxBuffered ||
        this.#bytes + older.bytes > maxBytes
      ) {
        this.#options.metrics.logRecords.inc({ outcome: "dropped" }, older.records);
        continue;
      }
      const newer = this.#groups.get(key);
      if (newer === undefined) this.#groups.set(key, older);
      else newer.prepend(older);
      this.#records += older.records;
      this.#bytes += older.bytes;
    }
    this.#oldestAt = Date.now();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
