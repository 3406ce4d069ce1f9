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
 * The model is changed by splicing its protobuf encoding rather than by decoding and
 * re-encoding it: onnx-proto knows ONNX 1.10's schema, and a re-encode would silently drop
 * every field newer than that (skl2onnx today writes IR version 10).
 */
import onnxProto, { type onnx } from "onnx-proto";

const { ModelProto, NodeProto, OperatorSetIdProto, TensorProto, ValueInfoProto } = onnxProto.onnx;

const ML_DOMAIN = "ai.onnx.ml";

export interface TensorOutputs {
  /** The model to load: the input itself when nothing needed changing. */
  bytes: Uint8Array;
  /** What was changed, one sentence per output; empty when the model was already all tensors. */
  changes: string[];
}

// --- protobuf wire format: just enough to walk and rebuild a message's top-level fields ---

const LENGTH_DELIMITED = 2;

interface Field {
  number: number;
  /** The whole field, tag included: copied as is when the field is kept. */
  raw: Uint8Array;
  /** A length-delimited field's payload (an embedded message's own bytes). */
  payload: Uint8Array;
}

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let pos = at; pos < bytes.length && pos < at + 10; pos++) {
    const byte = bytes[pos] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos + 1];
    scale *= 128;
  }
  throw new Error("not an ONNX model: truncated varint");
}

function fieldsOf(message: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < message.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(message, pos);
    const wireType = tag % 8;
    pos = afterTag;
    let payloadStart = pos;
    if (wireType === 0) pos = readVarint(message, pos)[1];
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === LENGTH_DELIMITED) {
      const [length, afterLength] = readVarint(message, pos);
      payloadStart = afterLength;
      pos = afterLength + length;
    } else throw new Error(`not an ONNX model: wire type ${wireType}`);
    if (pos > message.length) throw new Error("not an ONNX model: field runs past the end");
    fields.push({
      number: Math.floor(tag / 8),
      raw: message.subarray(start, pos),
      payload: message.subarray(payloadStart, pos),
    });
  }
  return fields;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function messageField(number: number, payload: Uint8Array): Uint8Array {
  const head = [...varint(number * 8 + LENGTH_DELIMITED), ...varint(payload.length)];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// Field numbers from onnx.proto.
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;

// --- reading the graph ---

function decode(model: Uint8Array): onnx.ModelProto {
  try {
    return ModelProto.decode(model);
  } catch (error) {
    throw new Error(`not an ONNX model: ${(error as Error).message}`);
  }
}

function elemTypeName(elemType: number | null | undefined): string {
  return (elemType != null && TensorProto.DataType[elemType]?.toLowerCase()) || `type ${elemType}`;
}

/** ONNX's own notation, e.g. `seq(map(string,tensor(float)))`, for messages to people. */
function describeType(type: onnx.ITypeProto | null | undefined): string {
  if (!type) return "value of unknown type";
  if (type.tensorType) return `tensor(${elemTypeName(type.tensorType.elemType)})`;
  if (type.sparseTensorType)
    return `sparse_tensor(${elemTypeName(type.sparseTensorType.elemType)})`;
  if (type.sequenceType) return `seq(${describeType(type.sequenceType.elemType)})`;
  if (type.optionalType) return `optional(${describeType(type.optionalType.elemType)})`;
  if (type.mapType) {
    return `map(${elemTypeName(type.mapType.keyType)},${describeType(type.mapType.valueType)})`;
  }
  return "value of unknown type";
}

/** What onnxruntime-node cannot return. An output with no type is left to onnxruntime. */
function isNonTensor(type: onnx.ITypeProto | null | undefined): boolean {
  return Boolean(
    type && (type.sequenceType || type.mapType || type.optionalType || type.sparseTensorType),
  );
}

function isZipMap(node: onnx.INodeProto): boolean {
  return node.opType === "ZipMap" && node.domain === ML_DOMAIN;
}

function isDefaultDomain(domain: string | null | undefined): boolean {
  return !domain || domain === "ai.onnx";
}

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

const utf8 = new TextDecoder();

/** The class labels a node carries, as ZipMap and scikit-learn's classifiers spell them. */
function labelsOf(node: onnx.INodeProto): string[] | undefined {
  const strings = attribute(node, "classlabels_strings")?.strings;
  if (strings?.length) return strings.map((s) => utf8.decode(s));
  const ints =
    attribute(node, "classlabels_int64s")?.ints ?? attribute(node, "classlabels_ints")?.ints;
  if (ints?.length) return ints.map((i) => String(i));
  return undefined;
}

/** Every tensor name any node reads, subgraphs (If, Loop, Scan bodies) included. */
function namesRead(graph: onnx.IGraphProto, into = new Set<string>()): Set<string> {
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) into.add(input);
    for (const attr of node.attribute ?? []) {
      if (attr.g) namesRead(attr.g, into);
      for (const sub of attr.graphs ?? []) namesRead(sub, into);
    }
  }
  return into;
}

