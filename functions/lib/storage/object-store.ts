/**
 * @module storage/object-store
 * A thin, typed door to one S3 bucket: JSON get/put, streaming put/get, listing, bucket
 * creation and expiry rules, multipart uploads (driven here, or by clients through presigned
 * part URLs) and server-side copies. It knows nothing of the layout; callers pass keys built by
 * `layout`.
 */
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  type ListMultipartUploadsCommandOutput,
  ListObjectsV2Command,
  ListPartsCommand,
  type ListPartsCommandOutput,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { z } from "zod";
import type { StorageEnv } from "../config.ts";
import { ConflictError, InternalError, NotFoundError, SkiffError } from "../errors.ts";

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

/** Conditions on a write; at most one of them. */
export interface PutOptions {
  onlyIfAbsent?: boolean;
  ifMatch?: string;
}

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

/** S3's limits on multipart uploads (MinIO keeps the same ones). */
export const MULTIPART = {
  minPartBytes: 5 * 1024 * 1024,
  maxPartBytes: 5 * 1024 * 1024 * 1024,
  maxParts: 10_000,
} as const;

/** Objects up to this size are copied in one request; larger ones part by part, in parallel. */
const COPY_PART_BYTES = 64 * 1024 * 1024;
const COPY_CONCURRENCY = 4;

/** Attempts per call: with each bounded, a call cannot go on for long however storage fails. */
const MAX_ATTEMPTS = 3;

export interface ObjectStoreOptions {
  /**
   * The whole of a call on a small object (JSON documents, heads, listings, deletes, multipart
   * bookkeeping), retries included, is cut after this long. Calls moving object data of any
   * size are bounded by the client's idle timeout instead, so a large transfer that keeps
   * moving is never cut. Unset: only the client's own timeouts apply.
   */
  timeoutMs?: number;
}

export class ObjectStore {
  readonly bucket: string;
  readonly client: S3Client;
  readonly #timeoutMs: number | undefined;

  constructor(client: S3Client, bucket: string, options: ObjectStoreOptions = {}) {
    this.client = client;
    this.bucket = bucket;
    this.#timeoutMs = options.timeoutMs;
  }

  /**
   * `endpoint` overrides SKIFF_S3_ENDPOINT: a store that only signs URLs for clients outside the
   * cluster is built with the public endpoint, since the host is part of the signature.
   */
  static fromEnv(env: StorageEnv, options: { endpoint?: string } = {}): ObjectStore {
    const timeoutMs = env.SKIFF_STORAGE_TIMEOUT_MS;
    const client = new S3Client({
      endpoint: options.endpoint ?? env.SKIFF_S3_ENDPOINT,
      region: env.SKIFF_S3_REGION,
      forcePathStyle: env.SKIFF_S3_FORCE_PATH_STYLE,
      credentials: {
        accessKeyId: env.SKIFF_S3_ACCESS_KEY_ID,
        secretAccessKey: env.SKIFF_S3_SECRET_ACCESS_KEY,
      },
      // Checksums on every request cost CPU and some S3-compatible servers reject them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      // Without these a storage that accepts connections and never answers (a frozen or
      // overloaded server) holds a call, and whatever waits on it, forever. The socket timeout
      // is an idle timeout: it cuts a request once no byte has moved for that long.
      requestHandler: { connectionTimeout: timeoutMs, socketTimeout: timeoutMs },
      maxAttempts: MAX_ATTEMPTS,
    });
    return new ObjectStore(client, env.SKIFF_S3_BUCKET, { timeoutMs });
  }

