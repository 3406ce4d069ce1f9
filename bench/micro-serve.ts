/**
 * Per-call costs of what one serve request does, measured in-process on the server core: the
 * onnxruntime run, validation, metrics, the access-log line, the prediction-log record, and the
 * whole Hono app without the network. Run by bench/profile-serve.ts (`taskset -c 0`) with the
 * SKIFF_S3_* settings of its MinIO in the environment; prints one JSON line.
 */
import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { pino } from "pino";
import { parseEnv } from "../functions/lib/config.ts";
import { Readiness } from "../functions/lib/http/health.ts";
import { createMetrics } from "../functions/lib/http/metrics.ts";
import { createLogger } from "../functions/lib/logger.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { createServeApp } from "../functions/serve/app.ts";
import { serveEnv } from "../functions/serve/config.ts";
import { decodeOutputs } from "../functions/serve/predict/decode.ts";
import { encodeInstances } from "../functions/serve/predict/encode.ts";
import { planFor } from "../functions/serve/predict/plan.ts";
import { PredictBody } from "../functions/serve/predict/schemas.ts";
import { setUpServe } from "../functions/serve/setup.ts";
import { InferRequest } from "../functions/serve/v2/schemas.ts";

export type MicroResult = Record<string, number>;

const results: MicroResult = {};

function timeSync(label: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < Math.ceil(n / 10); i++) fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) fn();
  results[label] = ((performance.now() - started) * 1000) / n;
}

