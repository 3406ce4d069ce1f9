/**
 * @module lib/onnx/tensor-outputs
 * Makes every graph output of an ONNX model a tensor, so onnxruntime-node can return it.
 *
 * scikit-learn classifiers exported with skl2onnx's defaults end in a ZipMap node whose output
 * is a sequence of maps (one `{label: probability}` per row). onnxruntime-node cannot hand such
 * a value to JavaScript: fetching it makes `session.run()` throw "Non tensor type is temporarily
 * not supported". ZipMap only reshapes the [N, C] float tensor it is given, so the rewrite
 * replaces it with an Identity of that tensor under the output's own name: callers still ask
 * for `output_probability` and get the same numbers, one row per input and one column per class
 * in the order of the ZipMap's labels.
 *
 * The model is decoded, changed and encoded again with the messages of the onnx.proto skiff
 * checks in (./proto). A field that proto does not know, from a newer onnx, survives as an
 * unknown field: protobuf-es writes it back as it was read.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  ModelProtoSchema,
  type NodeProto,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProto_DataTypeSchema,
  type TypeProto,
  ValueInfoProtoSchema,
} from "./proto/onnx_pb.ts";

const ML_DOMAIN = "ai.onnx.ml";

export interface TensorOutputs {
  /** The model to load: the input itself when nothing needed changing. */
  bytes: Uint8Array;
  /** What was changed, one sentence per output; empty when the model was already all tensors. */
  changes: string[];
}

// --- reading the graph ---

function decode(model: Uint8Array): ModelProto {
  try {
    return fromBinary(ModelProtoSchema, model);
  } catch (error) {
    throw new Error(`not an ONNX model: ${(error as Error).message}`);
  }
}

function elemTypeName(elemType: number): string {
  const known = TensorProto_DataTypeSchema.values.find((v) => v.number === elemType);
  return known?.name.toLowerCase() ?? `type ${elemType}`;
}

/** ONNX's own notation, e.g. `seq(map(string,tensor(float)))`, for messages to people. */
function describeType(type: TypeProto | undefined): string {
  const kind = type?.value;
  switch (kind?.case) {
    case "tensorType":
      return `tensor(${elemTypeName(kind.value.elemType)})`;
    case "sparseTensorType":
      return `sparse_tensor(${elemTypeName(kind.value.elemType)})`;
    case "sequenceType":
      return `seq(${describeType(kind.value.elemType)})`;
    case "optionalType":
      return `optional(${describeType(kind.value.elemType)})`;
    case "mapType":
      return `map(${elemTypeName(kind.value.keyType)},${describeType(kind.value.valueType)})`;
    default:
      return "value of unknown type";
  }
}

/** What onnxruntime-node cannot return. An output with no type is left to onnxruntime. */
function isNonTensor(type: TypeProto | undefined): boolean {
  const kind = type?.value.case;
  return (
    kind === "sequenceType" ||
    kind === "mapType" ||
    kind === "optionalType" ||
    kind === "sparseTensorType"
  );
}

function isZipMap(node: NodeProto): boolean {
  return node.opType === "ZipMap" && node.domain === ML_DOMAIN;
}

function isDefaultDomain(domain: string): boolean {
  return !domain || domain === "ai.onnx";
}

function attribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

const utf8 = new TextDecoder();

/** The class labels a node carries, as ZipMap and scikit-learn's classifiers spell them. */
function labelsOf(node: NodeProto): string[] | undefined {
  const strings = attribute(node, "classlabels_strings")?.strings;
  if (strings?.length) return strings.map((s) => utf8.decode(s));
  const ints =
    attribute(node, "classlabels_int64s")?.ints ?? attribute(node, "classlabels_ints")?.ints;
  if (ints?.length) return ints.map((i) => String(i));
  return undefined;
}

/** Every tensor name any node reads, subgraphs (If, Loop, Scan bodies) included. */
function namesRead(graph: GraphProto, into = new Set<string>()): Set<string> {
  for (const node of graph.node) {
    for (const input of node.input) into.add(input);
    for (const attr of node.attribute) {
      if (attr.g) namesRead(attr.g, into);
      for (const sub of attr.graphs) namesRead(sub, into);
    }
  }
  return into;
}

