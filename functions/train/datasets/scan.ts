/**
 * @module train/datasets/scan
 * The one pass every dataset's bytes go through, whether they stream in through a request or
 * are read back from a presigned upload: count them against the limit, hash them, parse the
 * CSV (which checks it is UTF-8) and infer its schema. Push chunks in order, then `finish`; any
 * problem is thrown as the typed error the client should see.
 */
import { createHash } from "node:crypto";
import { InvalidRequestError, PayloadTooLargeError } from "../../lib/errors.ts";
import { MAX_BYTES_SETTING } from "./config.ts";
import { CsvParser } from "./csv.ts";
import { DatasetProfiler } from "./profile.ts";
import type { ColumnSchema } from "./schema.ts";

export interface ScanLimits {
  /** Most bytes of CSV text a dataset may have (SKIFF_DATASET_MAX_BYTES). */
  maxBytes: number;
  /** Most distinct values listed per column (SKIFF_SCHEMA_MAX_DISTINCT). */
  maxDistinct: number;
}

/** What the pass learned: everything dataset.json says except name, version and time. */
export interface ScanResult {
  rows: number;
  bytes: number;
  sha256: string;
  columns: ColumnSchema[];
}

export class DatasetScanner {
  readonly #limits: ScanLimits;
  readonly #hash = createHash("sha256");
  readonly #profiler: DatasetProfiler;
  readonly #parser: CsvParser;
  #bytes = 0;

  constructor(limits: ScanLimits) {
    this.#limits = limits;
    this.#profiler = new DatasetProfiler(limits.maxDistinct);
    this.#parser = new CsvParser(this.#profiler);
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#bytes === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
      throw new InvalidRequestError(
        "the data is gzip-compressed; skiff stores the CSV itself (send a compressed body with Content-Encoding: gzip, or upload the uncompressed file)",
      );
    }
    this.#bytes += chunk.length;
    if (this.#bytes > this.#limits.maxBytes) {
      throw new PayloadTooLargeError(this.#limits.maxBytes, MAX_BYTES_SETTING);
    }
    this.#hash.update(chunk);
    this.#parser.push(chunk);
  }

  finish(): ScanResult {
    if (this.#bytes === 0) {
      throw new InvalidRequestError("the CSV is empty; its first line must name the columns");
    }
    this.#parser.end();
    const { rows, columns } = this.#profiler.finish();
    return { rows, bytes: this.#bytes, sha256: this.#hash.digest("hex"), columns };
  }
}
