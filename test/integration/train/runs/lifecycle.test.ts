import { execFile, spawn } from "node:child_process";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import { listVersions } from "../../../../functions/lib/storage/model-catalogue.ts";
import { ObjectStore, type PutOptions } from "../../../../functions/lib/storage/object-store.ts";
import { uploadDataset } from "../../../../functions/train/datasets/upload.ts";
import { InlineExecutor } from "../../../../functions/train/executors/inline.ts";
import { planRun, runRequestSchema } from "../../../../functions/train/runs/plan.ts";
import type { RunRecord } from "../../../../functions/train/runs/run-record.ts";
import { RunStore } from "../../../../functions/train/runs/run-store.ts";
import { failStaleRuns } from "../../../../functions/train/runs/watchdog.ts";
import { capturedLogger } from "../../../support/logs.ts";
import { queuedRun } from "../../../support/runs.ts";
import { freshStore, testStorageProcessEnv } from "../../../support/storage.ts";

const run = promisify(execFile);
const limits = { maxBytes: 1 << 30, maxDistinct: 1000 };
let store: ObjectStore;
let runs: RunStore;

function csv(lines: string[]): AsyncIterable<Uint8Array> {
  return Readable.from([Buffer.from(`${lines.join("\n")}\n`)]);
}

const jobEnv = () => testStorageProcessEnv(store.bucket);

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  store = await freshStore();
  runs = new RunStore(store);
  await uploadDataset(
    store,
    "toy",
    csv([
      "x,y,label",
      "1,2,a",
      "2,1,b",
      "3,3,a",
      "4,1,b",
      "5,2,a",
      "6,6,b",
      "7,1,a",
      "8,8,b",
      "9,2,a",
      "10,5,b",
    ]),
    limits,
  );
  await uploadDataset(store, "mono", csv(["x,label", "1,a", "2,a", "3,a"]), limits);
});

describe("planning a run refuses what cannot succeed", () => {
  it.each([
    [{ dataset: "nope", model: "m", target: "label" }, "dataset nope does not exist"],
    [
      { dataset: "toy", model: "m", target: "colour" },
      'dataset toy version 1 has no column "colour" (columns: x, y, label)',
    ],
    [
      { dataset: "toy", model: "m", target: "label", features: ["x", "z"] },
      'dataset toy version 1 has no column "z" (columns: x, y, label)',
    ],
    [
      { dataset: "toy", model: "m", target: "label", features: ["label"] },
      'the target "label" cannot also be a feature',
    ],
    [
      { dataset: "mono", model: "m", target: "label" },
      'target "label" has only one class (a); classification needs at least two',
    ],
    [
      { dataset: "toy", model: "m", target: "label", task: "regression" },
      'target "label" is categorical; regression needs a numeric target',
    ],
    [
      { dataset: "toy", model: "m", target: "x", algorithm: "logistic_regression" },
      "algorithm logistic_regression does not do regression",
    ],
    [
      { dataset: "toy", model: "m", target: "label", params: { depth: 3 } },
      /^params: unknown parameter "depth"/,
    ],
    [
      { dataset: "toy", model: "m", target: "label", datasetVersion: "9" },
      /dataset toy has no version 9|does not exist/,
    ],
  ])("%j", async (request, message) => {
    const failure = await planRun(store, runRequestSchema.parse(request)).catch(
      (e: unknown) => e as Error,
    );
    expect(failure).toBeInstanceOf(Error);
    if (typeof message === "string") expect((failure as Error).message).toBe(message);
    else expect((failure as Error).message).toMatch(message);
  });

  it("infers the task from the target and defaults the features", async () => {
    const plan = await planRun(
      store,
      runRequestSchema.parse({ dataset: "toy", model: "m", target: "x" }),
    );
    expect(plan).toMatchObject({
      task: "regression",
      algorithm: "linear_regression",
      features: ["y", "label"],
      datasetVersion: "1",
    });
  });
});

