/**
 * @module storage/multipart
 * Multipart uploads to an ObjectStore's bucket: streamed in by skiff in reused part buffers, or
 * sent part by part by clients through presigned part URLs; and server-side copies, which go
 * part by part once an object is large. Only dataset writes need these, so a function that
 * only reads and writes whole objects never loads the presigner.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListPartsCommand,
  type ListPartsCommandOutput,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { ConflictError, NotFoundError, SkiffError } from "../errors.ts";
import { MULTIPART } from "./multipart-limits.ts";
import type { ObjectStore } from "./object-store.ts";
import { isMissing, isPreconditionFailed, storageFailure } from "./s3-errors.ts";

/** A multipart upload that was started and is neither completed nor aborted. */
export interface PendingUpload {
  key: string;
  uploadId: string;
  initiated: Date | undefined;
}

/** One part a multipart upload has received. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
}

/** Objects up to this size are copied in one request; larger ones part by part, in parallel. */
const COPY_PART_BYTES = 64 * 1024 * 1024;
const COPY_CONCURRENCY = 4;

/**
 * Streams `source` into the object holding a fixed amount of it whatever its size: chunks are
 * copied into `concurrency + 1` part buffers that are reused, `concurrency` parts go out while
 * the next one fills, and nothing is concatenated (less memory and CPU than the SDK's
 * Upload, which copies each part together from its chunks). An object smaller than one part is written with one PutObject. If the source throws (say, a
 * validation error) or a part fails, the multipart upload is aborted, so no partial object is
 * left; a SkiffError from the source comes out unchanged. Answers the bytes written.
 */
export async function putChunks(
  store: ObjectStore,
  key: string,
  source: AsyncIterable<Uint8Array>,
  contentType: string,
  options: { partBytes?: number; concurrency?: number } = {},
): Promise<number> {
  const partBytes = Math.max(options.partBytes ?? MULTIPART.minPartBytes, MULTIPART.minPartBytes);
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const free: Buffer[] = [];
  const take = () => free.pop() ?? Buffer.allocUnsafeSlow(partBytes);
  let buffer = take();
  let filled = 0;
  let total = 0;
  let uploadId: string | undefined;
  let partNumber = 0;
  const parts: UploadedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  // The first failed part; the others are not awaited as errors, only as done.
  let failure: { error: unknown } | undefined;

  const send = (part: Buffer, length: number, number: number, id: string) => {
    const sending: Promise<void> = store.client
      .send(
        new UploadPartCommand({
          Bucket: store.bucket,
          Key: key,
          UploadId: id,
          PartNumber: number,
          Body: part.subarray(0, length),
        }),
      )
      .then((out) => {
        if (out.ETag === undefined) throw new Error(`no ETag for part ${number}`);
        parts[number - 1] = { partNumber: number, size: length, etag: out.ETag };
        free.push(part);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  };
  const flush = async () => {
    uploadId ??= await startMultipart(store, key, contentType);
    if (partNumber === MULTIPART.maxParts) {
      throw new Error(`more than ${MULTIPART.maxParts} parts of ${partBytes} bytes`);
    }
    send(buffer, filled, ++partNumber, uploadId);
    while (inFlight.size >= concurrency && failure === undefined) await Promise.race(inFlight);
    if (failure !== undefined) throw failure.error;
    buffer = take();
    filled = 0;
  };

  try {
    for await (const chunk of source) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(chunk.length - offset, partBytes - filled);
        buffer.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === partBytes) await flush();
      }
      total += chunk.length;
      if (failure !== undefined) throw failure.error;
    }
    if (uploadId === undefined) {
      await store.putBytes(key, buffer.subarray(0, filled), contentType);
      return total;
    }
    if (filled > 0) send(buffer, filled, ++partNumber, uploadId);
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;
    await completeMultipart(store, key, uploadId, parts);
    return total;
  } catch (error) {
    await Promise.all(inFlight);
    if (uploadId !== undefined) await abortMultipart(store, key, uploadId).catch(() => undefined);
    if (error instanceof SkiffError) throw error;
    throw storageFailure(`upload ${key}`, error);
  }
}

/** Starts a multipart upload whose parts a client may send itself; answers its upload id. */
export async function startMultipart(
  store: ObjectStore,
  key: string,
  contentType: string,
): Promise<string> {
  try {
    const out = await store.client.send(
      new CreateMultipartUploadCommand({
        Bucket: store.bucket,
        Key: key,
        ContentType: contentType,
      }),
      store.bounded(),
    );
    if (out.UploadId === undefined) throw new Error("no UploadId in the answer");
    return out.UploadId;
  } catch (error) {
    throw storageFailure(`start an upload to ${key}`, error);
  }
}

/**
 * Every pending multipart upload in the bucket. Listed bucket-wide because MinIO answers a
 * prefix only when it is a whole key, never a folder.
 */
export async function* listMultiparts(store: ObjectStore): AsyncGenerator<PendingUpload> {
  yield* pendingUploads(store, undefined);
}

/** The pending multipart upload at exactly `key`, if there is one (the newest, if several). */
export async function findMultipart(
  store: ObjectStore,
  key: string,
): Promise<PendingUpload | undefined> {
  let found: PendingUpload | undefined;
  for await (const upload of pendingUploads(store, key)) {
    if (upload.key !== key) continue;
    if (found === undefined || (upload.initiated ?? 0) > (found.initiated ?? 0)) found = upload;
  }
  return found;
}

