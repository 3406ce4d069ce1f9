/**
 * The stock Open Inference Protocol client (Triton's tritonclient.http) against the deployed
 * serve entry point, run as a real process: "stock clients work unchanged" is only true if one
 * actually does.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { freePort } from "../../minio/launcher.ts";
import { irisRecord, publishModel } from "../support/models.ts";
import { type Spawned, spawnEntry, waitFor } from "../support/processes.ts";
import { pythonModels } from "../support/serve.ts";
import { freshStore, testStorageEnv } from "../support/storage.ts";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../python/triton_client_check.py", import.meta.url));
const { file, expected } = pythonModels();
const iris = expected.iris;

interface Call {
  mode: "json" | "binary" | "all-binary";
  compression: "" | "gzip" | "deflate";
  binary_outputs: string[];
  rows: number;
  version_asked: string;
  model_name: string;
  model_version: string;
  id: string;
  labels: string[];
  probabilities_shape: number[];
  probabilities_dtype: string;
  max_abs_diff: number;
}

interface Summary {
  live: boolean;
  ready: boolean;
  model_ready: boolean;
  version_ready: boolean;
  metadata: {
    name: string;
    versions: string[];
    platform: string;
    inputs: Array<{ name: string; datatype: string; shape: number[] }>;
    outputs: Array<{ name: string; datatype: string; shape: number[] }>;
  };
  calls: Call[];
  server_metadata: { name: string; version: string; extensions: string[] };
  refused: Record<string, { status?: string; message?: string; crash?: string }>;
}

let store: ObjectStore;
let serve: Spawned;
let port: number;

beforeAll(async () => {
  store = await freshStore();
  await publishModel(store, "iris", "1", file("iris-zipmap.onnx"), irisRecord(iris.classes), {
    alias: "production",
  });
  port = await freePort();
  const storage = Object.fromEntries(
    Object.entries(testStorageEnv(store.bucket)).map(([k, v]) => [k, String(v)]),
  );
  serve = spawnEntry("functions/serve/main.ts", {
    ...storage,
    PORT: String(port),
    SKIFF_ADMIN_PORT: String(await freePort()),
    PRELOAD_MODELS: "iris",
  });
  await waitFor(`http://127.0.0.1:${port}/readyz`, serve);
});

afterAll(() => {
  serve?.child.kill("SIGKILL");
});

/** One run of the client script: every test reads its summary. */
let summaryRun: Promise<Summary> | undefined;
function clientSummary(): Promise<Summary> {
  summaryRun ??= (async () => {
    const { bin } = inject("python");
    let stdout: string;
    try {
      ({ stdout } = await run(bin, [
        script,
        `127.0.0.1:${port}`,
        "iris",
        join(inject("python").models, "expected.json"),
      ]));
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      throw new Error(
        `triton_client_check.py exited ${failed.code}:\n${failed.stderr}\n${failed.stdout}\n` +
          `serve said:\n${serve.output()}`,
      );
    }
    return JSON.parse(stdout) as Summary;
  })();
  return summaryRun;
}

describe("tritonclient.http against the serve process", () => {
  it("checks health, reads metadata and infers one row, a batch and a pinned version, in JSON and in binary", async () => {
    const summary = await clientSummary();

    expect(summary).toMatchObject({
      live: true,
      ready: true,
      model_ready: true,
      version_ready: true,
    });
    expect(summary.metadata).toMatchObject({
      name: "iris",
      versions: ["1"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "float_input", datatype: "FP32", shape: [-1, 4] }],
      outputs: [
        { name: "output_label", datatype: "BYTES", shape: [-1] },
        { name: "output_probability", datatype: "FP32", shape: [-1, 3] },
      ],
    });

    const n = iris.rows.length;
    // The client's defaults use the binary tensor data extension both ways.
    const both = ["output_label", "output_probability"];
    expect(
      summary.calls.map((c) => [
        c.mode,
        c.compression,
        c.rows,
        c.version_asked,
        c.id,
        c.binary_outputs,
      ]),
    ).toEqual([
      ["json", "", 1, "", "one-row", []],
      ["json", "", n, "", "batch", []],
      ["json", "", n, "1", "batch-v1", []],
      ["binary", "", 1, "", "one-row-binary", both],
      ["binary", "", n, "", "batch-binary", both],
      ["all-binary", "", n, "1", "batch-all-binary", both],
      ["json", "gzip", n, "", "batch-gzip", []],
      ["json", "deflate", n, "", "batch-deflate", []],
      ["binary", "gzip", n, "", "batch-binary-gzip", both],
      ["binary", "deflate", n, "", "batch-binary-deflate", both],
    ]);
    for (const call of summary.calls) {
      expect(call).toMatchObject({
        model_name: "iris",
        model_version: "1",
        probabilities_shape: [call.rows, iris.classes.length],
        probabilities_dtype: "float32",
      });
      expect(call.labels).toEqual(iris.labels.slice(0, call.rows));
      expect(call.max_abs_diff).toBeGreaterThanOrEqual(0);
      expect(call.max_abs_diff).toBeLessThan(1e-5);
    }
    // The batch covers every class, so a model stuck on one label could not pass.
    expect(new Set(summary.calls[1]?.labels)).toEqual(new Set(iris.classes));
    expect(summary.server_metadata.extensions).toEqual(["binary_tensor_data"]);
  });

  it("reports what serve does not implement as a server error with its message, not a crash", async () => {
    const { refused } = await clientSummary();
    for (const api of ["get_model_config", "get_model_repository_index"]) {
      expect(refused[api]).toEqual({ status: "404", message: expect.stringContaining("no route") });
    }
  });
});
