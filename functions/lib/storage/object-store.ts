/**
 * @module storage/object-store
 * A thin, typed door to one S3 bucket: JSON get/put, streaming put/get, listing, bucket
 * creation. It knows nothing of the layout; callers pass keys built by `layout`.
 */
import type { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { z } from "zod";
import type { StorageEnv } from "../config.ts";
import { ConflictError, InternalError } from "../errors.ts";

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date | undefined;
}

export class ObjectStore {
  readonly bucket: string;
  readonly client: S3Client;

  constructor(client: S3Client, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  static fromEnv(env: StorageEnv): ObjectStore {
    const client = new S3Client({
      endpoint: env.SKIFF_S3_ENDPOINT,
      region: env.SKIFF_S3_REGION,
      forcePathStyle: env.SKIFF_S3_FORCE_PATH_STYLE,
      credentials: {
        accessKeyId: env.SKIFF_S3_ACCESS_KEY_ID,
        secretAccessKey: env.SKIFF_S3_SECRET_ACCESS_KEY,
      },
      // Checksums on every request cost CPU and some S3-compatible servers reject them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new ObjectStore(client, env.SKIFF_S3_BUCKET);
  }

  /** Creates the bucket unless it exists already; safe to race with another creator. */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (error) {
      if (!isMissing(error)) throw storageFailure("check bucket", error);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    } catch (error) {
      const name = error instanceof S3ServiceException ? error.name : "";
      if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") {
        throw storageFailure("create bucket", error);
      }
    }
  }

  /** Answers whether the bucket can be reached; used by readiness checks. */
  async ping(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch {
      return false;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw storageFailure(`check ${key}`, error);
    }
  }

  /** The object's bytes, or undefined when it does not exist. */
  async getBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
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
    const bytes = await this.getBytes(key);
    if (bytes === undefined) return undefined;
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
   * exists, which is how two writers never claim the same version.
   */
  async putJson(
    key: string,
    value: unknown,
    options: { onlyIfAbsent?: boolean } = {},
  ): Promise<void> {
    await this.putBytes(key, JSON.stringify(value, null, 2), "application/json", options);
  }

  async putBytes(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options: { onlyIfAbsent?: boolean } = {},
  ): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ...(options.onlyIfAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
    } catch (error) {
      if (options.onlyIfAbsent && isPreconditionFailed(error)) {
        throw new ConflictError(`${key} already exists`);
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

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
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
      return await this.client.send(command);
    } catch (error) {
      throw storageFailure(what, error);
    }
  }
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
