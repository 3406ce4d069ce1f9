/**
 * @module train/datasets/utf8
 * Bytes to text for the CSV parser, chunk by chunk. Invalid UTF-8 is refused rather than
 * replaced: a dataset with U+FFFD where its bytes were would train on values nobody wrote.
 */
import { InvalidRequestError } from "../../lib/errors.ts";

export class Utf8Decoder {
  // fatal: throw on a bad sequence; the BOM Excel writes is dropped (ignoreBOM false).
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });

  /** Text of the next chunk; a character split across chunks comes out with the later one. */
  decode(bytes: Uint8Array, where: () => string): string {
    try {
      return this.#decoder.decode(bytes, { stream: true });
    } catch (error) {
      throw notUtf8(where(), error);
    }
  }

  /** The text still held back at the end; a character cut short is an error. */
  end(where: () => string): string {
    try {
      return this.#decoder.decode();
    } catch (error) {
      throw notUtf8(where(), error);
    }
  }
}

function notUtf8(where: string, cause: unknown): InvalidRequestError {
  return new InvalidRequestError(
    `the CSV is not valid UTF-8 text (a bad byte sequence ${where}); save it as UTF-8 and upload it again`,
    { cause },
  );
}