async function timeAsync(label: string, n: number, fn: () => unknown): Promise<void> {
  for (let i = 0; i < Math.ceil(n / 10); i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  results[label] = ((performance.now() - started) * 1000) / n;
}

const rows = JSON.parse(process.env.BENCH_IRIS_ROWS ?? "[]") as number[][];
const features = JSON.parse(process.env.BENCH_IRIS_FEATURES ?? "[]") as string[];
const named = (row: number[]) => Object.fromEntries(features.map((f, i) => [f, row[i] as number]));
const one = named(rows[0] as number[]);
const batch = Array.from({ length: 64 }, (_, i) => named(rows[i % rows.length] as number[]));

function build(level: string, predictionLog: boolean) {
  const env = parseEnv(serveEnv, {
    ...process.env,
    PRELOAD_MODELS: "iris",
    SKIFF_LOG_LEVEL: level,
    SKIFF_PREDICTION_LOG_ENABLED: String(predictionLog),
  });
  // The cost of formatting and handing the line to the writer, without a reader on the far end.
  const logger = createLogger({
    fn: "serve",
    level,
    destination: pino.destination({ dest: "/dev/null", sync: false }),
  });
  const readiness = new Readiness();
  readiness.markStarted();
  const metrics = createMetrics();
  const deps = { logger, readiness, metrics };
  const parts = setUpServe(env, ObjectStore.fromEnv(env), deps);
  const app = createServeApp({
    ...deps,
    context: parts.context,
    jsonBodyLimitBytes: env.SKIFF_JSON_BODY_LIMIT,
  });
  return { app, parts, readiness, logger, metrics };
}

const served = build("info", true);
while (served.readiness.reason() !== undefined) await new Promise((r) => setTimeout(r, 20));
const { model } = await served.parts.context.registry.get("iris");
const plan = planFor(model);

const N = 20_000;
const feeds1 = encodeInstances(plan, [one], true);
const feeds64 = encodeInstances(plan, batch, false);
await timeAsync("ort run, 1 row (awaited one at a time)", N, () => model.run(feeds1));
await timeAsync("ort run, 64 rows", N / 4, () => model.run(feeds64));
{
  // Many runs in flight at once, as under load: shows whether the hand-off to onnxruntime's
  // thread overlaps with the main thread's work.
  const started = performance.now();
  const total = N;
  for (let i = 0; i < total / 32; i++)
    await Promise.all(Array.from({ length: 32 }, () => model.run(feeds1)));
  results["ort run, 1 row, 32 in flight (per run)"] =
    ((performance.now() - started) * 1000) / total;
}
const out1 = await model.run(feeds1);
timeSync("encode 1 named row", N, () => encodeInstances(plan, [one], true));
timeSync("decode 1 row", N, () => decodeOutputs(plan.output, out1, 1));
timeSync("encode 64 named rows", N / 4, () => encodeInstances(plan, batch, false));

const body1 = JSON.stringify(one);
const body64 = JSON.stringify({ instances: batch });
timeSync("JSON.parse named body, 1 row", N, () => JSON.parse(body1));
timeSync("zod PredictBody, 1 row", N, () => PredictBody.safeParse(one));
timeSync("zod PredictBody, 64 rows", N / 4, () => PredictBody.safeParse({ instances: batch }));
const v2one = {
  inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32", data: rows[0] }],
};
const v2batch = {
  inputs: [
    {
      name: "float_input",
      shape: [64, 4],
      datatype: "FP32",
      data: batch.flatMap((r) => Object.values(r)),
    },
  ],
};
timeSync("zod InferRequest, 1 row", N, () => InferRequest.safeParse(v2one));
timeSync("zod InferRequest, 64 rows", N / 4, () => InferRequest.safeParse(v2batch));
timeSync("JSON.parse named body, 64 rows", N / 4, () => JSON.parse(body64));

const labels = { fn: "serve", method: "POST", route: "/models/:name/predict", status: "200" };
timeSync("prom-client Histogram.observe (4 labels)", N * 5, () =>
  served.metrics.duration.observe(labels, 0.001),
);
timeSync("prom-client Counter.inc (4 labels)", N * 5, () => served.metrics.requests.inc(labels));
timeSync("prom-client inference Histogram.observe (2 labels)", N * 5, () =>
  served.parts.context.metrics.inference.observe({ model: "iris", version: "1" }, 0.0001),
);
const line = {
  requestId: randomUUID(),
  method: "POST",
  host: "127.0.0.1:8080",
  path: "/models/iris/predict",
  route: "/models/:name/predict",
  status: 200,
  durationMs: 0.412,
};
timeSync("pino info line (access log), async to /dev/null", N * 2, () =>
  served.logger.info(line, "request"),
);
timeSync("crypto.randomUUID", N * 5, () => randomUUID());
const record = {
  requestId: line.requestId,
  time: new Date().toISOString(),
  model: "iris",
  version: "1",
  api: "predict",
  inputs: [one],
  status: 200,
  latencyMs: 0.3,
  outputs: decodeOutputs(plan.output, out1, 1),
};
timeSync("JSON.stringify prediction record, 1 row", N, () => JSON.stringify(record));
timeSync("new Date().toISOString()", N * 5, () => new Date().toISOString());

// The whole app without the network, against a bare Hono app through the same entry.
// app.request() builds a full web Request, so every body here is read through undici's web
// streams: what @hono/node-server also does once something touches c.req.raw.body.
const bare = new Hono();
bare.post("/", (c) => c.json({ ok: true }));
bare.post("/json", async (c) => c.json({ ok: true, got: await c.req.json() }));
// Content-Length as a real client sends it: without it hono's body limit counts the stream.
const init = (body: string): RequestInit => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  },
  body,
});
await timeAsync("bare Hono app.request", N, () => bare.request("/", init(body1)));
await timeAsync("bare Hono app.request reading the JSON body", N, () =>
  bare.request("/json", init(body1)),
);
await timeAsync("serve app.request named predict, 1 row", N, () =>
  served.app.request("/models/iris/predict", init(body1)),
);
const quiet = build("warn", false);
while (quiet.readiness.reason() !== undefined) await new Promise((r) => setTimeout(r, 20));
await timeAsync("serve app.request, access log and prediction log off", N, () =>
  quiet.app.request("/models/iris/predict", init(body1)),
);

served.parts.context.registry.close();
quiet.parts.context.registry.close();
await served.parts.context.log?.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
process.exit(0);
