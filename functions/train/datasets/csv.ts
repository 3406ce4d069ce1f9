/**
 * @module train/datasets/csv
 * A streaming RFC 4180 CSV parser: quoted fields with delimiters, line breaks and doubled quotes,
 * UTF-8 text, in the dialect a file is written in (see dialect.ts): comma, semicolon, tab or pipe
 * between fields; LF, CRLF or CR alone (old Mac files) at line ends. Upload validates with it and
 * training reads data.csv back with it, in the dialect dataset.json records, so both see the
 * same records.
 *
 * It works on the bytes as they arrive, never on decoded text: the delimiters are ASCII, so
 * finding cells needs no decoding. Since it reads every byte anyway, it also reads the value of
 * each cell that is a plain decimal number (most cells of a training set) on the way, which
 * spares the schema scan a second pass over them, and a trainer a string per number.
 * UTF-8 is checked per stretch of complete records with the native `isUtf8`, so a bad byte is
 * reported with its line. Strings are made only for whoever asks for them (`recordsTo`), one
 * decode per stretch of text rather than one per cell.
 *
 * Memory stays bounded: only the unfinished record is carried from one chunk to the next, and a
 * record longer than `maxRecordBytes` is an error rather than a reason to buffer the whole file.
 *
 * Conventions beyond RFC 4180, the same ones pandas and Python's csv module follow: empty lines
 * are skipped, a quote inside an unquoted field is an ordinary character, a final line without
 * a line break is still a record, and a UTF-8 byte order mark at the start is dropped.
 */
import { isAscii, isUtf8 } from "node:buffer";
import { InvalidRequestError } from "../../lib/errors.ts";
import { type CsvDialect, DEFAULT_DIALECT, type Delimiter, delimiterName } from "./dialect.ts";
import { CellKind, NumberRead, scanPlainNumber } from "./number-cell.ts";

/** A malformed CSV; `line` is where the offending record starts (1-based). */
export class CsvSyntaxError extends InvalidRequestError {
  readonly line: number;

  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/**
 * The parser's output: each cell as a range of bytes, so a consumer that only needs to look at
 * a cell (the schema scan) pays for no string. A record's cells are delivered only once the
 * whole record has been read, and only after its bytes were found to be valid UTF-8.
 */
export interface CellSink {
  /**
   * One cell: `bytes[start, end)`, quotes removed and doubled quotes undone. `kind` says whether
   * the parser read it as a plain decimal number (an optional sign, digits that fit 2^53 as an
   * integer, an optional point with at most 22 digits after it), and then `value` is that number;
   * otherwise (text, exponents, whitespace, quoted cells) `kind` is UNREAD and `value` NaN.
   */
  cell(bytes: Uint8Array, start: number, end: number, kind: CellKind, value: number): void;
  /** The record whose cells came since the last call ended; it started on `line`. */
  endRecord(line: number): void;
  /**
   * Announces the stretch of `bytes` the next cells lie in (cells with doubled quotes come
   * from elsewhere), so a sink that makes strings can decode the stretch once.
   */
  region?(bytes: Uint8Array, start: number, end: number): void;
}

/** A field of a record: its text, or its number when the caller asked for its column's numbers. */
export type Field = string | number;

/**
 * Receives each record with the line it starts on (1-based, counting every line of the file).
 * Its fields are text, except in the columns `CsvOptions.numbers` names.
 */
export type RecordSink<F extends Field = string> = (fields: F[], line: number) => void;

export interface CsvOptions {
  /** Longest record, in bytes, before the input is judged broken (an unclosed quote, say). */
  maxRecordBytes?: number;
  /**
   * Columns (0-based) whose plain decimal numbers come as numbers rather than text: the parser
   * has read them already, so a reader that wants numbers (a trainer) is spared a string per
   * cell and parsing it again. Other cells of those columns still come as text.
   */
  numbers?: readonly number[];
  /** How the file separates fields and lines; comma and LF (or CRLF) when not given. */
  dialect?: CsvDialect;
}

/** Options that leave every field text. */
type TextOptions = CsvOptions & { numbers?: undefined };

export const DEFAULT_MAX_RECORD_BYTES = 4 * 1024 * 1024;

const LF = 10;
const CR = 13;
const QUOTE = 34;
const EMPTY = new Uint8Array(0);

/** Leftovers larger than this are only parsed again once as much new input has arrived. */
const RESCAN_AFTER_BYTES = 64 * 1024;

/**
 * Push-style parser: feed it chunks of bytes with `push`, then call `end`. Complete records go
 * to the sink synchronously, so a caller can parse inside a stream without buffering it.
 */
export class CsvParser {
  readonly #sink: CellSink;
  readonly #maxRecordBytes: number;
  /** The byte between fields. */
  readonly #delimiter: number;
  /**
   * The byte that ends a line: LF, where a CR just before it belongs to the line end too (CRLF),
   * or CR in a file whose lines end in CR alone.
   */
  readonly #eol: number;
  /** The line end as input, for a last line that has none. */
  readonly #eolBytes: Uint8Array;
  /** Bytes not parsed yet: the start of a record that was not complete (a copy). */
  #rest: Uint8Array = EMPTY;
  /** The line `#rest` starts on. */
  #line = 1;
  /** Nothing parsed yet: a byte order mark may still come. */
  #atStart = true;
  /** Chunks pushed since the last parse. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** The input so far is empty or ends with a line feed. */
  #endsLine = true;
  /**
   * A long unfinished record is parsed again only once this much more input has come, so a
   * record spanning many chunks costs linear time, not quadratic.
   */
  #waitFor = 0;
  // The cells of the record being read: where each starts and ends, and whether it lies in
  // #unescaped (a quoted cell with doubled quotes) rather than in the input.
  #starts = new Int32Array(64);
  #ends = new Int32Array(64);
  #inUnescaped = new Uint8Array(64);
  #kinds = new Uint8Array(64);
  #values = new Float64Array(64);
  #unescaped = new Uint8Array(1024);
  /** Where each plain cell's number is read into. */
  readonly #number = new NumberRead();

