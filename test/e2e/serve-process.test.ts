/**
 * The deployed serve entry point (functions/serve/main.ts) as a real process over the test
 * MinIO: what only a process shows — preloading gating readiness, a bad setting stopping it,
 * and SIGTERM flushing the prediction log before exit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { freePort } from "../../minio/launcher.ts";
import { irisRecord, publishModel } from "../support/models.ts";
import { type Spawned, spawnEntry, waitFor } from "../support/processes.ts";
import { pythonModels, rowsAsInstances } from "../support/serve.ts";
import { freshStore, predictionLogFiles, testStorageEnv } from "../support/storage.ts";

const { file, expected } = pythonModels();
const iris = expected.iris;
const instances = rowsAsInstances(iris.features, iris.rows);

const running: Spawned[] = [];

afterEach(() => {
  for (const spawned of running.splice(0)) {
    if (spawned.child.exitCode === null && spawned.child.signalCode === null) {
      spawned.child.kill("SIGKILL");
    }
  }
});

interface ServeProcess {
  spawned: Spawned;
  base: string;
  admin: string;
}

async function spawnServe(store: ObjectStore, settings: Record<string, string> = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const storage = Object.fromEntries(
    Object.entries(testStorageEnv(store.bucket)).map(([k, v]) => [k, String(v)]),
  );
  const spawned = spawnEntry("functions/serve/main.ts", {
    ...storage,
    PORT: String(port),
    SKIFF_ADMIN_PORT: String(adminPort),
    PRELOAD_MODELS: "iris",
    ...settings,
  });
  running.push(spawned);
  return {
    spawned,
    base: `http://127.0.0.1:${port}`,
    admin: `http://127.0.0.1:${adminPort}`,
  } satisfies ServeProcess;
}

function publishIris(store: ObjectStore) {
  return publishModel(store, "iris", "1", file("iris-zipmap.onnx"), irisRecord(iris.classes), {
    alias: "production",
  });
}

async function readiness(url: string): Promise<{ status: number; reason?: string }> {
  const res = await fetch(url);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, reason: body.reason };
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("serve process: readiness waits for the preloaded model", () => {
  it("answers 503 while the model cannot be loaded, then 200, and the first predict does not load", async () => {
    const store = await freshStore();
    // Nothing is published yet, so the preload fails and is retried: "not ready" lasts as long
    // as we like, with no race against a fast load.
    const serve = await spawnServe(store);
    await waitFor(`${serve.base}/readyz`, serve.spawned, 503);

    const notReady = await readiness(`${serve.base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.reason).toMatch(/loading/);
    expect(notReady.reason).toMatch(/iris/);
    const adminNotReady = await readiness(`${serve.admin}/readyz`);
    expect(adminNotReady.status).toBe(503);
    expect(adminNotReady.reason).toMatch(/loading/);
    const v2NotReady = await fetch(`${serve.base}/v2/health/ready`);
    expect(v2NotReady.status).toBe(503);
    await v2NotReady.body?.cancel();

    await publishIris(store);
    await waitFor(`${serve.base}/readyz`, serve.spawned, 200);
    expect(await readiness(`${serve.admin}/readyz`)).toEqual({ status: 200, reason: undefined });

    const first = await post(`${serve.base}/models/iris/predict`, instances[0]);
    expect(first.status).toBe(200);
    const timing = first.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/^infer;dur=\d+(\.\d+)?$/);
    expect(timing).not.toMatch(/load;/);
    expect(await first.json()).toMatchObject({
      model: "iris",
      version: "1",
      label: iris.labels[0],
    });
  }, 90_000);
});

describe("serve process: configuration", () => {
  it("stops with exit code 2 and one line naming a malformed PRELOAD_MODELS", async () => {
    const store = await freshStore();
    const serve = await spawnServe(store, { PRELOAD_MODELS: "iris,Not A Model@x" });
    expect(await serve.spawned.exited).toBe(2);
    // Settings are read before anything else starts, so that line is all the process says.
    const lines = serve.spawned.output().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^skiff: invalid configuration: PRELOAD_MODELS /);
    expect(lines[0]).toContain("Not A Model@x");
  });
});

interface Sent {
  requestId: string;
  api: "predict" | "v2";
  status: number;
  inputs: unknown;
  outputs?: unknown;
  error?: string;
}

interface LoggedRecord {
  requestId: string;
  time: string;
  model: string;
  version: string;
  api: string;
  status: number;
  latencyMs: number;
  inputs: unknown;
  outputs?: unknown;
  error?: string;
}

describe("serve process: SIGTERM flushes the prediction log", () => {
  it("writes every buffered prediction, 200s and 400s, before exiting 0", async () => {
    const store = await freshStore();
    await publishIris(store);
    // Neither count nor age would flush during the test: only shutdown can write these.
    const serve = await spawnServe(store, {
      SKIFF_PREDICTION_LOG_BATCH: "100000",
      SKIFF_PREDICTION_LOG_MAX_AGE_MS: "600000",
    });
    await waitFor(`${serve.base}/readyz`, serve.spawned, 200);

    const sent: Sent[] = [];
    const requestIdOf = (res: Response) => {
      const id = res.headers.get("x-request-id");
      if (!id) throw new Error(`no X-Request-Id on a ${res.status} answer`);
      return id;
    };
    const N = 50;
    for (let i = 0; i < N; i++) {
      const row = i % instances.length;
      const kind = i % 10;
      if (kind === 9) {
        // A 400 from inside the handler: it names a real model and version, so it is logged.
        if (i % 20 === 9) {
          const { petal_width: _, ...partial } = instances[row] as Record<string, number>;
          const res = await post(`${serve.base}/models/iris/predict`, partial);
          const body = (await res.json()) as { error: { message: string } };
          sent.push({
            requestId: requestIdOf(res),
            api: "predict",
            status: res.status,
            inputs: [partial],
            error: body.error.message,
          });
        } else {
          const inputs = [
            { name: "float_input", shape: [1, 4], datatype: "FP64", data: iris.rows[row] },
          ];
          const res = await post(`${serve.base}/v2/models/iris/infer`, { inputs });
          const body = (await res.json()) as { error: string };
          sent.push({
            requestId: requestIdOf(res),
            api: "v2",
            status: res.status,
            inputs,
            error: body.error,
          });
        }
      } else if (kind % 2 === 0) {
        const batch = kind === 4;
        const payload = batch ? { instances: instances.slice(0, 3) } : instances[row];
        const res = await post(`${serve.base}/models/iris/predict`, payload);
        const body = (await res.json()) as Record<string, unknown>;
        const { model: _m, version: _v, ...prediction } = body;
        sent.push({
          requestId: requestIdOf(res),
          api: "predict",
          status: res.status,
          inputs: batch ? instances.slice(0, 3) : [payload],
          outputs: batch ? prediction.predictions : [prediction],
        });
      } else {
        const inputs = [
          { name: "float_input", shape: [1, 4], datatype: "FP32", data: iris.rows[row] },
        ];
        const path = i % 4 === 1 ? "/v2/models/iris/versions/1/infer" : "/v2/models/iris/infer";
        const res = await post(`${serve.base}${path}`, { inputs });
        const body = (await res.json()) as { outputs: unknown };
        sent.push({
          requestId: requestIdOf(res),
          api: "v2",
          status: res.status,
          inputs,
          outputs: body.outputs,
        });
      }
    }
    expect(sent).toHaveLength(N);
    expect(sent.filter((s) => s.status === 400)).toHaveLength(5);
    expect(sent.filter((s) => s.status === 200)).toHaveLength(N - 5);
    expect(new Set(sent.map((s) => s.api))).toEqual(new Set(["predict", "v2"]));
    expect(new Set(sent.map((s) => s.requestId)).size).toBe(N);

    const before: string[] = [];
    for await (const object of store.list("predictions/")) before.push(object.key);
    expect(before).toEqual([]);

    serve.spawned.child.kill("SIGTERM");
    expect(await serve.spawned.exited).toBe(0);

    const records: LoggedRecord[] = [];
    for (const file of await predictionLogFiles<LoggedRecord>(store, "predictions/iris/")) {
      expect(file.key).toMatch(/^predictions\/iris\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.ndjson$/);
      expect(file.text.endsWith("\n")).toBe(true);
      records.push(...file.records);
    }
    expect(records).toHaveLength(N);

    const byId = new Map(records.map((r) => [r.requestId, r]));
    expect(byId.size).toBe(N);
    for (const call of sent) {
      const record = byId.get(call.requestId);
      expect(record, `no record for ${call.requestId}`).toBeDefined();
      expect(record).toMatchObject({
        model: "iris",
        version: "1",
        api: call.api,
        status: call.status,
        inputs: call.inputs,
      });
      expect(Number.isNaN(Date.parse(record?.time ?? ""))).toBe(false);
      expect(record?.latencyMs).toBeGreaterThanOrEqual(0);
      if (call.status === 200) {
        expect(record?.outputs).toEqual(call.outputs);
        expect(record?.error).toBeUndefined();
      } else {
        expect(record?.error).toBe(call.error);
        expect(record?.outputs).toBeUndefined();
      }
    }
  }, 90_000);
});