  /** Send options of a call on a small object: cut after the timeout in total. */
  #bounded(): { abortSignal?: AbortSignal } {
    return this.#timeoutMs === undefined
      ? {}
      : { abortSignal: AbortSignal.timeout(this.#timeoutMs) };
  }

  /** Creates the bucket unless it exists already; safe to race with another creator. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), this.#bounded());
      return;
    } catch (error) {
      if (!isMissing(error)) throw storageFailure("check bucket", error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }), this.#bounded());
    } catch (error) {
      const name = error instanceof S3ServiceException ? error.name : "";
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") {
        throw storageFailure("create bucket", error);
      }
    }
  }

  /**
   * Makes objects under `prefix` expire `days` after they were written, through the bucket's
   * lifecycle configuration; `days` 0 removes that expiry. Idempotent: the rule has an ID
   * derived from the prefix, rules with other IDs are kept, and nothing is written when the
   * configuration is already as asked. Answers whether the configuration changed.
   */
  async setExpiry(prefix: string, days: number): Promise<boolean> {
    if (!Number.isInteger(days) || days < 0) {
      throw new RangeError(`expiry days must be a whole number ≥ 0, got ${days}`);
    }
    const id = expiryRuleId(prefix);
    const current = await this.lifecycleRules();
    const ours = current.find((rule) => rule.ID === id);
    const others = current.filter((rule) => rule.ID !== id);
    if (days === 0) {
      if (!ours) return false;
      await this.writeLifecycle(others, `remove the lifecycle rule for ${prefix}`);
      return true;
    }
    const unchanged =
      ours?.Status === "Enabled" &&
      ours.Expiration?.Days === days &&
      ours.Filter?.Prefix === prefix &&
      ours.Filter.And === undefined &&
      ours.Filter.Tag === undefined;
    if (unchanged) return false;
    const rule: LifecycleRule = {
      ID: id,
      Status: "Enabled",
      Filter: { Prefix: prefix },
      Expiration: { Days: days },
    };
    await this.writeLifecycle([...others, rule], `set the lifecycle rule for ${prefix}`);
    return true;
  }

  private async writeLifecycle(rules: LifecycleRule[], what: string): Promise<void> {
    try {
      if (rules.length === 0) {
        await this.client.send(
          new DeleteBucketLifecycleCommand({ Bucket: this.bucket }),
          this.#bounded(),
        );
      } else {
        await this.client.send(
          new PutBucketLifecycleConfigurationCommand({
            Bucket: this.bucket,
            LifecycleConfiguration: { Rules: rules },
          }),
          this.#bounded(),
        );
      }
    } catch (error) {
      throw storageFailure(what, error);
    }
  }

  /** The bucket's lifecycle rules; none when it has no lifecycle configuration. */
  async lifecycleRules(): Promise<LifecycleRule[]> {
    try {
      const out = await this.client.send(
        new GetBucketLifecycleConfigurationCommand({ Bucket: this.bucket }),
        this.#bounded(),
      );
      return out.Rules ?? [];
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === "NoSuchLifecycleConfiguration") {
        return [];
      }
      throw storageFailure("read the lifecycle configuration", error);
    }
  }

