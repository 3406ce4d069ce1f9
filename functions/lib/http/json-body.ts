/**
 * @module http/json-body
 * The one reader of JSON request bodies: the bytes (decoded and within the limit, see
 * request-body.ts), then a bound on how deeply they nest, then the parse. Every failure is a
 * client's: 400 for text that is not JSON or nests too deeply, 413 and 415 from reading.
 */
import type { Context } from "hono";
import { InvalidRequestError } from "../errors.ts";
import { nestsDeeperThan } from "../json-depth.ts";
import { readBodyBytes } from "./request-body.ts";

/**
 * Deepest nesting of arrays and objects a JSON body may have. A prediction's instances or a
 * tensor's nested data need a handful of levels; far deeper values would overflow the stack of
 * whatever walks them later (the prediction log's serializer among them).
 */
export const MAX_JSON_DEPTH = 64;

const decoder = new TextDecoder();

/**
 * Parses a JSON body's bytes (UTF-8, a leading BOM dropped as `Response.json()` does); `what`
 * names them in the 400.
 */
export function parseJsonBody(bytes: Uint8Array, what = "body"): unknown {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    // A RangeError would be the parser's own stack running out: too deep as well.
    if (error instanceof SyntaxError || error instanceof RangeError) {
      throw new InvalidRequestError(`${what} is not valid JSON: ${error.message}`);
    }
    throw error;
  }
  if (nestsDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(
      `${what} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
  return value;
}

/** The request's body as JSON, read within `maxBytes`. */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  return parseJsonBody(await readBodyBytes(c, maxBytes));
}
