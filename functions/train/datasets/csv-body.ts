/**
 * @module train/datasets/csv-body
 * A request's CSV body as a stream of bytes, never read whole: checks the declared type and
 * encoding before a byte is read, and gunzips a gzip body on the fly. Its decompressed size is
 * what the dataset limit counts, and it may not run further ahead of the compressed bytes read
 * than SKIFF_DATASET_MAX_INFLATE_RATIO allows, so a small bomb is refused within its first
 * megabytes instead of filling the bucket. The stream ends, with an error, the moment the
 * signal fires (the client went away, the process is stopping), so no work goes on for nobody.
 */
import { PassThrough, pipeline, Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createGunzip } from "node:zlib";
import {
  InvalidRequestError,
  PayloadTooLargeError,
  SkiffError,
  UnsupportedMediaTypeError,
} from "../../lib/errors.ts";
import { MAX_BYTES_SETTING, MAX_INFLATE_RATIO_SETTING } from "./config.ts";
import { whyStopped } from "./writes-in-flight.ts";

const CSV_TYPE = /^text\/csv\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * Inflated bytes always allowed whatever the ratio, so a small file of repetitive text is never
 * refused; less than one stored part (5 MiB), so a refused bomb never reaches storage.
 */
export const INFLATE_SLACK_BYTES = 4 * 1024 * 1024;

/**
 * Compressed bytes read ahead of the gunzip. A client that sent its whole body and left is seen
 * to be gone only once the socket has been read to its end; read at the pace of inflating, a
 * body that sits in the socket's buffers would be inflated whole before anyone noticed.
 */
const GZIP_READ_AHEAD_BYTES = 4 * 1024 * 1024;

export interface CsvBodyLimits {
  /** SKIFF_DATASET_MAX_BYTES */
  maxBytes: number;
  /** SKIFF_DATASET_MAX_INFLATE_RATIO */
  maxInflateRatio: number;
}

/**
 * `incoming` is the Node request under the web Request, when the app runs on Node's HTTP
 * server: reading it directly skips two stream adapters (Node to web and back), which costs
 * more per chunk than one might think at hundreds of MB/s.
 */
export function csvBody(
  request: Request,
  limits: CsvBodyLimits,
  signal: AbortSignal,
  incoming?: Readable,
): AsyncIterable<Uint8Array> {
  const { maxBytes } = limits;
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
  if (!gzip) return readable(bytes, signal);
  // pipeline, unlike pipe, passes a failing request stream on to the reader of the gunzip.
  const gunzip = createGunzip();
  const readAhead = new PassThrough({ highWaterMark: GZIP_READ_AHEAD_BYTES });
  pipeline(bytes, readAhead, gunzip, () => {
    // errors surface where the gunzip is read
  });
  // zlib can report a truncated stream after the reader has stopped (say the scan refused the
  // data first); with no listener left that late error would crash the process.
  gunzip.on("error", () => {});
  return readable(gunzip, signal, (inflated) => {
    if (inflated > INFLATE_SLACK_BYTES && inflated > limits.maxInflateRatio * gunzip.bytesWritten) {
      throw new SkiffError(
        "payload_too_large",
        `the gzip body inflates to more than ${limits.maxInflateRatio} times its compressed size (${inflated} bytes from ${gunzip.bytesWritten}), more than ${MAX_INFLATE_RATIO_SETTING} allows; send it uncompressed, or raise the setting`,
      );
    }
  });
}

async function* empty(): AsyncGenerator<Uint8Array> {}

/**
 * The stream's chunks; a broken body (bad gzip, client gone) is the client's error. A gunzip's
 * stream comes with `inflated`, which sees the bytes inflated so far before each chunk goes on.
 */
async function* readable(
  stream: Readable,
  signal: AbortSignal,
  inflated?: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  // A read may be waiting for bytes that will never come: end it from outside.
  const stop = () => stream.destroy(whyStopped(signal));
  signal.addEventListener("abort", stop, { once: true });
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      if (signal.aborted) throw whyStopped(signal);
      bytes += (chunk as Uint8Array).length;
      inflated?.(bytes);
      yield chunk as Uint8Array;
    }
  } catch (error) {
    if (signal.aborted) throw whyStopped(signal);
    if (error instanceof SkiffError) throw error;
    if (inflated !== undefined && isZlibError(error)) {
      throw new InvalidRequestError("the body is not valid gzip data", { cause: error });
    }
    throw new InvalidRequestError("the request body could not be read to its end", {
      cause: error,
    });
  } finally {
    signal.removeEventListener("abort", stop);
    stream.destroy();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("Z_");
}
