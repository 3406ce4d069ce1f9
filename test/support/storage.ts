/**
 * A store on the test run's MinIO, in a bucket of its own so suites never see each other's data.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { parseEnv, type StorageEnv, storageEnv } from "../../functions/lib/config.ts";
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

export async function freshStore(): Promise<ObjectStore> {
  const store = ObjectStore.fromEnv(testStorageEnv());
  await store.ensureBucket();
  return store;
}
