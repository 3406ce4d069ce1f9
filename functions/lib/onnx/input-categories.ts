/**
 * @module lib/onnx/input-categories
 * The categories a graph one-hot encodes straight from one of its inputs (an ai.onnx.ml
 * OneHotEncoder reading a graph input, as skiff's trainers export categorical features). A value
 * outside them encodes as all zeros: the model still answers, as if the feature were missing,
 * and serve says so in a warning instead of passing it by silently.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { ModelProtoSchema } from "./proto/onnx_pb.ts";

const utf8 = new TextDecoder();

/** Graph input name → the categories it is one-hot encoded over. */
export function inputCategoriesOf(model: Uint8Array): Map<string, ReadonlySet<string>> {
  const graph = fromBinary(ModelProtoSchema, model).graph;
  const inputs = new Set((graph?.input ?? []).map((i) => i.name));
  const categories = new Map<string, ReadonlySet<string>>();
  for (const node of graph?.node ?? []) {
    const input = node.input[0];
    if (node.opType !== "OneHotEncoder" || node.domain !== "ai.onnx.ml") continue;
    if (input === undefined || !inputs.has(input)) continue;
    const strings = node.attribute.find((a) => a.name === "cats_strings")?.strings;
    if (!strings?.length) continue;
    // Two encoders on one input: a value either knows is known.
    const known = new Set(categories.get(input) ?? []);
    for (const s of strings) known.add(utf8.decode(s));
    categories.set(input, known);
  }
  return categories;
}