async function* pendingUploads(
  store: ObjectStore,
  prefix: string | undefined,
): AsyncGenerator<PendingUpload> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  do {
    let page: ListMultipartUploadsCommandOutput;
    try {
      page = await store.client.send(
        new ListMultipartUploadsCommand({
          Bucket: store.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          UploadIdMarker: uploadIdMarker,
        }),
        store.bounded(),
      );
    } catch (error) {
      throw storageFailure("list multipart uploads", error);
    }
    for (const u of page.Uploads ?? []) {
      if (u.Key === undefined || u.UploadId === undefined) continue;
      yield { key: u.Key, uploadId: u.UploadId, initiated: u.Initiated };
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
  } while (keyMarker !== undefined);
}

/** The parts an upload has received, by part number; undefined when the upload is gone. */
export async function listParts(
  store: ObjectStore,
  key: string,
  uploadId: string,
): Promise<UploadedPart[] | undefined> {
  const parts: UploadedPart[] = [];
  let marker: string | undefined;
  do {
    let page: ListPartsCommandOutput;
    try {
      page = await store.client.send(
        new ListPartsCommand({
          Bucket: store.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumberMarker: marker,
        }),
        store.bounded(),
      );
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageFailure(`list the parts of ${key}`, error);
    }
    for (const p of page.Parts ?? []) {
      if (p.PartNumber === undefined || p.ETag === undefined) continue;
      parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: p.ETag });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker !== undefined);
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/**
 * Joins the parts into the object. With `onlyIfAbsent` it fails with a ConflictError when the
 * object exists, so of two concurrent completions only one succeeds; a missing upload is a
 * NotFoundError.
 */
export async function completeMultipart(
  store: ObjectStore,
  key: string,
  uploadId: string,
  parts: readonly UploadedPart[],
  options: { onlyIfAbsent?: boolean } = {},
): Promise<void> {
  try {
    await store.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: store.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
        },
        ...(options.onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
      }),
    );
  } catch (error) {
    if (options.onlyIfAbsent && isPreconditionFailed(error)) {
      throw new ConflictError(`${key} already exists`);
    }
    if (isMissing(error)) throw new NotFoundError(`no pending upload ${uploadId} at ${key}`);
    throw storageFailure(`complete the upload to ${key}`, error);
  }
}

/** Aborts an upload and frees its parts; an upload that is already gone is fine. */
export async function abortMultipart(
  store: ObjectStore,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    await store.client.send(
      new AbortMultipartUploadCommand({ Bucket: store.bucket, Key: key, UploadId: uploadId }),
      store.bounded(),
    );
  } catch (error) {
    if (!isMissing(error)) throw storageFailure(`abort the upload to ${key}`, error);
  }
}

/**
 * A URL that lets its holder PUT one part of an upload, valid for `expiresInSeconds`. Signing
 * happens locally; the URL names `store`'s endpoint.
 */
export async function presignPart(
  store: ObjectStore,
  key: string,
  uploadId: string,
  partNumber: number,
  expiresInSeconds: number,
): Promise<string> {
  const command = new UploadPartCommand({
    Bucket: store.bucket,
    Key: key,
    UploadId: uploadId,
    PartNumber: partNumber,
  });
  try {
    return await getSignedUrl(store.client, command, { expiresIn: expiresInSeconds });
  } catch (error) {
    throw storageFailure(`sign a part URL for ${key}`, error);
  }
}

/**
 * Copies an object inside the bucket without its bytes leaving the storage. Large objects go
 * part by part in parallel: one CopyObject is single-threaded on the server and refuses
 * objects over 5 GiB. If a part fails the copy is aborted, so no partial object is left.
 */
export async function copyObject(
  store: ObjectStore,
  source: string,
  target: string,
  size: number,
): Promise<void> {
  const copySource = encodeURI(`${store.bucket}/${source}`);
  if (size <= COPY_PART_BYTES) {
    try {
      await store.client.send(
        new CopyObjectCommand({ Bucket: store.bucket, Key: target, CopySource: copySource }),
      );
    } catch (error) {
      throw storageFailure(`copy ${source} to ${target}`, error);
    }
    return;
  }
  const partBytes = Math.max(COPY_PART_BYTES, Math.ceil(size / MULTIPART.maxParts));
  const count = Math.ceil(size / partBytes);
  const uploadId = await startMultipart(store, target, "application/octet-stream");
  try {
    const parts: UploadedPart[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const first = index * partBytes;
        const last = Math.min(size, first + partBytes) - 1;
        const out = await store.client.send(
          new UploadPartCopyCommand({
            Bucket: store.bucket,
            Key: target,
            UploadId: uploadId,
            PartNumber: index + 1,
            CopySource: copySource,
            CopySourceRange: `bytes=${first}-${last}`,
          }),
        );
        const etag = out.CopyPartResult?.ETag;
        if (etag === undefined) throw new Error(`no ETag for part ${index + 1}`);
        parts[index] = { partNumber: index + 1, size: last - first + 1, etag };
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, count) }, worker));
    await completeMultipart(store, target, uploadId, parts);
  } catch (error) {
    await abortMultipart(store, target, uploadId);
    if (error instanceof SkiffError) throw error;
    throw storageFailure(`copy ${source} to ${target}`, error);
  }
}
