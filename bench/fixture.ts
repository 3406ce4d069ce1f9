/**
 * What the serve benchmark runs against: a real MinIO on a temporary folder, holding the iris
 * model that scikit-learn exports through the test suite's own pinned Python environment.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { ensureBucket } from "../functions/lib/storage/bucket-admin.ts";
import type { NewModelRecord } from "../functions/lib/storage/model-record.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { startMinio } from "../minio/launcher.ts";
import { makeModels, testPython } from "../test/setup/python.ts";
import { irisRecord, publishModel } from "../test/support/models.ts";
import { ensureTool } from "../toolchain/tools.ts";

export interface Fixture {
  /** The SKIFF_S3_* settings a serve process needs to find the model. */
  storage: Record<string, string>;
  /** Rows scikit-learn was checked on, in feature order. */
  irisRows: number[][];
  irisFeatures: string[];
  /** The iris model's ONNX bytes, as published. */
  irisOnnx: Uint8Array;
  /** MinIO's process, which does the benchmark's own work (the prediction log lands there). */
  minioPid: number;
  close(): Promise<void>;
}

export interface Storage {
  /** The SKIFF_S3_* settings a serve process needs to find its models. */
  storage: Record<string, string>;
  minioPid: number;
  /** Stores a model version as the registry lays it out. */
  publish(name: string, version: string, onnx: Uint8Array, record: NewModelRecord): Promise<void>;
  close(): Promise<void>;
}

/** A real MinIO on a temporary folder, with the bucket serve reads from and nothing in it. */
export async function startStorage(log: (line: string) => void): Promise<Storage> {
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-bench-minio-"));
  const credentials = { accessKey: "skiff-bench", secretKey: "skiff-bench-secret" };
  const minio = await startMinio({
    binary: await ensureTool("minio"),
    dataDir,
    ...credentials,
    onOutput: (line) => log(`minio: ${line}`),
  });
  const close = async () => {
    await minio.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const storage = {
    SKIFF_S3_ENDPOINT: minio.endpoint,
    SKIFF_S3_ACCESS_KEY_ID: credentials.accessKey,
    SKIFF_S3_SECRET_ACCESS_KEY: credentials.secretKey,
    SKIFF_S3_BUCKET: "skiff",
  };
  // A client per use, closed after it: the orchestrator keeps no sockets open while it measures.
  const withStore = async (use: (store: ObjectStore) => Promise<void>) => {
    const store = ObjectStore.fromEnv(parseEnv(storageEnv, storage));
    try {
      await use(store);
    } finally {
      store.client.destroy();
    }
  };
  try {
    await withStore(ensureBucket);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    storage,
    minioPid: minio.process.pid as number,
    publish: (name, version, onnx, record) =>
      withStore((store) => publishModel(store, name, version, onnx, record)),
    close,
  };
}

export async function startFixture(log: (line: string) => void): Promise<Fixture> {
  const storage = await startStorage(log);
  try {
    const models = await makeModels(await testPython(log));
    const expected = JSON.parse(readFileSync(join(models, "expected.json"), "utf8")) as {
      iris: { features: string[]; classes: string[]; rows: number[][] };
    };
    // iris.onnx has plain tensor outputs, so cold starts measure loading a model, not also the
    // one-off rewrite that the ZipMap variant needs.
    const onnx = new Uint8Array(readFileSync(join(models, "iris.onnx")));
    rmSync(models, { recursive: true, force: true });
    await storage.publish("iris", "1", onnx, irisRecord(expected.iris.classes));
    return {
      storage: storage.storage,
      irisRows: expected.iris.rows,
      irisFeatures: expected.iris.features,
      irisOnnx: onnx,
      minioPid: storage.minioPid,
      close: storage.close,
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
