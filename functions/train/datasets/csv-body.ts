/**
 * @module train/datasets/csv-body
 * A request's CSV body as a stream of bytes, never read whole: checks the declared type and
 * encoding before a byte is read, and gunzips a gzip body on the fly (its decompressed size is
 * what the dataset limit counts, so a small bomb cannot fill the bucket).
 */
import { pipeline, Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import {
  InvalidRequestError,
  PayloadTooLargeError,
  SkiffError,
  UnsupportedMediaTypeError,
} from "../../lib/errors.ts";
import { MAX_BYTES_SETTING } from "./config.ts";

const CSV_TYPE = /^text\/csv\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * `incoming` is the Node request under the web Request, when the app runs on Node's HTTP
 * server: reading it directly skips two stream adapters (Node to web and back), which costs
 * more per chunk than one might think at hundreds of MB/s.
 */
export function csvBody(
  request: Request,
  maxBytes: number,
  incoming?: Readable,
): AsyncIterable<Uint8Array> {
  const type = request.headers.get("content-type") ?? undefined;
  if (type === undefined || !CSV_TYPE.test(type)) {
    throw new UnsupportedMediaTypeError("text/csv", type);
  }
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (
    charset !== undefined &&
    charset !== "utf-8" &&
    charset !== "utf8" &&
    charset !== "us-ascii"
  ) {
    throw new SkiffError(
      "unsupported_media_type",
      `the CSV must be UTF-8, but the content type says charset=${charset}`,
    );
  }
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  const gzip = encoding === "gzip" || encoding === "x-gzip";
  if (!gzip && encoding !== "identity") {
    throw new SkiffError(
      "unsupported_media_type",
      `content encoding ${encoding} is not supported; send the CSV as is or with gzip`,
    );
  }
  // Refuse early what is certainly too large; the scan counts the bytes that actually come.
  const length = Number(request.headers.get("content-length") ?? Number.NaN);
  if (!gzip && length > maxBytes) throw new PayloadTooLargeError(maxBytes, MAX_BYTES_SETTING);

  let bytes = incoming;
  if (bytes === undefined) {
    const body = request.body;
    if (body === null) return empty();
    bytes = Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  }
  if (!gzip) return readable(bytes, false);
  // pipeline, unlike pipe, passes a failing request stream on to the reader of the gunzip.
  const gunzip = createGunzip();
  pipeline(bytes, gunzip, () => {
    // errors surface where the gunzip is read
  });
  // zlib can report a truncated stream after the reader has stopped (say the scan refused the
  // data first); with no listener left that late error would crash the process.
  gunzip.on("error", () => {});
  return readable(gunzip, true);
}

async function* empty(): AsyncGenerator<Uint8Array> {}

/** The stream's chunks; a broken body (bad gzip, client gone) is the client's error. */
async function* readable(stream: Readable, gzip: boolean): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk as Uint8Array;
  } catch (error) {
    if (gzip && isZlibError(error)) {
      throw new InvalidRequestError("the body is not valid gzip data", { cause: error });
    }
    throw new InvalidRequestError("the request body could not be read to its end", {
      cause: error,
    });
  } finally {
    stream.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("Z_");
}
