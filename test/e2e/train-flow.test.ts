import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IRIS_SETOSA } from "../support/models.ts";
import { type Spawned, startLocalPlatform } from "../support/processes.ts";

const TOKEN = "e2e-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };
let dataDir: string;
let platform: Spawned;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "skiff-train-e2e-"));
  ({ spawned: platform, base } = await startLocalPlatform(dataDir, {
    SKIFF_API_TOKEN: TOKEN,
    SKIFF_RUN_HEARTBEAT_MS: "500",
  }));
});

afterAll(() => {
  platform?.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** Reads the run's server-sent events until the `end` event; returns every event seen. */
async function watch(
  runId: string,
): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const res = await fetch(`${base}/train/runs/${runId}/events`, {
    headers: auth,
    signal: AbortSignal.timeout(60_000),
  });
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "{}") as Record<string, unknown>;
      events.push({ event, data });
      if (event === "end") return events;
      end = buffer.indexOf("\n\n");
    }
  }
  return events;
}

describe("upload a dataset, train, call the model (local platform)", () => {
  it("refuses train requests without the token", async () => {
    const res = await fetch(`${base}/train/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await json(res)).toEqual({
      error: { code: "unauthorized", message: "a valid bearer token is required" },
    });
  });

  it("walks the seed's flow: upload iris, train, watch, predict, promote", async () => {
    const upload = await fetch(`${base}/train/datasets/iris`, {
      method: "PUT",
      headers: { ...auth, "content-type": "text/csv" },
      body: readFileSync("examples/iris.csv"),
    });
    expect(upload.status).toBe(201);
    const dataset = await json(upload);
    expect(dataset).toMatchObject({ name: "iris", version: "1", rows: 150 });

    const refused = await fetch(`${base}/train/runs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ dataset: "iris", model: "iris", target: "colour" }),
    });
    expect(refused.status).toBe(400);
    expect(((await json(refused)).error as { message: string }).message).toMatch(
      /has no column "colour"/,
    );
    const missing = await fetch(`${base}/train/runs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ dataset: "wine", model: "wine", target: "quality" }),
    });
    expect(missing.status).toBe(404);

    const started = await fetch(`${base}/train/runs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ dataset: "iris", model: "iris", target: "species", params: { C: 1 } }),
    });
    expect(started.status).toBe(202);
    const run = await json(started);
    expect(run).toMatchObject({
      status: "queued",
      task: "classification",
      algorithm: "logistic_regression",
      datasetVersion: "1",
    });

    const events = await watch(run.id as string);
    const last = events.at(-1)?.data as {
      status: string;
      modelVersion: string;
      metrics: Record<string, number>;
      error?: string;
    };
    expect(last.error).toBeUndefined();
    expect(last.status).toBe("succeeded");
    expect(last.modelVersion).toBe("1");
    expect(last.metrics.accuracy).toBeGreaterThan(0.85);
    expect(events.some((e) => e.data.status === "running" || e.data.status === "queued")).toBe(
      true,
    );

    const listed = await json(
      await fetch(`${base}/train/runs?model=iris&status=succeeded`, { headers: auth }),
    );
    expect((listed.runs as Array<{ id: string }>).map((r) => r.id)).toEqual([run.id]);

    const predict = await fetch(`${base}/serve/models/iris/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(IRIS_SETOSA),
    });
    expect(predict.status).toBe(200);
    expect(await json(predict)).toMatchObject({ model: "iris", version: "1", label: "setosa" });

    const promote = await fetch(`${base}/train/models/iris/aliases/production`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ version: "1" }),
    });
    expect(await json(promote)).toEqual({ model: "iris", aliases: { production: "1" } });
    const catalogue = await json(await fetch(`${base}/info/models`));
    expect(catalogue.models).toEqual([
      expect.objectContaining({ name: "iris", aliases: { production: "1" } }),
    ]);
  });

  it("trains gradient boosting on the same dataset by name; both serve APIs answer with it", async () => {
    const started = await fetch(`${base}/train/runs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        dataset: "iris",
        model: "iris-trees",
        target: "species",
        algorithm: "gradient_boosting",
        params: { max_iter: 30, learning_rate: 0.2 },
      }),
    });
    expect(started.status).toBe(202);
    const run = await json(started);
    expect(run).toMatchObject({ task: "classification", algorithm: "gradient_boosting" });

    const events = await watch(run.id as string);
    const last = events.at(-1)?.data as {
      status: string;
      metrics: Record<string, number>;
      training: { rounds: number; featureImportances: Record<string, number> };
    };
    expect(last.status).toBe("succeeded");
    expect(last.metrics.accuracy).toBeGreaterThan(0.85);
    expect(last.training.rounds).toBe(30);
    expect(Object.keys(last.training.featureImportances).sort()).toEqual([
      "petal_length",
      "petal_width",
      "sepal_length",
      "sepal_width",
    ]);

    const named = await fetch(`${base}/serve/models/iris-trees/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(IRIS_SETOSA),
    });
    expect(named.status).toBe(200);
    const answer = await json(named);
    expect(answer).toMatchObject({ model: "iris-trees", version: "1", label: "setosa" });
    const v2 = await fetch(`${base}/serve/v2/models/iris-trees/infer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        inputs: Object.entries(IRIS_SETOSA).map(([name, value]) => ({
          name,
          shape: [1, 1],
          datatype: "FP32",
          data: [value],
        })),
      }),
    });
    expect(v2.status).toBe(200);
    const outputs = (await json(v2)).outputs as Array<{ name: string; data: unknown[] }>;
    expect(outputs.find((o) => o.name === "label")?.data).toEqual(["setosa"]);
    const probabilities = outputs.find((o) => o.name === "probabilities")?.data as number[];
    expect(probabilities[0]).toBeCloseTo((answer.probability as number) ?? 0, 6);
  });
});
