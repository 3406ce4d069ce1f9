/**
 * Names from data (columns, classes, inputs) are data on every path: a model trained on columns
 * called constructor, __proto__ and toString, with classes called __proto__ and constructor,
 * trains, serves and answers on both APIs like any other.
 */
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadDataset } from "../../../functions/train/datasets/upload.ts";
import { planRun, runRequestSchema } from "../../../functions/train/runs/plan.ts";
import { trainedRun } from "../../support/runs.ts";
import { startServe } from "../../support/serve.ts";
import { freshStore } from "../../support/storage.ts";

let serve: Awaited<ReturnType<typeof startServe>>;

const header = "constructor,__proto__,toString,label";
const rows = Array.from({ length: 40 }, (_, i) => {
  const label = i % 2 === 0 ? "__proto__" : "constructor";
  return `${i % 2 === 0 ? i : -i},${i % 5},${i % 3 === 0 ? "valueOf" : "hasOwnProperty"},${label}`;
});

beforeAll(async () => {
  const store = await freshStore();
  await uploadDataset(
    store,
    "proto",
    Readable.from([Buffer.from(`${[header, ...rows].join("\n")}\n`)]),
    {
      maxBytes: 1 << 20,
      maxDistinct: 1000,
    },
  );
  const done = await trainedRun(store, { dataset: "proto", model: "proto", target: "label" });
  expect(done.status, done.error).toBe("succeeded");
  serve = await startServe({}, store);
});
afterAll(() => serve?.close());

describe("names that Object.prototype also has", () => {
  it("answers named predict with every class, whatever the classes are called", async () => {
    // As text: an object literal's __proto__ would set its prototype instead of a key.
    const res = await serve.post(
      "/models/proto/predict",
      '{"constructor": 4, "__proto__": 1, "toString": "valueOf"}',
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { label: string; probabilities: Record<string, number> };
    expect(Object.keys(body.probabilities).sort()).toEqual(["__proto__", "constructor"]);
    expect(["__proto__", "constructor"]).toContain(body.label);
    expect(body.probabilities[body.label]).toBeGreaterThan(0.5);
  });

  it("reads a missing feature called constructor as missing, not as Object's constructor", async () => {
    const missing = await serve.post(
      "/models/proto/predict",
      '{"__proto__": 1, "toString": "valueOf"}',
    );
    const nulled = await serve.post(
      "/models/proto/predict",
      '{"constructor": null, "__proto__": 1, "toString": "valueOf"}',
    );
    expect(missing.status, await missing.clone().text()).toBe(200);
    const a = (await missing.json()) as { probabilities: unknown };
    const b = (await nulled.json()) as { probabilities: unknown };
    expect(a.probabilities).toEqual(b.probabilities);
  });

  it("takes v2 inputs named after those features once each", async () => {
    const meta = (await (await serve.app.request("/v2/models/proto")).json()) as {
      inputs: Array<{ name: string; datatype: string; shape: number[] }>;
    };
    const values = new Map<string, unknown>([
      ["constructor", 4],
      ["__proto__", 1],
      ["toString", "valueOf"],
    ]);
    const inputs = meta.inputs.map((input) => ({
      name: input.name,
      datatype: input.datatype,
      shape: [1, ...input.shape.slice(1)],
      data: [values.get(input.name) ?? 0],
    }));
    expect(inputs.map((i) => i.name).sort()).toEqual(["__proto__", "constructor", "toString"]);
    const res = await serve.post("/v2/models/proto/infer", JSON.stringify({ inputs }));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("refuses a training parameter called __proto__ as unknown instead of inheriting from it", async () => {
    const request = JSON.parse(
      '{"dataset": "proto", "model": "proto", "target": "label", "params": {"__proto__": {"C": 100}}}',
    );
    await expect(planRun(serve.store, runRequestSchema.parse(request))).rejects.toThrow(
      /^params: unknown parameter "__proto__" for logistic_regression/,
    );
  });
});