// --- the rewrite ---

interface Plan {
  /** Graph node index → its replacement (an Identity in place of the ZipMap). */
  replaceNodes: Map<number, onnx.INodeProto>;
  /** Graph output index → its replacement. */
  replaceOutputs: Map<number, onnx.IValueInfoProto>;
  /** value_info indexes to drop: they describe a name whose type changed. */
  dropValueInfo: Set<number>;
  changes: string[];
}

function planFor(graph: onnx.IGraphProto): Plan {
  const plan: Plan = {
    replaceNodes: new Map(),
    replaceOutputs: new Map(),
    dropValueInfo: new Set(),
    changes: [],
  };
  const nodes = graph.node ?? [];
  const read = namesRead(graph);

  (graph.output ?? []).forEach((output, index) => {
    if (!isNonTensor(output.type)) return;
    const name = output.name ?? "";
    const type = describeType(output.type);
    const producer = nodes.findIndex((n) => n.output?.includes(name));
    const node = nodes[producer];
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
    const probabilities = node.input?.[0];
    if (!probabilities) throw new Error(`model output "${name}": its ZipMap node has no input`);
    const classes = labelsOf(node)?.length;

    plan.replaceNodes.set(producer, {
      name: `${node.name || name}_as_tensor`,
      opType: "Identity",
      domain: "",
      input: [probabilities],
      output: [name],
      docString: "skiff: replaces ZipMap, whose sequence of maps onnxruntime-node cannot return",
    });
    plan.replaceOutputs.set(index, {
      name,
      type: {
        tensorType: {
          elemType: TensorProto.DataType.FLOAT,
          // No value for the row count: the batch size is whatever the caller sends.
          shape: { dim: [{}, classes === undefined ? {} : { dimValue: classes }] },
        },
      },
      docString: output.docString ?? "",
    });
    graph.valueInfo?.forEach((info, i) => {
      if (info.name === name) plan.dropValueInfo.add(i);
    });
    plan.changes.push(
      `${name}: ZipMap (${type}) replaced by its float tensor [N,${classes ?? "C"}]`,
    );
  });
  return plan;
}

function rewriteGraph(graphBytes: Uint8Array, plan: Plan): Uint8Array {
  const counters = new Map<number, number>();
  const parts: Uint8Array[] = [];
  for (const field of fieldsOf(graphBytes)) {
    const index = counters.get(field.number) ?? 0;
    counters.set(field.number, index + 1);
    const node = field.number === GRAPH_NODE ? plan.replaceNodes.get(index) : undefined;
    const output = field.number === GRAPH_OUTPUT ? plan.replaceOutputs.get(index) : undefined;
    if (node) parts.push(messageField(GRAPH_NODE, NodeProto.encode(node).finish()));
    else if (output) {
      parts.push(messageField(GRAPH_OUTPUT, ValueInfoProto.encode(output).finish()));
    } else if (!(field.number === GRAPH_VALUE_INFO && plan.dropValueInfo.has(index))) {
      parts.push(field.raw);
    }
  }
  return concat(parts);
}

/**
 * Returns the model with every non-tensor graph output that a ZipMap produces replaced by the
 * float probability tensor the ZipMap was given, under the same output name. Throws, naming the
 * output, when a non-tensor output comes from anything else: skiff could not return it.
 */
export function rewriteToTensorOutputs(model: Uint8Array): TensorOutputs {
  const decoded = decode(model);
  if (!decoded.graph) throw new Error("not an ONNX model: it has no graph");
  const plan = planFor(decoded.graph);
  if (plan.changes.length === 0) return { bytes: model, changes: [] };

  const parts: Uint8Array[] = [];
  let graphs = 0;
  for (const field of fieldsOf(model)) {
    if (field.number === MODEL_GRAPH) {
      graphs++;
      parts.push(messageField(MODEL_GRAPH, rewriteGraph(field.payload, plan)));
    } else parts.push(field.raw);
  }
  // Encoders write the graph as one field; merging split copies is not worth supporting.
  if (graphs !== 1) throw new Error(`cannot rewrite a model whose graph is in ${graphs} parts`);
  if (!decoded.opsetImport.some((o) => isDefaultDomain(o.domain))) {
    // Identity exists in every opset; 7 is the oldest onnxruntime fully supports (below it,
    // it warns and skips graph optimisations), and every IR version from 3 on allows it.
    const opset = OperatorSetIdProto.encode({ domain: "", version: 7 }).finish();
    parts.push(messageField(MODEL_OPSET_IMPORT, opset));
  }
  return { bytes: concat(parts), changes: plan.changes };
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
