/**
 * The train function as a real process (inline executor) started over runs an earlier process
 * left in storage: its queue lived in that process's memory and its jobs were its children.
 */
import { Readable } from "node:stream";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { uploadDataset } from "../../../../functions/train/datasets/upload.ts";
import { RESTARTED_WHILE_RUNNING } from "../../../../functions/train/runs/recovery.ts";
import type { RunRecord } from "../../../../functions/train/runs/run-record.ts";
import { RunStore } from "../../../../functions/train/runs/run-store.ts";
import { type Spawned, startTrainProcess } from "../../../support/processes.ts";
import { queuedRun } from "../../../support/runs.ts";
import { freshStore } from "../../../support/storage.ts";

const TOKEN = "restart-test-token-0123456789";
let store: ObjectStore;
let runs: RunStore;
let spawned: Spawned | undefined;

afterEach(() => {
  spawned?.child.kill("SIGKILL");
  spawned = undefined;
});

beforeAll(async () => {
  store = await freshStore();
  runs = new RunStore(store);
  const csv = ["x,y,label", "1,2,a", "2,1,b", "3,3,a", "4,1,b", "5,2,a", "6,6,b", "7,1,a", "8,8,b"];
  await uploadDataset(store, "toy", Readable.from([Buffer.from(`${csv.join("\n")}\n`)]), {
    maxBytes: 1 << 30,
    maxDistinct: 1000,
  });
});

/** A run as the earlier process left it in storage. */
function leftBehind(model: string, fields: Partial<RunRecord>): Promise<RunRecord> {
  return queuedRun(store, { dataset: "toy", model, target: "label" }, fields);
}

async function startTrain(): Promise<string> {
  const train = await startTrainProcess(store.bucket, {
    SKIFF_API_TOKEN: TOKEN,
    SKIFF_RUN_EXECUTOR: "inline",
    SKIFF_RUN_CONCURRENCY: "1",
  });
  spawned = train.spawned;
  return `http://127.0.0.1:${train.port}`;
}

async function runOf(base: string, id: string): Promise<RunRecord> {
  const res = await fetch(`${base}/runs/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as RunRecord;
}

async function untilEnded(base: string, id: string, ms = 60_000): Promise<RunRecord> {
  const deadline = Date.now() + ms;
  for (;;) {
    const run = await runOf(base, id);
    if (run.status === "succeeded" || run.status === "failed" || Date.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("train started over runs an earlier process left", () => {
  it("runs the queued ones to success, oldest first, and fails the one left running at once", async () => {
    const twoHoursAgo = new Date(Date.now() - 7_200_000).toISOString();
    // Queued longer than the queue timeout: taken up, not timed out.
    const first = await leftBehind("restart-first", { createdAt: twoHoursAgo });
    const second = await leftBehind("restart-second", {});
    // Its worker died with the process a moment ago: its heartbeat is still fresh.
    const orphan = await leftBehind("restart-orphan", {
      status: "running",
      startedAt: new Date().toISOString(),
      heartbeatAt: new Date().toISOString(),
      progress: { fraction: 0.4, message: "training" },
    });

    const base = await startTrain();
    // At once: well before its heartbeat could go stale (SKIFF_RUN_LEASE_MS, 60 s).
    const failed = await untilEnded(base, orphan.id, 5000);
    expect(failed).toMatchObject({ status: "failed", error: RESTARTED_WHILE_RUNNING });

    const done = [await untilEnded(base, first.id), await untilEnded(base, second.id)];
    expect(done.map((r) => [r.status, r.error, r.modelVersion])).toEqual([
      ["succeeded", undefined, "1"],
      ["succeeded", undefined, "1"],
    ]);
    expect(Date.parse(done[0]?.startedAt ?? "")).toBeLessThan(Date.parse(done[1]?.startedAt ?? ""));
    expect(await runOf(base, orphan.id)).toEqual(failed);
  }, 120_000);

  it("takes up what a killed process had queued behind a running run", async () => {
    let base = await startTrain();
    const start = async (model: string) => {
      const res = await fetch(`${base}/runs`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ dataset: "toy", model, target: "label" }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as RunRecord).id;
    };
    // Three at once with one slot: the last ones wait in the process's memory.
    const ids = [await start("killed-a"), await start("killed-b"), await start("killed-c")];
    spawned?.child.kill("SIGKILL");
    await spawned?.exited;
    const left = await Promise.all(ids.map((id) => runs.get(id)));
    expect(left.some((r) => r.status === "queued")).toBe(true);

    base = await startTrain();
    const ended = await Promise.all(ids.map((id) => untilEnded(base, id)));
    for (const run of ended) {
      // A run that was running when the process died may have finished before the restart (its
      // job is a child that outlives a SIGKILL of its parent) or be failed with the reason.
      if (run.status === "failed") expect(run.error).toBe(RESTARTED_WHILE_RUNNING);
      else expect(run.status).toBe("succeeded");
    }
    const queuedAtKill = ids.filter((_, i) => left[i]?.status === "queued");
    for (const id of queuedAtKill)
      expect(ended.find((r) => r.id === id)).toMatchObject({ status: "succeeded" });
  }, 120_000);
});