  /** Answers whether the bucket can be reached; used by readiness checks. */
  async ping(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), this.#bounded());
      return true;
    } catch {
      return false;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        this.#bounded(),
      );
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storageFailure(`check ${key}`, error);
    }
  }

  /** The object's bytes, or undefined when it does not exist. */
  async getBytes(key: string): Promise<Uint8Array | undefined> {
    return (await this.getTagged(key, {}))?.bytes;
  }

  /** `send` bounds the call: small objects are read within the timeout, data as long as it flows. */
  private async getTagged(
    key: string,
    send: { abortSignal?: AbortSignal },
  ): Promise<{ bytes: Uint8Array; etag?: string } | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
        send,
      );
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { bytes, etag: out.ETag };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageFailure(`read ${key}`, error);
    }
  }

  /** The object as a stream, or undefined when it does not exist. */
  async getStream(key: string): Promise<Readable | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body as Readable;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageFailure(`read ${key}`, error);
    }
  }

  /**
   * Reads and validates a JSON object; undefined when it does not exist. A present but invalid
   * object is an error, never silently skipped.
   */
  async getJson<T extends z.ZodType>(key: string, schema: T): Promise<z.infer<T> | undefined> {
    return (await this.getJsonTagged(key, schema))?.value;
  }

  /**
   * As getJson, with the object's ETag: a later `putJson(key, value, { ifMatch: etag })` lands
   * only if nobody wrote the object in between (a compare-and-set).
   */
  async getJsonTagged<T extends z.ZodType>(
    key: string,
    schema: T,
  ): Promise<{ value: z.infer<T>; etag: string } | undefined> {
    const got = await this.getTagged(key, this.#bounded());
    if (got === undefined) return undefined;
    if (got.etag === undefined) throw new InternalError(`storage gave no ETag for ${key}`);
    return { value: this.parseJson(key, got.bytes, schema), etag: got.etag };
  }

  private parseJson<T extends z.ZodType>(key: string, bytes: Uint8Array, schema: T): z.infer<T> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      throw new InternalError(`stored object ${key} is not valid JSON`, { cause: error });
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new InternalError(`stored object ${key} does not match its schema`, {
        cause: result.error,
      });
    }
    return result.data;
  }

  /**
   * Writes a JSON object. With `onlyIfAbsent` the write fails with a ConflictError when the key
   * exists, which is how two writers never claim the same version; with `ifMatch` (an ETag from
   * getJsonTagged) it fails with one when the object changed since that read.
   */
  async putJson(key: string, value: unknown, options: PutOptions = {}): Promise<void> {
    const body = JSON.stringify(value, null, 2);
    await this.put(key, body, "application/json", options, this.#bounded());
  }

  async putBytes(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options: PutOptions = {},
  ): Promise<void> {
    await this.put(key, body, contentType, options, {});
  }

  private async put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options: PutOptions,
    send: { abortSignal?: AbortSignal },
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(options.onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
          ...(options.ifMatch !== undefined ? { IfMatch: options.ifMatch } : {}),
        }),
        send,
      );
    } catch (error) {
      if (options.onlyIfAbsent && isPreconditionFailed(error)) {
        throw new ConflictError(`${key} already exists`);
      }
      // A missing object fails If-Match as well (404 on some servers, 412 on others).
      if (options.ifMatch !== undefined && (isPreconditionFailed(error) || isMissing(error))) {
        throw new ConflictError(`${key} changed since it was read`);
      }
      throw storageFailure(`write ${key}`, error);
    }
  }

  /**
   * Streams `body` into the object as a multipart upload without buffering it whole. If the
   * stream fails the upload is aborted, so no partial object is left behind.
   */
  async putStream(key: string, body: Readable, contentType: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      throw storageFailure(`upload ${key}`, error);
    }
  }

  /**
   * Streams `source` into the object holding a fixed amount of it whatever its size: chunks are
   * copied into `concurrency + 1` part buffers that are reused, `concurrency` parts go out while
   * the next one fills, and nothing is concatenated (less memory and CPU than putStream). An
   * object smaller than one part is written with one PutObject. If the source throws (say, a
   * validation error) or a part fails, the multipart upload is aborted, so no partial object is
   * left; a SkiffError from the source comes out unchanged. Answers the bytes written.
   */
  async putChunks(
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
      const sending: Promise<void> = this.client
        .send(
          new UploadPartCommand({
            Bucket: this.bucket,
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
      uploadId ??= await this.startMultipart(key, contentType);
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
        await this.putBytes(key, buffer.subarray(0, filled), contentType);
        return total;
      }
      if (filled > 0) send(buffer, filled, ++partNumber, uploadId);
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure.error;
      await this.completeMultipart(key, uploadId, parts);
      return total;
    } catch (error) {
      await Promise.all(inFlight);
      if (uploadId !== undefined) await this.abortMultipart(key, uploadId).catch(() => undefined);
      if (error instanceof SkiffError) throw error;
      throw storageFailure(`upload ${key}`, error);
    }
  }

  /** Size and last change of an object, or undefined when it does not exist. */
  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        this.#bounded(),
      );
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw storageFailure(`check ${key}`, error);
    }
  }

  /** Starts a multipart upload whose parts a client may send itself; answers its upload id. */
  async startMultipart(key: string, contentType: string): Promise<string> {
    try {
      const out = await this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: contentType,
        }),
        this.#bounded(),
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
  async *listMultiparts(): AsyncGenerator<PendingUpload> {
    yield* this.pendingUploads(undefined);
  }

  /** The pending multipart upload at exactly `key`, if there is one (the newest, if several). */
  async findMultipart(key: string): Promise<PendingUpload | undefined> {
    let found: PendingUpload | undefined;
    for await (const upload of this.pendingUploads(key)) {
      if (upload.key !== key) continue;
      if (found === undefined || (upload.initiated ?? 0) > (found.initiated ?? 0)) found = upload;
    }
    return found;
  }

  private async *pendingUploads(prefix: string | undefined): AsyncGenerator<PendingUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            Prefix: prefix,
            KeyMarker: keyMarker,
            UploadIdMarker: uploadIdMarker,
          }),
          this.#bounded(),
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
  async listParts(key: string, uploadId: string): Promise<UploadedPart[] | undefined> {
    const parts: UploadedPart[] = [];
    let marker: string | undefined;
    do {
      let page: ListPartsCommandOutput;
      try {
        page = await this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
          this.#bounded(),
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
  async completeMultipart(
    key: string,
    uploadId: string,
    parts: readonly UploadedPart[],
    options: { onlyIfAbsent?: boolean } = {},
  ): Promise<void> {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
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
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
        this.#bounded(),
      );
    } catch (error) {
      if (!isMissing(error)) throw storageFailure(`abort the upload to ${key}`, error);
    }
  }

  /**
   * A URL that lets its holder PUT one part of an upload, valid for `expiresInSeconds`. Signing
   * happens locally; the URL names this store's endpoint.
   */
  async presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds: number,
  ): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
    });
    try {
      return await getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
    } catch (error) {
      throw storageFailure(`sign a part URL for ${key}`, error);
    }
  }

  /**
   * Copies an object inside the bucket without its bytes leaving the storage. Large objects go
   * part by part in parallel: one CopyObject is single-threaded on the server and refuses
   * objects over 5 GiB. If a part fails the copy is aborted, so no partial object is left.
   */
  async copy(source: string, target: string, size: number): Promise<void> {
    const copySource = encodeURI(`${this.bucket}/${source}`);
    if (size <= COPY_PART_BYTES) {
      try {
        await this.client.send(
          new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: copySource }),
        );
      } catch (error) {
        throw storageFailure(`copy ${source} to ${target}`, error);
      }
      return;
    }
    const partBytes = Math.max(COPY_PART_BYTES, Math.ceil(size / MULTIPART.maxParts));
    const count = Math.ceil(size / partBytes);
    const uploadId = await this.startMultipart(target, "application/octet-stream");
    try {
      const parts: UploadedPart[] = [];
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const index = next++;
          const first = index * partBytes;
          const last = Math.min(size, first + partBytes) - 1;
          const out = await this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
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
      await this.completeMultipart(target, uploadId, parts);
    } catch (error) {
      await this.abortMultipart(target, uploadId);
      if (error instanceof SkiffError) throw error;
      throw storageFailure(`copy ${source} to ${target}`, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key }),
        this.#bounded(),
      );
    } catch (error) {
      throw storageFailure(`delete ${key}`, error);
    }
  }

  /** Every object under `prefix`, page by page. */
  async *list(prefix: string): AsyncGenerator<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.send(
        `list ${prefix}`,
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key, size: item.Size ?? 0, lastModified: item.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The immediate "folders" under `prefix`, as names without slashes. */
  async listChildren(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.send(
        `list ${prefix}`,
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: "/",
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        if (p.Prefix) names.push(p.Prefix.slice(prefix.length, -1));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return names;
  }

  private async send<T extends ListObjectsV2Command>(what: string, command: T) {
    try {
      return await this.client.send(command, this.#bounded());
    } catch (error) {
      throw storageFailure(what, error);
    }
  }
}

/** `predictions/` → `skiff-expire-predictions`: one rule per prefix, found again by its ID. */
export function expiryRuleId(prefix: string): string {
  const slug = prefix.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `skiff-expire-${slug || "all"}`;
}

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === "NoSuchKey" ||
    error.name === "NotFound" ||
    error.name === "NoSuchBucket" ||
    statusOf(error) === 404
  );
}

function isPreconditionFailed(error: unknown): boolean {
  return (
    statusOf(error) === 412 ||
    (error instanceof S3ServiceException && error.name === "PreconditionFailed")
  );
}

function storageFailure(what: string, error: unknown): InternalError {
  return new InternalError(`storage failed to ${what}`, { cause: error });
}
