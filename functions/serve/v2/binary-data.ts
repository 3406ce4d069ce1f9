/**
 * @module serve/v2/binary-data
 * The Open Inference Protocol's binary tensor data extension, as Triton defines it and
 * tritonclient uses it by default. A request whose `Inference-Header-Content-Length` header is
 * n carries its JSON in the body's first n bytes; the tensors that say
 * `"parameters": {"binary_data_size": k}` instead of `data` follow as raw bytes, k each, in the
 * order of the inputs. Elements are little-endian and row-major, BOOL is one byte each, and
 * BYTES is each element's length as a 4-byte little-endian integer followed by its bytes.
 * Answers use the same layout for the outputs asked for in binary. Typed arrays are read and
 * written in the host's byte order, which is little-endian on every platform skiff's image is
 * built for (amd64, arm64).
 */
import type { Tensor } from "onnxruntime-node";
import { InvalidRequestError } from "../../lib/errors.ts";
import { parseJsonBody } from "../../lib/http/json-body.ts";
import { allocate } from "../../lib/onnx/datatypes.ts";

export const BINARY_HEADER = "Inference-Header-Content-Length";

/** The JSON part of a binary request, parsed, and the bytes that follow it. */
export function splitBinaryBody(
  body: Uint8Array,
  header: string,
): { json: unknown; tail: Uint8Array } {
  if (!/^\d+$/.test(header) || Number(header) > body.byteLength) {
    throw new InvalidRequestError(
      `${BINARY_HEADER} must be the byte length of the JSON at the start of the body (${body.byteLength} bytes), got ${JSON.stringify(header)}`,
    );
  }
  const length = Number(header);
  const json = parseJsonBody(
    body.subarray(0, length),
    `the JSON part of the body (its first ${length} bytes)`,
  );
  return { json, tail: body.subarray(length) };
}

/** Hands out the binary tail tensor by tensor, in order, refusing sizes that run past its end. */
export class BinaryTail {
  readonly #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  take(size: number, what: string): Uint8Array {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new InvalidRequestError(`${what}: binary_data_size must be a whole number of bytes`);
    }
    if (this.#offset + size > this.#bytes.byteLength) {
      throw new InvalidRequestError(
        `${what}: binary_data_size ${size} runs past the end of the body (${this.#bytes.byteLength - this.#offset} bytes left)`,
      );
    }
    const part = this.#bytes.subarray(this.#offset, this.#offset + size);
    this.#offset += size;
    return part;
  }

  /** Bytes after the last tensor mean the sizes and the body disagree. */
  finish(): void {
    const left = this.#bytes.byteLength - this.#offset;
    if (left > 0) {
      throw new InvalidRequestError(
        `${left} bytes follow the last binary tensor; binary_data_size values must add up to the body`,
      );
    }
  }
}

/** `count` elements of `type` from raw bytes; a size that does not fit is a 400 naming `what`. */
export function tensorData(
  type: Tensor.Type,
  bytes: Uint8Array,
  count: number,
  what: string,
): Tensor.DataType {
  if (type === "string") return readStrings(bytes, count, what);
  const data = allocate(type, count) as Exclude<ReturnType<typeof allocate>, string[]>;
  if (bytes.byteLength !== data.byteLength) {
    throw new InvalidRequestError(
      `${what}: ${count} elements take ${data.byteLength} bytes, but binary_data_size is ${bytes.byteLength}`,
    );
  }
  // A copy, so the typed array starts on its own aligned buffer.
  new Uint8Array(data.buffer).set(bytes);
  if (type === "bool") {
    for (let i = 0; i < count; i++) {
      const b = (data as Uint8Array)[i] as number;
      if (b > 1)
        throw new InvalidRequestError(`${what}: BOOL element ${i} is byte ${b}, not 0 or 1`);
    }
  }
  return data as Tensor.DataType;
}

function readStrings(bytes: Uint8Array, count: number, what: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const out = new Array<string>(count);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset + 4 > bytes.byteLength) {
      throw new InvalidRequestError(`${what}: BYTES data ends before element ${i}`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.byteLength) {
      throw new InvalidRequestError(`${what}: BYTES element ${i} runs past its data`);
    }
    try {
      out[i] = decoder.decode(bytes.subarray(offset, offset + length));
    } catch {
      throw new InvalidRequestError(`${what}: BYTES element ${i} is not UTF-8 text`);
    }
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw new InvalidRequestError(
      `${what}: BYTES data holds more than the ${count} elements of its shape`,
    );
  }
  return out;
}

/** An answer with binary outputs: its JSON, then their bytes, and the headers that say so. */
export function binaryBody(
  json: string,
  tensors: Uint8Array[],
): { body: Uint8Array<ArrayBuffer>; headers: Record<string, string> } {
  const head = Buffer.from(json);
  return {
    body: Buffer.concat([head, ...tensors]),
    headers: {
      "Content-Type": "application/octet-stream",
      [BINARY_HEADER]: String(head.byteLength),
    },
  };
}

/** A tensor's elements as the extension lays them out. */
export function tensorBytes(tensor: Tensor): Uint8Array {
  const data = tensor.data;
  if (Array.isArray(data)) {
    const encoded = data.map((s) => Buffer.from(String(s), "utf8"));
    const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.byteLength, 0));
    let offset = 0;
    for (const b of encoded) {
      out.writeUInt32LE(b.byteLength, offset);
      out.set(b, offset + 4);
      offset += 4 + b.byteLength;
    }
    return out;
  }
  const typed = data as Exclude<Tensor.DataType, string[]>;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}
