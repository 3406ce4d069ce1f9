/**
 * Training a model name again: a run is refused when it would change the target, task or
 * features of what unpinned callers get, unless it says replace. The first version is trained
 * by the real job entry point on a real MinIO, so the comparison is against what a run writes.
 */
import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError } from "../../../../functions/lib/errors.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { uploadDataset } from "../../../../functions/train/datasets/upload.ts";
import { setAlias } from "../../../../functions/train/registry/aliases.ts";
import { publishVersion } from "../../../../functions/train/registry/versions.ts";
import { planRun, runRequestSchema } from "../../../../functions/train/runs/plan.ts";
import { irisRecord } from "../../../support/models.ts";
import { trainedRun } from "../../../support/runs.ts";
import { pythonModels } from "../../../support/serve.ts";
import { freshStore } from "../../../support/storage.ts";

const limits = { maxBytes: 1 << 20, maxDistinct: 1000 };
let store: ObjectStore;

const rows = [
  "x,y,z,label,size",
  ...Array.from(
    { length: 24 },
    (_, i) => `${i},${(i * 7) % 5},${i % 2 === 0},${i % 3 === 0 ? "a" : "b"},${i * 1.5}`,
  ),
];

const train = (request: Record<string, unknown>) => trainedRun(store, request);

async function refusal(request: Record<string, unknown>): Promise<Error> {
  const failure = await planRun(store, runRequestSchema.parse(request)).then(
    () => new Error("planned"),
    (error: unknown) => error as Error,
  );
  expect(failure).toBeInstanceOf(ConflictError);
  return failure;
}

beforeAll(async () => {
  store = await freshStore();
  await uploadDataset(store, "shop", Readable.from([Buffer.from(`${rows.join("\n")}\n`)]), limits);
  const first = await train({
    dataset: "shop",
    model: "shop",
    target: "label",
    features: ["x", "y"],
  });
  expect(first.status).toBe("succeeded");
});

describe("training a model name again", () => {
  it("takes a run with the same target, task and features", async () => {
    const again = await train({
      dataset: "shop",
      model: "shop",
      target: "label",
      features: ["x", "y"],
    });
    expect(again).toMatchObject({ status: "succeeded", modelVersion: "2" });
  });

  it("refuses another target, naming both", async () => {
    const error = await refusal({
      dataset: "shop",
      model: "shop",
      target: "size",
      features: ["x", "y"],
    });
    expect(error.message).toContain('target differs: existing "label", run "size"');
    expect(error.message).toContain('task differs: existing "classification", run "regression"');
    expect(error.message).toContain('"replace": true');
  });

  it("names every difference at once", async () => {
    const error = await refusal({
      dataset: "shop",
      model: "shop",
      target: "x",
      features: ["y", "size"],
    });
    expect(error.message).toContain('target differs: existing "label", run "x"');
    expect(error.message).toContain("features differ: existing [x, y], run [y, size]");
  });

  it("refuses other features, or the same ones in another order", async () => {
    const more = await refusal({
      dataset: "shop",
      model: "shop",
      target: "label",
      features: ["x", "y", "size"],
    });
    expect(more.message).toContain("features differ: existing [x, y], run [x, y, size]");
    const swapped = await refusal({
      dataset: "shop",
      model: "shop",
      target: "label",
      features: ["y", "x"],
    });
    expect(swapped.message).toContain("features differ: existing [x, y], run [y, x]");
    // The default features are every other column: not what version 1 takes either.
    await refusal({ dataset: "shop", model: "shop", target: "label" });
  });

  it("trains what the run asks once it says replace, and compares later runs with that", async () => {
    const replaced = await train({
      dataset: "shop",
      model: "shop",
      target: "size",
      features: ["x", "z"],
      replace: true,
    });
    expect(replaced.status).toBe("succeeded");
    const error = await refusal({
      dataset: "shop",
      model: "shop",
      target: "label",
      features: ["x", "y"],
    });
    expect(error.message).toContain('target differs: existing "size", run "label"');
  });

  it("compares with the version the production alias names, which is what unpinned callers get", async () => {
    // Versions 1 and 2 classify label from x, y; the newest regresses size from x, z.
    await setAlias(store, "shop", "production", "1");
    const plan = await planRun(
      store,
      runRequestSchema.parse({
        dataset: "shop",
        model: "shop",
        target: "label",
        features: ["x", "y"],
      }),
    );
    expect(plan.target).toBe("label");
  });

  it("compares feature types too", async () => {
    const { file, expected } = pythonModels();
    // A registered model whose x is a string: a run that trains x as an integer changes it.
    await publishVersion(store, "typed", file("iris.onnx"), {
      ...irisRecord(expected.iris.classes),
      target: "label",
      features: [
        { name: "x", type: "string" },
        { name: "y", type: "integer" },
      ],
    });
    const error = await refusal({
      dataset: "shop",
      model: "typed",
      target: "label",
      features: ["x", "y"],
    });
    expect(error.message).toContain('feature "x" type differs: existing string, run integer');
  });

  it("takes any run for a new model name", async () => {
    const plan = await planRun(
      store,
      runRequestSchema.parse({ dataset: "shop", model: "fresh", target: "size" }),
    );
    expect(plan.task).toBe("regression");
  });
});
