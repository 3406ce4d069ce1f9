import { Registry } from "prom-client";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { NotReadyError } from "../../../functions/lib/errors.ts";
import { OnnxModel } from "../../../functions/lib/onnx/onnx-model.ts";
import { layout } from "../../../functions/lib/storage/layout.ts";
import {
  ModelRepository,
  type StoredModel,
} from "../../../functions/lib/storage/model-repository.ts";
import type { ObjectStore } from "../../../functions/lib/storage/object-store.ts";
import { createServeMetrics } from "../../../functions/serve/metrics.ts";
import { ModelRegistry } from "../../../functions/serve/registry.ts";
import { capturedLogger } from "../../support/logs.ts";
import { irisRecord, publishModel } from "../../support/models.ts";
import { pythonModels, rowsAsInstances, startServe } from "../../support/serve.ts";
import { freshStore } from "../../support/storage.ts";

const { file, expected } = pythonModels();
const record = irisRecord(expected.iris.classes);
const row = rowsAsInstances(expected.iris.features, expected.iris.rows)[0];
let store: ObjectStore;
const open: Array<{ close(): void }> = [];

beforeAll(async () => {
  store = await freshStore();
  for (const v of ["1", "2", "3"]) await publishModel(store, "iris", v, file("iris.onnx"), record);
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

function registry(options: { maxModels?: number; retryMs?: number; aliasRefreshMs?: number } = {}) {
  const loads: string[] = [];
  const metrics = createServeMetrics(new Registry());
  const r = new ModelRegistry({
    repository: new ModelRepository(store),
    logger: capturedLogger("serve").logger,
    metrics,
    maxModels: options.maxModels ?? 8,
    maxBytes: 1 << 30,
    aliasRefreshMs: options.aliasRefreshMs ?? 0,
    loadTimeoutMs: 30_000,
    retryMs: options.retryMs ?? 1000,
    load: (stored: StoredModel) => {
      loads.push(`${stored.name}@${stored.version}`);
      return OnnxModel.load(stored);
    },
  });
  open.push(r);
  return { r, loads, metrics };
}

describe("model registry", () => {
  it("loads a model once however many requests ask for it at the same time", async () => {
    const { r, loads, metrics } = registry();
    const lookups = await Promise.all(Array.from({ length: 20 }, () => r.get("iris", "2")));
    expect(loads).toEqual(["iris@2"]);
    expect(new Set(lookups.map((l) => l.model)).size).toBe(1);
    expect(lookups.every((l) => l.loadMs !== undefined)).toBe(true);
    const again = await r.get("iris", "2");
    expect(again.loadMs).toBeUndefined();
    const cache = await metrics.cache.get();
    const by = Object.fromEntries(cache.values.map((v) => [v.labels.outcome, v.value]));
    expect(by).toEqual({ miss: 1, wait: 19, hit: 1 });
  });

  it("evicts the least recently used model past its bound and reloads it on demand", async () => {
    const { r, loads } = registry({ maxModels: 2 });
    await r.get("iris", "1");
    await r.get("iris", "2");
    await r.get("iris", "1"); // 1 is now more recent than 2
    await r.get("iris", "3");
    expect(r.state("iris", "2")).toBe("absent");
    expect(r.state("iris", "1")).toBe("ready");
    expect(r.state("iris", "3")).toBe("ready");
    await r.get("iris", "2");
    expect(loads).toEqual(["iris@1", "iris@2", "iris@3", "iris@2"]);
  });

  it("reports a corrupt model as not ready (503), then retries and recovers once it is fixed", async () => {
    const s = await freshStore();
    await publishModel(s, "broken", "1", file("iris.onnx"), record);
    await s.putBytes(
      layout.modelOnnx("broken", "1"),
      file("diabetes.onnx"),
      "application/octet-stream",
    );
    const r = new ModelRegistry({
      repository: new ModelRepository(s),
      logger: capturedLogger("serve").logger,
      metrics: createServeMetrics(new Registry()),
      maxModels: 4,
      maxBytes: 1 << 30,
      aliasRefreshMs: 0,
      loadTimeoutMs: 30_000,
      retryMs: 200,
    });
    open.push(r);
    const failure = await r.get("broken").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotReadyError);
    expect((failure as Error).message).toBe(
      "model broken version 1 failed to load: model broken version 1: model.onnx does not match the sha256 in model.json",
    );
    expect(r.state("broken", "1")).toBe("failed");
    // Within the retry delay the failure is answered at once, without another load.
    await expect(r.get("broken", "1")).rejects.toBeInstanceOf(NotReadyError);
    await publishModel(s, "broken", "1", file("iris.onnx"), record);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { model } = await r.get("broken", "1");
    expect(model.version).toBe("1");
  });

  it("answers 503, not 400, through the API while a model cannot load", async () => {
    const serve = await startServe({ SKIFF_MODEL_RETRY_MS: "60000" });
    open.push(serve);
    await publishModel(serve.store, "broken", "1", file("iris.onnx"), record);
    await serve.store.putBytes(
      layout.modelOnnx("broken", "1"),
      new Uint8Array([1, 2, 3]),
      "application/octet-stream",
    );
    const named = await serve.post("/models/broken/predict", row);
    expect(named.status).toBe(503);
    expect(((await named.json()) as { error: { code: string } }).error.code).toBe("not_ready");
    const v2 = await serve.app.request("/v2/models/broken/ready");
    expect(v2.status).toBe(503);
    expect(((await v2.json()) as { error: string }).error).toMatch(/sha256/);
  });

  it("follows a moved alias without failing a request, switching only once the new version is loaded", async () => {
    const serve = await startServe({ SKIFF_ALIAS_REFRESH_MS: "100" });
    open.push(serve);
    await publishModel(serve.store, "iris", "1", file("iris.onnx"), record, {
      alias: "production",
    });
    await publishModel(serve.store, "iris", "2", file("iris-zipmap.onnx"), record);
    const seen: string[] = [];
    const statuses = new Set<number>();
    let moved = false;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const res = await serve.post("/models/iris/predict", row);
      statuses.add(res.status);
      seen.push(((await res.json()) as { version: string }).version);
      if (!moved && seen.length === 50) {
        await serve.store.putJson(layout.modelAliases("iris"), { production: "2" });
        moved = true;
      }
      if (seen.at(-1) === "2" && seen.filter((v) => v === "2").length > 50) break;
    }
    expect([...statuses]).toEqual([200]);
    const firstNew = seen.indexOf("2");
    expect(firstNew).toBeGreaterThan(49);
    // Once switched it never goes back.
    expect(seen.slice(firstNew).every((v) => v === "2")).toBe(true);
  });

  it("is ready only once the preloaded models are in memory", async () => {
    const s = await freshStore();
    await publishModel(s, "iris", "1", file("iris.onnx"), record);
    const serve = await startServe({ PRELOAD_MODELS: "iris" }, s);
    open.push(serve);
    expect(serve.readiness.reason()).toBe("loading models iris");
    const deadline = Date.now() + 10_000;
    while (serve.readiness.reason() !== undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(serve.readiness.reason()).toBeUndefined();
    expect(serve.parts.context.registry.state("iris")).toBe("ready");
  });
});
