/**
 * Publishes a model version into storage the way the registry lays it out: model.onnx first,
 * then model.json (with the ONNX's sha256) last, which is what makes the version exist.
 */
import { createHash } from "node:crypto";
import { layout } from "../../functions/lib/storage/layout.ts";
import type { NewModelRecord } from "../../functions/lib/storage/model-record.ts";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";

export const IRIS_FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"];

/** The first row of examples/iris.csv (a setosa) as a predict request body. */
export const IRIS_SETOSA = {
  sepal_length: 5.1,
  sepal_width: 3.5,
  petal_length: 1.4,
  petal_width: 0.2,
};

export function irisRecord(classes: string[]): NewModelRecord {
  return {
    task: "classification",
    features: IRIS_FEATURES.map((name) => ({ name, type: "number" as const })),
    target: "species",
    classes,
  };
}

export async function publishModel(
  store: ObjectStore,
  name: string,
  version: string,
  onnx: Uint8Array,
  record: NewModelRecord,
  options: { alias?: string } = {},
): Promise<void> {
  await store.putBytes(layout.modelOnnx(name, version), onnx, "application/octet-stream");
  const sha256 = createHash("sha256").update(onnx).digest("hex");
  await store.putJson(layout.modelMeta(name, version), { ...record, sha256 });
  if (options.alias) await store.putJson(layout.modelAliases(name), { [options.alias]: version });
}