describe("running a run", () => {
  it("records a readable error when training fails, and publishes nothing", async () => {
    // Planning passes, but the data the job reads is gone by the time it runs.
    const record = await queuedRun(store, { dataset: "toy", model: "doomed", target: "label" });
    const bytes = await store.getBytes(layout.datasetData("toy", "1"));
    await store.delete(layout.datasetData("toy", "1"));
    try {
      const result = await run(
        process.execPath,
        ["--import", "tsx", "functions/train/runs/job-main.ts", record.id],
        { env: { ...process.env, ...jobEnv() } },
      );
      expect(result.stdout).toContain('"status":"failed"');
    } finally {
      await store.putBytes(layout.datasetData("toy", "1"), bytes as Uint8Array, "text/csv");
    }
    const failed = await runs.get(record.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("dataset toy version 1 has no data");
    expect(await listVersions(store, "doomed")).toEqual([]);
  });

  it("marks a run failed at once when its worker process dies", async () => {
    const record = await queuedRun(store, { dataset: "toy", model: "killed", target: "label" });
    const executor = new InlineExecutor({
      runs,
      logger: capturedLogger("train").logger,
      concurrency: 1,
      env: jobEnv(),
    });
    await executor.start(record.id);
    await until(
      () => runs.get(record.id),
      (r) => r.status === "running",
      30_000,
    );
    await executor.close(); // SIGTERM to the job: it dies mid-run
    const dead = await until(
      () => runs.get(record.id),
      (r) => r.status === "failed",
      10_000,
    );
    if (dead.status !== "failed") {
      // The job was quick enough to finish first; then it must have succeeded.
      expect(dead.status).toBe("succeeded");
      return;
    }
    expect(dead.error).toMatch(
      /^train shut down while the run was running \(the training process exited (on SIGTERM|with code \d+)\)$/,
    );
  }, 90_000);

  it("fails a run whose heartbeat stopped, and one that was never started", async () => {
    const now = Date.now();
    const stale = await queuedRun(store, { dataset: "toy", model: "stale", target: "label" });
    await runs.change(stale.id, () => ({
      status: "running",
      heartbeatAt: new Date(now - 120_000).toISOString(),
    }));
    const fresh = await queuedRun(store, { dataset: "toy", model: "fresh", target: "label" });
    await runs.change(fresh.id, () => ({
      status: "running",
      heartbeatAt: new Date(now - 1000).toISOString(),
    }));
    const forgotten = await queuedRun(store, {
      dataset: "toy",
      model: "forgotten",
      target: "label",
    });
    await runs.change(forgotten.id, () => ({ createdAt: new Date(now - 7_200_000).toISOString() }));
    const failed = await failStaleRuns(
      runs,
      { leaseMs: 60_000, queueTimeoutMs: 3_600_000 },
      capturedLogger("train").logger,
      now,
    );
    expect(failed.sort()).toEqual([stale.id, forgotten.id].sort());
    expect((await runs.get(stale.id)).error).toBe(
      "the worker stopped reporting (no heartbeat for 120 s); it probably died",
    );
    expect((await runs.get(fresh.id)).status).toBe("running");
  });

  it("spares a run past the queue timeout while this process holds it in its own queue", async () => {
    const now = Date.now();
    const waiting = await queuedRun(store, { dataset: "toy", model: "waiting", target: "label" });
    await runs.change(waiting.id, () => ({ createdAt: new Date(now - 7_200_000).toISOString() }));
    const options = { leaseMs: 60_000, queueTimeoutMs: 3_600_000 };
    const logger = capturedLogger("train").logger;
    const held = (id: string) => id === waiting.id;
    expect(await failStaleRuns(runs, { ...options, holds: held }, logger, now)).not.toContain(
      waiting.id,
    );
    expect((await runs.get(waiting.id)).status).toBe("queued");
    expect(await failStaleRuns(runs, options, logger, now)).toContain(waiting.id);
    expect((await runs.get(waiting.id)).error).toBe("the run was never started within 3600 s");
  });

  it("fails a run only while it has not ended, and never over an outcome written meanwhile", async () => {
    const queued = await queuedRun(store, { dataset: "toy", model: "cas-queued", target: "label" });
    const at = new Date("2030-01-01T00:00:00.000Z");
    const failed = await runs.failUnlessFinished(queued.id, () => "it had to go", at);
    expect(failed).toMatchObject({ status: "failed", error: "it had to go" });
    expect(await runs.get(queued.id)).toMatchObject({
      status: "failed",
      error: "it had to go",
      finishedAt: at.toISOString(),
    });
    // Ended already: neither the reason is asked nor the record touched.
    expect(await runs.failUnlessFinished(queued.id, () => "again")).toBeUndefined();
    expect((await runs.get(queued.id)).error).toBe("it had to go");

    const spared = await queuedRun(store, { dataset: "toy", model: "cas-spared", target: "label" });
    expect(await runs.failUnlessFinished(spared.id, () => undefined)).toBeUndefined();
    expect((await runs.get(spared.id)).status).toBe("queued");
    expect(await runs.failUnlessFinished("run-nope", () => "gone")).toBeUndefined();

    // Another writer lands between the read and the write: the write is refused and the run
    // judged again. The job recording its outcome ends it; a heartbeat does not.
    let interleave: ((id: string) => Promise<unknown>) | undefined;
    class Interleaved extends ObjectStore {
      override async putJson(key: string, value: unknown, options: PutOptions = {}) {
        const write = interleave;
        interleave = undefined;
        if (options.ifMatch !== undefined && write) await write((value as RunRecord).id);
        return super.putJson(key, value, options);
      }
    }
    const racing = new RunStore(new Interleaved(store.client, store.bucket));

    const succeeded = await queuedRun(store, {
      dataset: "toy",
      model: "cas-succeeded",
      target: "label",
    });
    interleave = (id) => runs.change(id, () => ({ status: "succeeded", modelVersion: "1" }));
    expect(await racing.failUnlessFinished(succeeded.id, () => "the Job failed")).toBeUndefined();
    const kept = await runs.get(succeeded.id);
    expect(kept).toMatchObject({ status: "succeeded", modelVersion: "1" });
    expect(kept.error).toBeUndefined();

    const beating = await queuedRun(store, {
      dataset: "toy",
      model: "cas-beating",
      target: "label",
    });
    const beat = "2030-01-01T00:00:05.000Z";
    interleave = (id) => runs.change(id, () => ({ status: "running", heartbeatAt: beat }));
    const seen: string[] = [];
    const dead = await racing.failUnlessFinished(beating.id, (current) => {
      seen.push(current.status);
      return "the Job failed";
    });
    expect(seen).toEqual(["queued", "running"]);
    expect(dead).toMatchObject({ status: "failed", error: "the Job failed", heartbeatAt: beat });
    expect(await runs.get(beating.id)).toMatchObject({ status: "failed", heartbeatAt: beat });
  });

  it("trains out of core: a dataset bigger than the job's heap budget completes with the streaming trainer", async () => {
    // ~60 MB of CSV against a 48 MB heap: the rows cannot all be in memory at once.
    const rows = 1_800_000;
    async function* generate() {
      yield Buffer.from("a,b,c,d,label\n");
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed / 2147483648;
      };
      for (let i = 0; i < rows; i += 10_000) {
        let chunk = "";
        for (let j = 0; j < 10_000; j++) {
          const a = rand() * 10;
          const b = rand() * 10;
          const c = rand() * 10;
          const d = rand() * 10;
          chunk += `${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${d.toFixed(4)},${a + b > c + d ? "hi" : "lo"}\n`;
        }
        yield Buffer.from(chunk);
      }
    }
    const dataset = await uploadDataset(store, "big", generate(), limits);
    expect(dataset.bytes).toBeGreaterThan(50_000_000);
    const record = await queuedRun(store, {
      dataset: "big",
      model: "big",
      target: "label",
      params: { streaming: true, epochs: 2, batchSize: 512 },
    });
    await run(
      process.execPath,
      ["--max-old-space-size=48", "--import", "tsx", "functions/train/runs/job-main.ts", record.id],
      {
        env: { ...process.env, ...jobEnv() },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const done = await runs.get(record.id);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe("succeeded");
    expect(done.metrics?.accuracy).toBeGreaterThan(0.95);
  }, 300_000);
});

describe("a run that has ended stays ended", () => {
  it("is not overwritten by a worker that wakes up after the watchdog failed it", async () => {
    // Long enough to be caught mid-training: many passes of small batches over 20,000 rows.
    const lines = ["a,b,c,label"];
    for (let i = 0; i < 20_000; i++) {
      const [a, b, c] = [(i * 7) % 13, (i * 11) % 17, (i * 5) % 19];
      lines.push(`${a},${b},${c},${a + b > c + 8 ? "hi" : "lo"}`);
    }
    await uploadDataset(store, "slow", csv(lines), limits);
    const record = await queuedRun(store, {
      dataset: "slow",
      model: "late-worker",
      target: "label",
      params: { streaming: true, epochs: 400, batchSize: 32 },
    });
    const worker = spawn(
      process.execPath,
      ["--import", "tsx", "functions/train/runs/job-main.ts", record.id],
      {
        env: { ...process.env, ...jobEnv(), SKIFF_RUN_HEARTBEAT_MS: "100" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    worker.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    worker.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => worker.once("close", resolve));
    try {
      const training = await until(
        () => runs.get(record.id),
        (r) => r.status === "running" && r.progress.fraction > 0.01,
        60_000,
      );
      expect(training.status).toBe("running");
      // The worker stops answering, as a paused VM or a long GC would make it.
      worker.kill("SIGSTOP");
      const failed = await failStaleRuns(
        runs,
        { leaseMs: 60_000, queueTimeoutMs: 3_600_000 },
        capturedLogger("train").logger,
        Date.now() + 120_000,
      );
      expect(failed).toContain(record.id);
      const dead = await runs.get(record.id);
      expect(dead.status).toBe("failed");
      worker.kill("SIGCONT");
      expect(await exited).toBe(0);
      expect(output).toContain("run ended elsewhere while it trained");
      expect(await runs.get(record.id)).toEqual(dead);
      expect(await listVersions(store, "late-worker")).toEqual([]);
    } finally {
      worker.kill("SIGKILL");
    }
  }, 120_000);

  it("is never changed again, whichever writer comes second", async () => {
    const record = await queuedRun(store, { dataset: "toy", model: "final", target: "label" });
    const ended = await runs.change(record.id, () => ({ status: "succeeded", modelVersion: "3" }));
    expect(ended).toMatchObject({ status: "succeeded", modelVersion: "3" });
    expect(await runs.change(record.id, () => ({ status: "running" }))).toBeUndefined();
    expect(await runs.failUnlessFinished(record.id, () => "too late")).toBeUndefined();
    expect(await runs.get(record.id)).toEqual(ended);
    expect(await runs.change("run-nope", () => ({ status: "running" }))).toBeUndefined();
  });
});