// --- the rewrite ---

/**
 * Replaces, in place, every ZipMap that produces a graph output by an Identity of its float
 * input, and answers what changed.
 */
function rewriteGraph(graph: GraphProto): string[] {
  const changes: string[] = [];
  const read = namesRead(graph);

  graph.output.forEach((output, index) => {
    if (!isNonTensor(output.type)) return;
    const { name } = output;
    const type = describeType(output.type);
    const producer = graph.node.findIndex((n) => n.output.includes(name));
    const node = graph.node[producer];
    if (!node || !isZipMap(node)) {
      const by = node ? `a ${node.domain ? `${node.domain}.` : ""}${node.opType} node` : "no node";
      throw new Error(
        `model output "${name}" is a ${type} produced by ${by}; skiff serves only tensor outputs`,
      );
    }
    // No standard operator accepts a sequence of maps, so in a valid model nothing reads them;
    // a graph that does is beyond what this rewrite can vouch for.
    if (read.has(name)) {
      throw new Error(
        `model output "${name}" is a ${type} from a ZipMap that other nodes also read; skiff serves only tensor outputs`,
      );
    }
    const probabilities = node.input[0];
    if (!probabilities) throw new Error(`model output "${name}": its ZipMap node has no input`);
    const classes = labelsOf(node)?.length;

    graph.node[producer] = create(NodeProtoSchema, {
      name: `${node.name || name}_as_tensor`,
      opType: "Identity",
      domain: "",
      input: [probabilities],
      output: [name],
      docString: "skiff: replaces ZipMap, whose sequence of maps onnxruntime-node cannot return",
    });
    graph.output[index] = create(ValueInfoProtoSchema, {
      name,
      type: {
        value: {
          case: "tensorType",
          value: {
            elemType: TensorProto_DataType.FLOAT,
            // No value for the row count: the batch size is whatever the caller sends.
            shape: {
              dim: [
                {},
                classes === undefined
                  ? {}
                  : { value: { case: "dimValue", value: BigInt(classes) } },
              ],
            },
          },
        },
      },
      docString: output.docString,
    });
    // What value_info says of the name describes the type it no longer has.
    graph.valueInfo = graph.valueInfo.filter((info) => info.name !== name);
    changes.push(`${name}: ZipMap (${type}) replaced by its float tensor [N,${classes ?? "C"}]`);
  });
  return changes;
}

/**
 * Returns the model with every non-tensor graph output that a ZipMap produces replaced by the
 * float probability tensor the ZipMap was given, under the same output name. Throws, naming the
 * output, when a non-tensor output comes from anything else: skiff could not return it.
 */
export function rewriteToTensorOutputs(model: Uint8Array): TensorOutputs {
  const decoded = decode(model);
  if (!decoded.graph) throw new Error("not an ONNX model: it has no graph");
  const changes = rewriteGraph(decoded.graph);
  if (changes.length === 0) return { bytes: model, changes: [] };

  if (!decoded.opsetImport.some((o) => isDefaultDomain(o.domain))) {
    // Identity exists in every opset; 7 is the oldest onnxruntime fully supports (below it,
    // it warns and skips graph optimisations), and every IR version from 3 on allows it.
    decoded.opsetImport.push(create(OperatorSetIdProtoSchema, { domain: "", version: 7n }));
  }
  return { bytes: toBinary(ModelProtoSchema, decoded), changes };
}

/**
 * The class labels of a classifier, in the order of its probability columns: the ZipMap's when
 * there is one, else those of the one classifier node that carries labels (which survives the
 * rewrite above). Integer labels come back as decimal strings. Undefined when the model carries
 * no labels or several different sets.
 */
export function classLabelsOf(model: Uint8Array): string[] | undefined {
  const nodes = decode(model).graph?.node ?? [];
  const zipMap = nodes.find(isZipMap);
  if (zipMap) return labelsOf(zipMap);
  const sets = new Map<string, string[]>();
  for (const node of nodes) {
    if (node.domain !== ML_DOMAIN) continue;
    const labels = labelsOf(node);
    if (labels) sets.set(JSON.stringify(labels), labels);
  }
  return sets.size === 1 ? [...sets.values()][0] : undefined;
}
