/**
 * @module train/datasets/dialect
 * How a CSV file separates its fields and its lines. Spreadsheets write `;` where the decimal
 * separator is a comma, tools write tabs or pipes, and old Mac files end lines with a CR alone;
 * read as comma and LF, such a file is one column or one line. The dialect is found once, from
 * the header line, and recorded in dataset.json, so every later reader of data.csv (training)
 * reads it the same way. The bytes themselves are stored as sent: the sha256 stays the one the
 * client can check, and a presigned upload is committed by a server-side copy, never rewritten.
 */
import { InvalidRequestError } from "../../lib/errors.ts";

export const DELIMITERS = [",", ";", "\t", "|"] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * `lf` also reads CRLF (a CR before the LF belongs to the line end), so a file that mixes the
 * two reads right; `cr` is a file whose lines end in CR alone, where an LF is an ordinary byte.
 */
export const LINE_ENDINGS = ["lf", "crlf", "cr"] as const;
export type LineEnding = (typeof LINE_ENDINGS)[number];

export interface CsvDialect {
  delimiter: Delimiter;
  lineEnding: LineEnding;
}

/** What data.csv written before dialects were recorded is, and what a one-column file is. */
export const DEFAULT_DIALECT: CsvDialect = { delimiter: ",", lineEnding: "lf" };

/** Names a client may use for a delimiter that is awkward in a URL. */
const DELIMITER_NAMES: Record<string, Delimiter> = {
  comma: ",",
  semicolon: ";",
  tab: "\t",
  pipe: "|",
};

/** The `?delimiter=` value as a delimiter: the character itself or its name; else undefined. */
export function delimiterOf(value: string): Delimiter | undefined {
  if ((DELIMITERS as readonly string[]).includes(value)) return value as Delimiter;
  return DELIMITER_NAMES[value.toLowerCase()];
}

/** Every way of writing `?delimiter=` that delimiterOf reads, for the API's documentation. */
export const DELIMITER_VALUES = [...DELIMITERS, ...Object.keys(DELIMITER_NAMES)];

const LF = 10;
const CR = 13;
const QUOTE = 34;
const CODES = DELIMITERS.map((d) => d.charCodeAt(0));

/** The header line as found at the start of a file, before its dialect is known. */
export interface HeaderLine {
  /** Where the line starts (after a byte order mark and empty lines) and ends (its line end). */
  start: number;
  end: number;
  lineEnding: LineEnding;
}

/**
 * Finds the first non-empty line of `b` and how it ends, reading quotes as quotes (a quoted
 * name may hold a line break). Undefined while `b` may still be too short to tell, unless
 * `final`: then what there is counts as the whole line.
 */
export function findHeaderLine(b: Uint8Array, final: boolean): HeaderLine | undefined {
  let start = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  if (!final && b.length < 3) return undefined;
  let quoted = false;
  for (let p = start; p < b.length; p++) {
    const c = b[p];
    if (c === QUOTE) quoted = !quoted;
    if (quoted || (c !== LF && c !== CR)) continue;
    // A CR's meaning depends on the byte after it, which may not have come yet.
    if (c === CR && p + 1 === b.length && !final) return undefined;
    const lineEnding: LineEnding = c === LF ? "lf" : b[p + 1] === LF ? "crlf" : "cr";
    if (p === start) {
      // An empty line before the header: skipped, as the parser skips it.
      start = p + (lineEnding === "crlf" ? 2 : 1);
      p = start - 1;
      continue;
    }
    return { start, end: p, lineEnding };
  }
  return final ? { start, end: b.length, lineEnding: "lf" } : undefined;
}

/**
 * The dialect of a file whose header line is `header`: the requested delimiter, or else the one
 * candidate that appears outside quotes (a comma when none does: the file has one column).
 * Two different candidates are a question only the client can answer.
 */
export function sniffDialect(
  header: Uint8Array,
  lineEnding: LineEnding,
  requested?: Delimiter,
): CsvDialect {
  if (requested !== undefined) return { delimiter: requested, lineEnding };
  const counts = CODES.map(() => 0);
  let quoted = false;
  for (const c of header) {
    if (c === QUOTE) quoted = !quoted;
    else if (!quoted) {
      const index = CODES.indexOf(c);
      if (index !== -1) counts[index] = (counts[index] as number) + 1;
    }
  }
  const seen = DELIMITERS.filter((_, i) => (counts[i] as number) > 0);
  if (seen.length <= 1) return { delimiter: seen[0] ?? ",", lineEnding };
  const found = seen.map((d) => `${counts[DELIMITERS.indexOf(d)]} ${delimiterName(d)}`);
  const listed = `${found.slice(0, -1).join(", ")} and ${found.at(-1)}`;
  throw new InvalidRequestError(
    `cannot tell which character separates the columns: the header line has ${listed} outside quotes; name it with ?delimiter= (comma, semicolon, tab or pipe)`,
  );
}

/** A delimiter as messages name it. */
export function delimiterName(delimiter: Delimiter): string {
  return delimiter === "\t" ? "tab" : `"${delimiter}"`;
}
