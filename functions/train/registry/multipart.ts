/**
 * @module train/registry/multipart
 * A streaming multipart/form-data reader (RFC 7578 over RFC 2046): it hands each part's bytes
 * to a sink as they arrive and holds no more than one part's headers and a delimiter's length
 * of the body itself, so what a part's bytes cost is up to its sink. Every way a body can break
 * the format (no boundary, another boundary than the declared one, a cut body, a part without
 * a Content-Disposition name) is an InvalidRequestError saying what was seen.
 */
import { InvalidRequestError, UnsupportedMediaTypeError } from "../../lib/errors.ts";

export interface PartHeaders {
  /** The form field, from Content-Disposition's `name`. */
  name: string;
  /** Present when the part is a file (Content-Disposition's `filename` or `filename*`). */
  filename: string | undefined;
  contentType: string | undefined;
}

export interface PartSink {
  /** `chunk` is only valid during the call: a sink that keeps bytes copies them. */
  write(chunk: Uint8Array): void;
  end(): void;
}

const MAX_HEADER_BYTES = 16 * 1024;
const FORM_DATA = /^multipart\/form-data\s*(?:;|$)/i;

/** `key=value` and `key="quoted value"` parameters of a header such as Content-Type. */
function parametersOf(header: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const pattern = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (const match of header.matchAll(pattern)) {
    const [, key = "", quoted, bare] = match;
    parameters.set(
      key.toLowerCase(),
      quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (bare ?? "").trim(),
    );
  }
  return parameters;
}

/**
 * The boundary a multipart/form-data Content-Type declares. Another type is a 415; the right
 * type without a usable boundary is a 400.
 */
export function boundaryOf(contentType: string | undefined): string {
  if (contentType === undefined || !FORM_DATA.test(contentType)) {
    throw new UnsupportedMediaTypeError("multipart/form-data", contentType);
  }
  const boundary = parametersOf(contentType).get("boundary");
  if (boundary === undefined || boundary === "") {
    throw new InvalidRequestError("Content-Type multipart/form-data has no boundary parameter");
  }
  if (boundary.length > 70) {
    throw new InvalidRequestError("the multipart boundary is longer than 70 characters");
  }
  return boundary;
}

function partHeadersOf(text: string): PartHeaders {
  const headers = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new InvalidRequestError(`a multipart part has a malformed header line`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get("content-disposition");
  if (disposition === undefined || !/^form-data\s*(?:;|$)/i.test(disposition)) {
    throw new InvalidRequestError("a multipart part has no Content-Disposition: form-data header");
  }
  const parameters = parametersOf(disposition);
  const name = parameters.get("name");
  if (name === undefined || name === "") {
    throw new InvalidRequestError("a multipart part's Content-Disposition has no name");
  }
  return {
    name,
    filename: parameters.get("filename") ?? parameters.get("filename*"),
    contentType: headers.get("content-type"),
  };
}

type State = "preamble" | "afterDelimiter" | "headers" | "body" | "epilogue";

/**
 * Reads `body` as multipart/form-data delimited by `boundary`, calling `onPart` when a part's
 * headers are complete; the sink it answers gets that part's bytes. Resolves once the closing
 * delimiter is read (an epilogue after it is ignored).
 */
export async function readMultipart(
  body: AsyncIterable<Uint8Array>,
  boundary: string,
  onPart: (headers: PartHeaders) => PartSink,
): Promise<void> {
  // Every delimiter, the first included, is read as CRLF "--" boundary: a CRLF put in front of
  // the body makes the first one look like the others.
  const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
  let pending: Buffer = Buffer.from("\r\n", "latin1");
  let state: State = "preamble";
  let sink: PartSink | undefined;
  let parts = 0;

  const advance = (): boolean => {
    switch (state) {
      case "preamble": {
        const at = pending.indexOf(delimiter);
        if (at < 0) {
          pending = pending.subarray(Math.max(0, pending.length - delimiter.length + 1));
          return false;
        }
        pending = pending.subarray(at + delimiter.length);
        state = "afterDelimiter";
        return true;
      }
      case "afterDelimiter": {
        // Transport padding (spaces and tabs) may follow a delimiter.
        let i = 0;
        while (i < pending.length && (pending[i] === 0x20 || pending[i] === 0x09)) i++;
        if (pending.length - i < 2) return false;
        const next = pending.toString("latin1", i, i + 2);
        if (next === "--") {
          state = "epilogue";
          return false;
        }
        if (next !== "\r\n") {
          throw new InvalidRequestError(
            "a multipart delimiter is followed by neither a line break nor --",
          );
        }
        pending = pending.subarray(i + 2);
        state = "headers";
        return true;
      }
      case "headers": {
        const end = pending.indexOf("\r\n\r\n", 0, "latin1");
        if (end < 0) {
          if (pending.length > MAX_HEADER_BYTES) {
            throw new InvalidRequestError(
              `a multipart part's headers are longer than ${MAX_HEADER_BYTES} bytes`,
            );
          }
          return false;
        }
        sink = onPart(partHeadersOf(pending.toString("utf8", 0, end)));
        parts++;
        pending = pending.subarray(end + 4);
        state = "body";
        return true;
      }
      case "body": {
        const at = pending.indexOf(delimiter);
        if (at < 0) {
          // The tail may be the start of a delimiter; everything before it is the part's.
          const safe = pending.length - delimiter.length + 1;
          if (safe > 0) {
            sink?.write(pending.subarray(0, safe));
            pending = pending.subarray(safe);
          }
          return false;
        }
        if (at > 0) sink?.write(pending.subarray(0, at));
        sink?.end();
        sink = undefined;
        pending = pending.subarray(at + delimiter.length);
        state = "afterDelimiter";
        return true;
      }
      case "epilogue":
        pending = Buffer.alloc(0);
        return false;
    }
  };

  const ended = () => (state as State) === "epilogue";
  for await (const chunk of body) {
    if (ended()) continue;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    while (advance()) {}
  }
  if (ended()) return;
  if (state === "preamble" && parts === 0) {
    throw new InvalidRequestError(
      `the body has no part delimited by the boundary "${boundary}" its Content-Type declares`,
    );
  }
  throw new InvalidRequestError(
    `the multipart body ended before its closing delimiter (--${boundary}--): it was cut short`,
  );
}