  constructor(sink: CellSink | RecordSink, options?: TextOptions);
  constructor(sink: CellSink | RecordSink<Field>, options: CsvOptions);
  constructor(sink: CellSink | RecordSink<Field>, options: CsvOptions = {}) {
    this.#sink = typeof sink === "function" ? recordsTo(sink, options.numbers) : sink;
    this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const dialect = options.dialect ?? DEFAULT_DIALECT;
    this.#delimiter = dialect.delimiter.charCodeAt(0);
    this.#eol = dialect.lineEnding === "cr" ? CR : LF;
    this.#eolBytes = Uint8Array.of(this.#eol);
  }

  /** The line the first record not yet delivered starts on. */
  get line(): number {
    return this.#line;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#endsLine = chunk[chunk.length - 1] === this.#eol;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes >= this.#waitFor) this.#parse(false);
  }

  /** Parses what is left as the end of the input: an unclosed quote is an error here. */
  end(): void {
    // A last line without a line break is still a record; given one, it is read like any other.
    if (!this.#endsLine) this.push(this.#eolBytes);
    this.#parse(true);
    this.#rest = EMPTY;
  }

  #parse(final: boolean): void {
    let bytes =
      this.#pending.length === 1 ? (this.#pending[0] as Uint8Array) : concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    let from = 0;
    const rest = this.#rest;
    if (this.#atStart) {
      if (rest.length > 0) bytes = concat([rest, bytes]);
      if (bytes.length < 3 && !final) {
        this.#rest = bytes.slice();
        return;
      }
      this.#atStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) from = 3;
    } else if (rest.length > 0) {
      // Finish the record begun in an earlier chunk with as little of the new input as it
      // takes, then read on in the new chunk itself instead of copying all of it.
      const lineFeed = bytes.indexOf(this.#eol);
      const used =
        lineFeed === -1 ? 0 : this.#scan(concat([rest, bytes.subarray(0, lineFeed + 1)]), 0, false);
      if (used > 0) {
        from = used - rest.length;
      } else {
        bytes = concat([rest, bytes]); // the record goes on past that line: a quoted line break
      }
    }
    const consumed = this.#scan(bytes, from, final);
    this.#rest = consumed >= bytes.length ? EMPTY : bytes.slice(consumed);
    if (this.#rest.length > this.#maxRecordBytes) {
      throw new CsvSyntaxError(
        this.#line,
        `line ${this.#line} starts a record longer than ${this.#maxRecordBytes} bytes; is a quote left open?`,
      );
    }
    this.#waitFor = this.#rest.length > RESCAN_AFTER_BYTES ? this.#rest.length : 0;
  }

  /** Delivers every complete record of `b` from `from` on; answers where it stopped. */
  #scan(b: Uint8Array, from: number, final: boolean): number {
    const n = b.length;
    const delimiter = this.#delimiter;
    const eol = this.#eol;
    // With LF line ends, a CR before the LF is part of the line end, not of the last cell.
    const crlf = eol === LF;
    // Every complete record ends at or before the last line end (or the end, at the end).
    const complete = final ? n : b.lastIndexOf(eol) + 1;
    if (complete <= from) return from;
    this.#checkUtf8(b, from, complete);
    const sink = this.#sink;
    sink.region?.(b, from, complete);
    let pos = from;
    let line = this.#line;
    // The next quote at or after where we look; -1 when there is none left.
    let quote = -2;

    records: while (pos < n) {
      // The lines before the next quote's line, the common case, in one go.
      if (quote !== -1 && quote < pos) quote = b.indexOf(QUOTE, pos);
      const plainEnd = quote === -1 || quote >= complete ? complete : b.lastIndexOf(eol, quote) + 1;
      if (plainEnd > pos) {
        line = this.#plainLines(b, pos, plainEnd, line);
        pos = plainEnd;
      }
      if (pos >= complete) break; // what is left is a line not complete yet

      // A line with a quote: field by field, keeping the cells until the record is complete,
      // since a quoted field may hold commas and line breaks and go on past this chunk.
      let count = 0;
      let unescapedLength = 0;
      let p = pos;
      let at = line; // the line p is on
      for (;;) {
        if (count === this.#starts.length) this.#growCells();
        if (p < n && b[p] === QUOTE) {
          // A quoted field: up to the quote that is not doubled.
          let q = p + 1;
          let segment = q;
          let escaped = false;
          for (;;) {
            for (; q < n; q++) {
              const c = b[q] as number;
              if (c === QUOTE) break;
              if (c === eol) at++;
            }
            if (q === n) {
              if (final) {
                throw new CsvSyntaxError(
                  line,
                  `line ${line} opens a quoted field that is never closed`,
                );
              }
              break records;
            }
            // The next chunk may begin with the quote that doubles this one.
            if (q + 1 === n && !final) break records;
            if (b[q + 1] !== QUOTE) break;
            if (!escaped) {
              escaped = true;
              this.#starts[count] = unescapedLength;
            }
            unescapedLength = this.#unescape(b, segment, q + 1, unescapedLength);
            q += 2;
            segment = q;
          }
          if (escaped) {
            unescapedLength = this.#unescape(b, segment, q, unescapedLength);
            this.#ends[count] = unescapedLength;
            this.#inUnescaped[count] = 1;
          } else {
            this.#starts[count] = p + 1;
            this.#ends[count] = q;
            this.#inUnescaped[count] = 0;
          }
          this.#kinds[count] = CellKind.UNREAD;
          count++;
          p = q + 1;
          if (p === n) break; // only when final: the last record ends with the input
          const c = b[p];
          if (c === delimiter) {
            p++;
            if (p === n) {
              if (!final) break records;
              count = this.#emptyCell(count, p);
              break;
            }
            continue;
          }
          if (c === eol) {
            p++;
            break;
          }
          if (crlf && c === CR && (p + 1 === n || b[p + 1] === LF)) {
            if (p + 1 === n && !final) break records;
            p += 2;
            break;
          }
          throw new CsvSyntaxError(
            at,
            `line ${at}: a closing quote must be followed by a ${delimiterName(String.fromCharCode(delimiter) as Delimiter)} or the end of the line (write a quote inside a quoted field as "")`,
          );
        }

        // An unquoted field runs to the next delimiter or line end.
        const start = p;
        let c = 0;
        for (; p < n; p++) {
          c = b[p] as number;
          if (c === delimiter || c === eol) break;
        }
        if (p === n && !final) break records;
        // A CR before the line feed, or at the very end, ends the line rather than the cell.
        this.#starts[count] = start;
        this.#ends[count] =
          crlf && (c === LF || p === n) && p > start && b[p - 1] === CR ? p - 1 : p;
        this.#inUnescaped[count] = 0;
        this.#kinds[count] = CellKind.UNREAD;
        count++;
        if (p === n) break; // final: the last record ends with the input
        p++;
        if (c === delimiter) {
          if (p === n) {
            if (!final) break records;
            count = this.#emptyCell(count, p);
            break;
          }
          continue;
        }
        break;
      }

      const starts = this.#starts;
      const ends = this.#ends;
      const inUnescaped = this.#inUnescaped;
      const kinds = this.#kinds;
      const values = this.#values;
      for (let i = 0; i < count; i++) {
        const kind = kinds[i] as CellKind;
        sink.cell(
          inUnescaped[i] === 1 ? this.#unescaped : b,
          starts[i] as number,
          ends[i] as number,
          kind,
          kind === CellKind.UNREAD ? Number.NaN : (values[i] as number),
        );
      }
      sink.endRecord(line);
      line = at + 1;
      pos = p;
    }
    this.#line = line;
    return Math.min(pos, n);
  }

  /**
   * The records of `b[from, to)`: lines without a quote, the last one ending in a line end.
   * Each cell goes to the sink as soon as it is cut, its number read on the way while it looks
   * like one. The line end at the end stops every inner loop, so they test bytes, never the
   * position; that and reading a whole stretch of lines in one loop, rather than finding each
   * line's end first, is what makes this the cheap part of an upload.
   */
  #plainLines(b: Uint8Array, from: number, to: number, line: number): number {
    const sink = this.#sink;
    const delimiter = this.#delimiter;
    const eol = this.#eol;
    const crlf = eol === LF;
    const read = this.#number;
    let p = from;
    while (p < to) {
      let c = b[p] as number;
      // Empty lines are skipped.
      if (c === eol || (crlf && c === CR && b[p + 1] === LF)) {
        p += c === eol ? 1 : 2;
        line++;
        continue;
      }
      for (;;) {
        const start = p;
        p = scanPlainNumber(b, p, read);
        c = b[p] as number;
        if (c === delimiter || c === eol || (crlf && c === CR && b[p + 1] === LF)) {
          sink.cell(b, start, p, read.kind, read.value);
        } else {
          // Not a plain number: on to the delimiter or line end. A CR before the line feed ends
          // the line rather than the cell.
          while (c !== delimiter && c !== eol) c = b[++p] as number;
          const end = crlf && c === LF && b[p - 1] === CR ? p - 1 : p;
          sink.cell(b, start, end, CellKind.UNREAD, Number.NaN);
        }
        if (c === delimiter) {
          p++;
          continue;
        }
        p += c === eol ? 1 : 2;
        break;
      }
      sink.endRecord(line);
      line++;
    }
    return line;
  }

