/**
 * @module http/request-body
 * Reads a request body whole, as bytes, and never more of it than the limit: the bytes are
 * counted as they arrive whatever the headers say, and counted again after a `Content-Encoding`
 * (gzip or deflate) is decoded, so that a small compressed body that inflates past the limit is
 * a 413 and not a growth in memory. Any other encoding is a 415 naming it.
 */
import { promisify } from "node:util";
import { gunzip, inflate, inflateRaw } from "node:zlib";
import type { Context } from "hono";
import {
  InvalidRequestError,
  PayloadTooLargeError,
  UnsupportedContentEncodingError,
} from "../errors.ts";

/** Where the limit comes from: the env variable, and the chart value that sets it. */
export const JSON_LIMIT_SETTING = "SKIFF_JSON_BODY_LIMIT, chart value limits.requestBodyBytes";

export type ContentCoding = "identity" | "gzip" | "deflate";

const SUPPORTED: readonly ContentCoding[] = ["identity", "gzip", "deflate"];

/** The one coding a `Content-Encoding` header names (identity when none); a 415 otherwise. */
export function contentCodingOf(header: string | undefined): ContentCoding {
  if (header === undefined) return "identity";
  const codings = header
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length === 0) return "identity";
  if (codings.length === 1) {
    if (codings[0] === "gzip" || codings[0] === "x-gzip") return "gzip";
    if (codings[0] === "deflate") return "deflate";
  }
  throw new UnsupportedContentEncodingError(header.trim(), SUPPORTED);
}

/** The body's bytes, decoded, at most `maxBytes` of them before decoding and after. */
export async function readBodyBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const coding = contentCodingOf(c.req.header("content-encoding"));
  const sent = await readSentBytes(c, maxBytes);
  return coding === "identity" ? sent : decode(sent, coding, maxBytes);
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(maxBytes, JSON_LIMIT_SETTING);
}

async function readSentBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = c.req.header("content-length");
  if (declared !== undefined && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
    // The HTTP parser never delivers more than a declared length, so the adapter may read the
    // body in one go (its fast path).
    return new Uint8Array(await c.req.arrayBuffer());
  }
  const body = c.req.raw.body;
  if (body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks, total);
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const inflateRawAsync = promisify(inflateRaw);

/**
 * HTTP's "deflate" is the zlib format, but some clients send a raw deflate stream: a zlib header
 * (compression method 8, header checksum a multiple of 31) tells them apart.
 */
function hasZlibHeader(bytes: Uint8Array): boolean {
  const [first = 0, second = 0] = bytes;
  return (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
}

async function decode(
  sent: Uint8Array,
  coding: Exclude<ContentCoding, "identity">,
  maxBytes: number,
): Promise<Uint8Array> {
  // zlib stops inflating as soon as its output passes maxOutputLength.
  const options = { maxOutputLength: maxBytes };
  try {
    if (coding === "gzip") return await gunzipAsync(sent, options);
    return hasZlibHeader(sent)
      ? await inflateAsync(sent, options)
      : await inflateRawAsync(sent, options);
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(maxBytes);
    throw new InvalidRequestError(`body is not valid ${coding} data: ${(error as Error).message}`);
  }
}
