/**
 * @module train/registry/model-upload
 * Reads the multipart form that registers a model: `model`, the ONNX file, and `metadata`,
 * model.json without sha256 (a field or a file). The body is read as it streams and counted as
 * it arrives: a body over the limit is refused with a 413 before more of it is held (at once
 * when its Content-Length says so). The ONNX bytes are copied once, into one buffer sized from
 * Content-Length when there is one; that buffer is what is loaded, hashed and stored.
 */
import { InvalidRequestError, PayloadTooLargeError } from "../../lib/errors.ts";
import { boundaryOf, type PartHeaders, type PartSink, readMultipart } from "./multipart.ts";

/** The setting a client must ask to raise when a model is too large. */
export const MODEL_UPLOAD_MAX_BYTES_SETTING =
  "SKIFF_MODEL_UPLOAD_MAX_BYTES, chart value train.maxModelUploadBytes";

export interface ModelUpload {
  onnx: Uint8Array;
  metadata: unknown;
}

const FIELDS = "model (the ONNX file) and metadata (model.json without sha256, as JSON)";

/** Bytes collected into one buffer that grows by doubling, never past `max`. */
class ByteCollector implements PartSink {
  #buffer: Uint8Array;
  #length = 0;
  readonly #max: number;

  constructor(expected: number, max: number) {
    this.#max = max;
    this.#buffer = new Uint8Array(Math.min(Math.max(expected, 4096), max));
  }

  write(chunk: Uint8Array): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(needed, this.#buffer.length * 2)));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  end(): void {}

  bytes(): Uint8Array {
    return this.#buffer.subarray(0, this.#length);
  }
}

/** `body` as it streams, refused with a 413 as soon as more than `maxBytes` arrived. */
async function* counted(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new PayloadTooLargeError(maxBytes, MODEL_UPLOAD_MAX_BYTES_SETTING);
    }
    yield chunk;
  }
}

export async function readModelUpload(request: Request, maxBytes: number): Promise<ModelUpload> {
  const boundary = boundaryOf(request.headers.get("content-type") ?? undefined);
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes, MODEL_UPLOAD_MAX_BYTES_SETTING);
  if (request.body === null) throw new InvalidRequestError(`the form is empty; it needs ${FIELDS}`);

  let model: ByteCollector | undefined;
  let metadata: ByteCollector | undefined;
  const onPart = (part: PartHeaders): PartSink => {
    if (part.name === "model") {
      if (model !== undefined) throw new InvalidRequestError("form field model is given twice");
      if (part.filename === undefined) {
        throw new InvalidRequestError(
          "form field model must be a file (a part with a filename): the ONNX model",
        );
      }
      // The model is most of the body: a buffer of the declared length rarely needs to grow.
      model = new ByteCollector(Number.isFinite(declared) ? declared : 0, maxBytes);
      return model;
    }
    if (part.name === "metadata") {
      if (metadata !== undefined) {
        throw new InvalidRequestError("form field metadata is given twice");
      }
      metadata = new ByteCollector(0, maxBytes);
      return metadata;
    }
    throw new InvalidRequestError(`unknown form field ${part.name}; the form has ${FIELDS}`);
  };
  await readMultipart(counted(request.body, maxBytes), boundary, onPart);

  const missing = [model ? [] : ["model"], metadata ? [] : ["metadata"]].flat();
  if (model === undefined || metadata === undefined) {
    throw new InvalidRequestError(
      `the form has no ${missing.join(" and no ")}; it needs ${FIELDS}`,
    );
  }
  const onnx = model.bytes();
  if (onnx.length === 0) throw new InvalidRequestError("form field model is an empty file");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(metadata.bytes()));
  } catch (error) {
    throw new InvalidRequestError(
      `form field metadata must be the model's metadata as JSON: ${(error as Error).message}`,
    );
  }
  return { onnx, metadata: parsed };
}
