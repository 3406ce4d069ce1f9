/**
 * @module train/registry/bring-your-own
 * Registers a model trained elsewhere: its metadata is validated and the ONNX file is loaded in
 * onnxruntime, exactly as serve will load it, before anything is committed. A file that would
 * not serve is refused and leaves no version behind.
 */
import { InvalidRequestError } from "../../lib/errors.ts";
import { describeIssues } from "../../lib/http/error-handler.ts";
import { OnnxModel } from "../../lib/onnx/onnx-model.ts";
import { checkServable } from "../../lib/onnx/signature.ts";
import { newModelRecordSchema } from "../../lib/storage/model-record.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { publishVersion } from "./versions.ts";

export async function registerUploadedModel(
  store: ObjectStore,
  name: string,
  onnx: Uint8Array,
  metadata: unknown,
) {
  const parsed = newModelRecordSchema.safeParse(metadata);
  if (!parsed.success) throw new InvalidRequestError(describeIssues("metadata", parsed.error));
  let reasons: string[];
  try {
    const model = await OnnxModel.load({
      name,
      version: "1",
      record: { ...parsed.data, sha256: "0".repeat(64) },
      onnx,
    });
    try {
      reasons = checkServable(model);
    } finally {
      model.retire();
    }
  } catch (error) {
    throw new InvalidRequestError(`the model cannot be served: ${(error as Error).message}`);
  }
  // The same check serve makes before it loads a version: what registers also serves.
  if (reasons.length > 0) {
    throw new InvalidRequestError(`metadata does not fit the graph: ${reasons.join("; ")}`);
  }
  return publishVersion(store, name, onnx, parsed.data);
}
