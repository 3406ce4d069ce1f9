/**
 * What the serve benchmark runs against: a real MinIO on a temporary folder, holding the iris
 * model that scikit-learn exports through the test suite's own pinned Python environment.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { startMinio } from "../minio/launcher.ts";
import { setup as pythonSetup, teardown as pythonTeardown } from "../test/setup/python.ts";
import { irisRecord, publishModel } from "../test/support/models.ts";
import { ensureTool } from "../toolchain/tools.ts";

export interface Fixture {
  /** The SKIFF_S3_* settings a serve process needs to find the model. */
  storage: Record<string, string>;
  /** Rows scikit-learn was checked on, in feature order. */
  irisRows: number[][];
  irisFeatures: string[];
  /** MinIO's process, which does the benchmark's own work (the prediction log lands there). */
  minioPid: number;
  close(): Promise<void>;
}

interface PythonModels {
  bin: string;
  models: string;
}

/**
 * The test setup builds (or reuses) the cached venv and runs make_models.py; it hands its result
 * to vitest through `project.provide`, the only member of the project it touches.
 */
async function makePythonModels(): Promise<PythonModels> {
  let made: PythonModels | undefined;
  const project = {
    provide: (key: string, value: PythonModels) => {
      if (key === "python") made = value;
    },
  };
  await pythonSetup(project as unknown as Parameters<typeof pythonSetup>[0]);
  if (made === undefined) throw new Error("test/setup/python.ts provided no models");
  return made;
}

export async function startFixture(log: (line: string) => void): Promise<Fixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-bench-minio-"));
  const credentials = { accessKey: "skiff-bench", secretKey: "skiff-bench-secret" };
  const minio = await startMinio({
    binary: await ensureTool("minio"),
    dataDir,
    ...credentials,
    onOutput: (line) => log(`minio: ${line}`),
  });
  try {
    const storage = {
      SKIFF_S3_ENDPOINT: minio.endpoint,
      SKIFF_S3_ACCESS_KEY_ID: credentials.accessKey,
      SKIFF_S3_SECRET_ACCESS_KEY: credentials.secretKey,
      SKIFF_S3_BUCKET: "skiff",
    };
    const store = ObjectStore.fromEnv(parseEnv(storageEnv, storage));
    await store.ensureBucket();

    const python = await makePythonModels();
    const expected = JSON.parse(readFileSync(join(python.models, "expected.json"), "utf8")) as {
      iris: { features: string[]; classes: string[]; rows: number[][] };
    };
    // iris.onnx has plain tensor outputs, so cold starts measure loading a model, not also the
    // one-off rewrite that the ZipMap variant needs.
    const onnx = new Uint8Array(readFileSync(join(python.models, "iris.onnx")));
    await publishModel(store, "iris", "1", onnx, irisRecord(expected.iris.classes));
    await pythonTeardown();
    store.client.destroy();

    return {
      storage,
      irisRows: expected.iris.rows,
      irisFeatures: expected.iris.features,
      minioPid: minio.process.pid as number,
      close: async () => {
        await minio.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await minio.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
