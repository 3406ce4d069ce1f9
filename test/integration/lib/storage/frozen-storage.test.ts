/**
 * Storage that stops answering while keeping its sockets open (a MinIO of the test's own, frozen
 * with SIGSTOP): every call still ends within SKIFF_STORAGE_TIMEOUT_MS, a transfer that keeps
 * moving is not cut, and serve's SIGTERM ends within the prediction log's flush deadline with
 * what it could not write counted and named.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { freePort } from "../../../../minio/launcher.ts";
import { irisRecord, publishModel } from "../../../support/models.ts";
import { type PrivateMinio, startPrivateMinio } from "../../../support/private-minio.ts";
import { type Spawned, spawnEntry, waitFor } from "../../../support/processes.ts";
import { pythonModels, rowsAsInstances } from "../../../support/serve.ts";

let minio: PrivateMinio | undefined;
let spawned: Spawned | undefined;

afterEach(async () => {
  spawned?.child.kill("SIGKILL");
  spawned = undefined;
  await minio?.stop();
  minio = undefined;
});

/** How long `work` took to settle, and whether it failed. */
async function timed(work: Promise<unknown>): Promise<{ ms: number; failed: boolean }> {
  const started = Date.now();
  const failed = await work.then(
    () => false,
    () => true,
  );
  return { ms: Date.now() - started, failed };
}

describe("storage that stops answering", () => {
  it("fails a call on a small object within the timeout, and one moving data within its attempts", async () => {
    minio = await startPrivateMinio();
    const store = ObjectStore.fromEnv(minio.storageEnv({ SKIFF_STORAGE_TIMEOUT_MS: "1000" }));
    await store.putJson("a.json", { a: 1 });
    await store.putBytes("a.bin", new Uint8Array(1024), "application/octet-stream");
    minio.freeze();
    try {
      const read = await timed(store.getJson("a.json", z.unknown()));
      expect(read.failed).toBe(true);
      expect(read.ms).toBeGreaterThanOrEqual(900);
      expect(read.ms).toBeLessThan(2000);
      const write = await timed(store.putJson("b.json", { b: 2 }));
      expect(write).toMatchObject({ failed: true });
      expect(write.ms).toBeLessThan(2000);
      const listed = await timed(store.listChildren(""));
      expect(listed).toMatchObject({ failed: true });
      expect(listed.ms).toBeLessThan(2000);
      // Object data is bounded by the idle timeout per attempt, three attempts at most.
      const data = await timed(store.getBytes("a.bin"));
      expect(data).toMatchObject({ failed: true });
      expect(data.ms).toBeLessThan(3 * 1000 + 2000);
    } finally {
      minio.thaw();
    }
    expect(await store.getJson("a.json", z.unknown())).toEqual({ a: 1 });
    store.client.destroy();
  }, 30_000);

  it("does not cut a transfer that takes longer than the timeout while its bytes keep moving", async () => {
    minio = await startPrivateMinio();
    const store = ObjectStore.fromEnv(minio.storageEnv({ SKIFF_STORAGE_TIMEOUT_MS: "300" }));
    const size = 24 * 1024 * 1024;
    await store.putBytes("big.bin", new Uint8Array(size).fill(7), "application/octet-stream");
    const started = Date.now();
    let read = 0;
    for await (const chunk of (await store.getStream("big.bin")) ?? []) {
      read += (chunk as Uint8Array).length;
      // A slow reader: the socket pauses, never for as long as the idle timeout.
      if (read % (1024 * 1024) < (chunk as Uint8Array).length)
        await new Promise((r) => setTimeout(r, 60));
    }
    expect(read).toBe(size);
    expect(Date.now() - started).toBeGreaterThan(1000);
    store.client.destroy();
  }, 30_000);
});

describe("serve on SIGTERM while storage is frozen", () => {
  it("exits within the flush deadline and logs the records it could not write, by model and request id", async () => {
    const { file, expected } = pythonModels();
    minio = await startPrivateMinio();
    await publishModel(
      minio.store,
      "iris",
      "1",
      file("iris-zipmap.onnx"),
      irisRecord(expected.iris.classes),
    );
    const [port, adminPort] = [await freePort(), await freePort()];
    const flushDeadlineMs = 2000;
    spawned = spawnEntry("functions/serve/main.ts", {
      ...minio.env,
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
      PRELOAD_MODELS: "iris",
      SKIFF_ALIAS_REFRESH_MS: "0",
      SKIFF_PREDICTION_LOG_MAX_AGE_MS: "600000",
      SKIFF_DRAIN_TIMEOUT_MS: "1000",
      SKIFF_PREDICTION_LOG_FLUSH_TIMEOUT_MS: String(flushDeadlineMs),
      // Longer than the deadline: the exit must not wait for storage to time out.
      SKIFF_STORAGE_TIMEOUT_MS: "60000",
    });
    await waitFor(`http://127.0.0.1:${adminPort}/readyz`, spawned);

    minio.freeze();
    const [instance] = rowsAsInstances(expected.iris.features, expected.iris.rows);
    const ids = ["call-1", "call-2", "call-3", "call-4", "call-5"];
    for (const id of ids) {
      const res = await fetch(`http://127.0.0.1:${port}/models/iris/predict`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify(instance),
      });
      expect(res.status).toBe(200);
    }

    const stoppedAt = Date.now();
    spawned.child.kill("SIGTERM");
    const code = await spawned.exited;
    const took = Date.now() - stoppedAt;
    expect(code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(flushDeadlineMs - 100);
    expect(took).toBeLessThan(flushDeadlineMs + 3000);
    const lost = spawned
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "prediction log records lost at shutdown");
    expect(lost).toEqual([
      expect.objectContaining({
        level: "error",
        model: "iris",
        records: ids.length,
        firstRequestId: "call-1",
        lastRequestId: "call-5",
      }),
    ]);
  }, 60_000);
});
