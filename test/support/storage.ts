/**
 * A store on the test run's MinIO, in a bucket of its own so suites never see each other's data,
 * and what serve's prediction log wrote into it.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { parseEnv, type StorageEnv, storageEnv } from "../../functions/lib/config.ts";
import { ensureBucket } from "../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../functions/lib/storage/object-store.ts";

export function testStorageEnv(bucket = `test-${randomBytes(4).toString("hex")}`): StorageEnv {
  const minio = inject("minio");
  return parseEnv(storageEnv, {
    SKIFF_S3_ENDPOINT: minio.endpoint,
    SKIFF_S3_BUCKET: bucket,
    SKIFF_S3_ACCESS_KEY_ID: minio.accessKey,
    SKIFF_S3_SECRET_ACCESS_KEY: minio.secretKey,
  });
}

/** The same settings as strings, which is all a child process's env can carry. */
export function testStorageProcessEnv(bucket: string): Record<string, string> {
  return Object.fromEntries(Object.entries(testStorageEnv(bucket)).map(([k, v]) => [k, String(v)]));
}

export async function freshStore(): Promise<ObjectStore> {
  const store = ObjectStore.fromEnv(testStorageEnv());
  await ensureBucket(store);
  return store;
}

/** One prediction-log file: its key, its text, and its lines parsed. */
export interface LoggedFile<R> {
  key: string;
  text: string;
  records: R[];
}

/** Every prediction-log file under `prefix`, in listing order. */
export async function predictionLogFiles<R = Record<string, unknown>>(
  store: ObjectStore,
  prefix = "predictions/",
): Promise<Array<LoggedFile<R>>> {
  const files: Array<LoggedFile<R>> = [];
  for await (const object of store.list(prefix)) {
    const text = new TextDecoder().decode(await store.getBytes(object.key));
    const records = text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as R);
    files.push({ key: object.key, text, records });
  }
  return files;
}