  #emptyCell(count: number, at: number): number {
    if (count === this.#starts.length) this.#growCells();
    this.#starts[count] = at;
    this.#ends[count] = at;
    this.#inUnescaped[count] = 0;
    this.#kinds[count] = CellKind.UNREAD;
    return count + 1;
  }

  #growCells(): void {
    const size = this.#starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.#starts = grow(this.#starts, new Int32Array(size));
    this.#ends = grow(this.#ends, new Int32Array(size));
    this.#inUnescaped = grow(this.#inUnescaped, new Uint8Array(size));
    this.#kinds = grow(this.#kinds, new Uint8Array(size));
    const values = new Float64Array(size);
    values.set(this.#values);
    this.#values = values;
  }

  /** Appends `b[from, to)` to the unescaped bytes at `length`; answers the new length. */
  #unescape(b: Uint8Array, from: number, to: number, length: number): number {
    const needed = length + (to - from);
    if (needed > this.#unescaped.length) {
      const bigger = new Uint8Array(Math.max(needed, this.#unescaped.length * 2));
      bigger.set(this.#unescaped.subarray(0, length));
      this.#unescaped = bigger;
    }
    this.#unescaped.set(b.subarray(from, to), length);
    return needed;
  }

  /** Throws, naming the first line with a bad byte sequence, unless `b[from, to)` is UTF-8. */
  #checkUtf8(b: Uint8Array, from: number, to: number): void {
    if (isUtf8(b.subarray(from, to))) return;
    let line = this.#line;
    for (let start = from; start < to; line++) {
      const lineFeed = b.indexOf(this.#eol, start);
      const end = lineFeed === -1 || lineFeed >= to ? to : lineFeed + 1;
      if (!isUtf8(b.subarray(start, end))) {
        throw new InvalidRequestError(
          `line ${line} is not valid UTF-8 text; save the CSV as UTF-8 and upload it again`,
        );
      }
      start = end;
    }
    throw new InvalidRequestError("the CSV is not valid UTF-8 text");
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  // A Buffer, like the chunks it joins: a parser loop that sees one kind of array stays fast.
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A CellSink that hands whole records to `sink`, as arrays of strings except for the numbers
 * the parser read in the columns `numbers` names. Each stretch of input is decoded once; cells
 * are cut out of the text by position. For ASCII text, bytes and characters line up; otherwise
 * a cursor walks the bytes to find each cell's characters.
 */
export function recordsTo(sink: RecordSink<Field>, numbers: readonly number[] = []): CellSink {
  const asNumber = new Uint8Array(Math.max(-1, ...numbers) + 1);
  for (const column of numbers) asNumber[column] = 1;
  // ignoreBOM: a U+FEFF inside the data is a character like any other (the file's own BOM
  // never gets here), and dropping it would shift every position after it.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let fields: Field[] = [];
  let source: Uint8Array = EMPTY;
  let base = 0;
  let text = "";
  let ascii = true;
  // For non-ASCII text: a byte position and the character position it corresponds to.
  let cursorByte = 0;
  let cursorChar = 0;
  const charAt = (byte: number): number => {
    if (byte < cursorByte) {
      cursorByte = base;
      cursorChar = 0;
    }
    for (; cursorByte < byte; cursorByte++) {
      const b = source[cursorByte] as number;
      if ((b & 0xc0) !== 0x80) cursorChar += b >= 0xf0 ? 2 : 1; // 4-byte sequences: 2 UTF-16 units
    }
    return cursorChar;
  };
  return {
    region(bytes, start, end) {
      source = bytes;
      base = start;
      const stretch = bytes.subarray(start, end);
      ascii = isAscii(stretch);
      text = ascii ? latin1(stretch) : decoder.decode(stretch);
      cursorByte = start;
      cursorChar = 0;
    },
    cell(bytes, start, end, kind, value) {
      if (kind !== CellKind.UNREAD && asNumber[fields.length] === 1) {
        fields.push(value);
      } else if (bytes !== source) {
        fields.push(decoder.decode(bytes.subarray(start, end)));
      } else if (ascii) {
        fields.push(text.slice(start - base, end - base));
      } else {
        const from = charAt(start);
        fields.push(text.slice(from, charAt(end)));
      }
    },
    endRecord(line) {
      const record = fields;
      fields = [];
      sink(record, line);
    },
  };
}

/** ASCII bytes as a string, natively. */
function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/**
 * Records of UTF-8 CSV bytes in batches, one batch per chunk of input: the cheap way to read a
 * large file, since each `await` costs more than parsing a short record.
 */
export function parseCsvBatches(
  source: AsyncIterable<Uint8Array>,
  options?: TextOptions,
): AsyncGenerator<string[][]>;
export function parseCsvBatches(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions,
): AsyncGenerator<Field[][]>;
export async function* parseCsvBatches(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions = {},
): AsyncGenerator<Field[][]> {
  let batch: Field[][] = [];
  const parser = new CsvParser((fields: Field[]) => {
    batch.push(fields);
  }, options);
  for await (const chunk of source) {
    parser.push(chunk);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  parser.end();
  if (batch.length > 0) yield batch;
}

/**
 * Records of UTF-8 CSV bytes, one at a time, header included. Hand-written rather than an async
 * generator's `yield*`: a record already parsed is handed out as a settled promise, which makes
 * reading record by record about four times cheaper.
 */
export function parseCsv(
  source: AsyncIterable<Uint8Array>,
  options?: TextOptions,
): AsyncIterable<string[]>;
export function parseCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions,
): AsyncIterable<Field[]>;
export function parseCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions = {},
): AsyncIterable<Field[]> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Field[]> {
      const batches = parseCsvBatches(source, options);
      let batch: Field[][] = [];
      let index = 0;
      const refill = async (): Promise<IteratorResult<Field[]>> => {
        for (;;) {
          const next = await batches.next();
          if (next.done) return { value: undefined, done: true };
          batch = next.value;
          index = 0;
          if (batch.length > 0) return { value: batch[index++] as Field[], done: false };
        }
      };
      return {
        next() {
          if (index < batch.length) {
            return Promise.resolve({ value: batch[index++] as Field[], done: false });
          }
          return refill();
        },
        // A reader that stops early (break, throw) closes the source too.
        async return() {
          batch = [];
          await batches.return(undefined);
          return { value: undefined, done: true };
        },
      };
    },
  };
}
