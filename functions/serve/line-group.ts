/**
 * @module serve/line-group
 * The NDJSON lines bound for one prediction-log file (one model, one day), encoded straight
 * into byte chunks outside the JS heap. A record waiting for its batch is then no string the
 * garbage collector has to copy and promote, which under load made every scavenge slower.
 */

/** The first chunk is small (a quiet model holds a few lines); later ones grow with the group. */
const FIRST_CHUNK_BYTES = 16 * 1024;
const MAX_CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

export class LineGroup {
  readonly model: string;
  /** yyyy-mm-dd (UTC). */
  readonly day: string;
  #records = 0;
  #bytes = 0;
  #full: Buffer[] = [];
  #tail: Buffer | undefined;
  #used = 0;
  /** The request ids of the first and the last line: what names the lines if they are lost. */
  #firstRequestId: string | undefined;
  #lastRequestId: string | undefined;

  constructor(model: string, day: string) {
    this.model = model;
    this.day = day;
  }

  get records(): number {
    return this.#records;
  }

  /** Bytes of the lines held, newlines included. */
  get bytes(): number {
    return this.#bytes;
  }

  get firstRequestId(): string | undefined {
    return this.#firstRequestId;
  }

  get lastRequestId(): string | undefined {
    return this.#lastRequestId;
  }

  /** Adds one line (without its newline), of call `requestId`; answers the bytes it took. */
  add(line: string, requestId?: string): number {
    this.#firstRequestId ??= requestId;
    this.#lastRequestId = requestId ?? this.#lastRequestId;
    // A UTF-16 unit never takes more than 3 bytes of UTF-8, so this much room always fits.
    const worst = line.length * 3 + 1;
    if (this.#tail === undefined || this.#tail.length - this.#used < worst) {
      if (this.#tail !== undefined && this.#used > 0) {
        this.#full.push(this.#tail.subarray(0, this.#used));
      }
      const size = Math.min(MAX_CHUNK_BYTES, Math.max(FIRST_CHUNK_BYTES, this.#bytes));
      this.#tail = Buffer.allocUnsafe(Math.max(size, worst));
      this.#used = 0;
    }
    const written = this.#tail.write(line, this.#used, "utf8");
    this.#tail[this.#used + written] = NEWLINE;
    this.#used += written + 1;
    this.#records++;
    this.#bytes += written + 1;
    return written + 1;
  }

  /** The file's body: every line, each ending in a newline. */
  body(): Buffer {
    const parts =
      this.#tail === undefined ? this.#full : [...this.#full, this.#tail.subarray(0, this.#used)];
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#bytes);
  }

  /** Puts `older`'s lines in front of this group's: a failed write goes back ahead of newer calls. */
  prepend(older: LineGroup): void {
    const body = older.body();
    this.#full.unshift(body);
    this.#firstRequestId = older.#firstRequestId ?? this.#firstRequestId;
    this.#lastRequestId ??= older.#lastRequestId;
    this.#records += older.#records;
    this.#bytes += body.length;
  }
}
