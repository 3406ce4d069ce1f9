/**
 * @module storage/object-store
 * A thin, typed door to one S3 bucket: JSON get/put with conditional writes, bytes and streams,
 * listing, deleting. It knows nothing of the layout; callers pass keys built by `layout`.
 * Multipart uploads, part URLs and server-side copies are in `multipart`, creating the bucket
 * and its expiry rules in `bucket-admin`, so a function that only reads and writes objects
 * loads neither.
 */
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { z } from "zod";
import type { StorageEnv } from "../config.ts";
import { ConflictError, InternalError } from "../errors.ts";
import { isMissing, isPreconditionFailed, storageFailure } from "./s3-errors.ts";

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

  /**
   * Send options of a call on a small object: cut after the timeout in total. Public for the
   * modules that send their own commands to this bucket (multipart, bucket-admin).
   */
  bounded(): { abortSignal?: AbortSignal } {
    return this.#timeoutMs === undefined
      ? {}
      : { abortSignal: AbortSignal.timeout(this.#timeoutMs) };
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        this.bounded(),
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
    const got = await this.getTagged(key, this.bounded());
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
    await this.put(key, body, "application/json", options, this.bounded());
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

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: key }),
        this.bounded(),
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
      return await this.client.send(command, this.bounded());
    } catch (error) {
      throw storageFailure(what, error);
    }
  }
}
