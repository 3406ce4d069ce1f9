/**
 * The lean route serve's throughput targets were set against: Hono, zod and onnxruntime-node
 * through its public API, and nothing else (no request id, access log, metrics, prediction log,
 * model registry, batching or error mapping). bench/serve.ts measures it beside the bare route,
 * so its report shows how much of serve's gap to the bare route is running a model at all and
 * how much is what serve does around it. Settings: LEAN_ONNX (a path), LEAN_FEATURES (a JSON
 * array of the input's column names, in order), PORT.
 */
import { readFileSync } from "node:fs";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import * as ort from "onnxruntime-node";
import { z } from "zod";

const features = JSON.parse(process.env.LEAN_FEATURES ?? "[]") as string[];
const session = await ort.InferenceSession.create(readFileSync(process.env.LEAN_ONNX ?? ""));
const [inputName = ""] = session.inputNames;
const [labelName = "", probabilitiesName = ""] = session.outputNames;
const Row = z.object(Object.fromEntries(features.map((f) => [f, z.number()])));

const app = new Hono();
app.post("/", async (c) => {
  const parsed = Row.safeParse(await c.req.json());
  if (!parsed.success) return c.json({ error: parsed.error.message }, 400);
  const row = Float32Array.from(features, (f) => parsed.data[f] as number);
  const out = await session.run({ [inputName]: new ort.Tensor("float32", row, [1, row.length]) });
  return c.json({
    label: out[labelName]?.data[0],
    probabilities: Array.from(out[probabilitiesName]?.data as Float32Array),
  });
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: "127.0.0.1" });
