/**
 * @module train/datasets/scan
 * The one pass every dataset's bytes go through, whether they stream in through a request or
 * are read back from a presigned upload: count them against the limit, hash them, find the
 * CSV's dialect from its header line, parse it (which checks it is UTF-8) and infer its schema.
 * Push chunks in order, then `finish`; any problem is thrown as the typed error the client
 * should see.
 */
import { createHash } from "node:crypto";
import { InvalidRequestError, PayloadTooLargeError } from "../../lib/errors.ts";
import { MAX_BYTES_SETTING } from "./config.ts";
import { CsvParser, DEFAULT_MAX_RECORD_BYTES } from "./csv.ts";
import { type CsvDialect, type Delimiter, findHeaderLine, sniffDialect } from "./dialect.ts";
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
  dialect: CsvDialect;
}

export class DatasetScanner {
  readonly #limits: ScanLimits;
  readonly #hash = createHash("sha256");
  readonly #profiler: DatasetProfiler;
  /** The delimiter the client named; sniffed from the header line when undefined. */
  readonly #delimiter: Delimiter | undefined;
  /** Made once the header line has come and with it the dialect. */
  #parser: CsvParser | undefined;
  #dialect: CsvDialect | undefined;
  /** The start of the input, held until the header line is complete. */
  #head: Uint8Array[] = [];
  #bytes = 0;

  constructor(limits: ScanLimits, delimiter?: Delimiter) {
    this.#limits = limits;
    this.#delimiter = delimiter;
    this.#profiler = new DatasetProfiler(limits.maxDistinct);
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
    if (this.#parser !== undefined) this.#parser.push(chunk);
    else this.#headerChunk(chunk, false);
  }

  /**
   * Holds chunks until the header line is whole, then makes the parser for its dialect and
   * hands it what was held. A header longer than any record may be is left for the parser to
   * refuse.
   */
  #headerChunk(chunk: Uint8Array | undefined, final: boolean): void {
    if (chunk !== undefined) this.#head.push(chunk);
    const head = Buffer.concat(this.#head);
    const tooLong = head.length > DEFAULT_MAX_RECORD_BYTES;
    const line = findHeaderLine(head, final || tooLong);
    if (line === undefined) return;
    this.#dialect = sniffDialect(
      head.subarray(line.start, line.end),
      line.lineEnding,
      this.#delimiter,
    );
    this.#parser = new CsvParser(this.#profiler, { dialect: this.#dialect });
    this.#head = [];
    this.#parser.push(head);
  }

  finish(): ScanResult {
    if (this.#bytes === 0) {
      throw new InvalidRequestError("the CSV is empty; its first line must name the columns");
    }
    if (this.#parser === undefined) this.#headerChunk(undefined, true);
    const parser = this.#parser as CsvParser;
    parser.end();
    const { rows, columns } = this.#profiler.finish();
    const dialect = this.#dialect as CsvDialect;
    return { rows, bytes: this.#bytes, sha256: this.#hash.digest("hex"), columns, dialect };
  }
}
