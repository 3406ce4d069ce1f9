/**
 * @module test/integration/lib/onnx/tensor-outputs
 * The ZipMap rewrite against real skl2onnx exports and the real onnxruntime-node: what fails
 * without it, that the rewritten model answers exactly what scikit-learn predicts, that models
 * already made of tensors pass through untouched, and that other non-tensor outputs are refused.
 */
import {
  create,
  type DescMessage,
  fromBinary,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  AttributeProto_AttributeType,
  type GraphProtoSchema,
  ModelProtoSchema,
  type NodeProtoSchema,
  type OperatorSetIdProtoSchema,
  TensorProto_DataType,
  type TypeProtoSchema,
  type ValueInfoProtoSchema,
} from "../../../../functions/lib/onnx/proto/onnx_pb.ts";
import {
  classLabelsOf,
  rewriteToTensorOutputs,
} from "../../../../functions/lib/onnx/tensor-outputs.ts";
import { sessionLoader } from "../../../support/onnx-sessions.ts";
import { pythonModels } from "../../../support/serve.ts";

type Init<Schema extends DescMessage> = MessageInitShape<Schema>;

const { file: modelFile, expected } = pythonModels();

const load = sessionLoader();

function batch(rows: number[][]): ort.Tensor {
  const width = rows[0]?.length ?? 0;
  return new ort.Tensor("float32", Float32Array.from(rows.flat()), [rows.length, width]);
}

/** A row-major [N, C] tensor as N rows. */
function rowsOf(tensor: ort.Tensor): number[][] {
  const [n = 0, c = 0] = tensor.dims;
  const data = Array.from(tensor.data as Float32Array);
  return Array.from({ length: n }, (_, i) => data.slice(i * c, (i + 1) * c));
}

function closeTo(actual: number[][], wanted: number[][], tolerance: number): void {
  expect(actual.length).toBe(wanted.length);
  actual.forEach((row, i) => {
    row.forEach((value, j) => {
      expect(Math.abs(value - (wanted[i]?.[j] ?? Number.NaN))).toBeLessThanOrEqual(tolerance);
    });
  });
}

describe("scikit-learn classifier exported with ZipMap (iris-zipmap.onnx)", () => {
  const original = modelFile("iris-zipmap.onnx");

  it("cannot be run as exported: onnxruntime-node refuses to return ZipMap's sequence of maps", async () => {
    const session = await load(original);
    await expect(session.run({ float_input: batch(expected.iris.rows) })).rejects.toThrow(
      /Non tensor type is temporarily not supported/,
    );
  });

  it("after the rewrite, answers scikit-learn's labels and probabilities under the same output names", async () => {
    const { bytes, changes } = rewriteToTensorOutputs(original);
    expect(changes).toEqual([
      "output_probability: ZipMap (seq(map(string,tensor(float)))) replaced by its float tensor [N,3]",
    ]);

    const session = await load(bytes);
    expect(session.outputNames).toEqual(["output_label", "output_probability"]);
    const probability = session.outputMetadata.find((m) => m.name === "output_probability");
    expect(probability).toMatchObject({ isTensor: true, type: "float32" });
    expect(probability?.isTensor && probability.shape[1]).toBe(3);

    const result = await session.run({ float_input: batch(expected.iris.rows) });
    expect(result.output_label?.data).toEqual(expected.iris.labels);
    const probabilities = result.output_probability;
    if (!probabilities) throw new Error("no output_probability in the result");
    expect(probabilities.dims).toEqual([expected.iris.rows.length, 3]);
    closeTo(rowsOf(probabilities), expected.iris.probabilities, 1e-5);
  });

  it("names its classes in the order of the probability columns, before and after the rewrite", () => {
    expect(expected.iris.classes).toEqual(["setosa", "versicolor", "virginica"]);
    expect(classLabelsOf(original)).toEqual(expected.iris.classes);
    expect(classLabelsOf(rewriteToTensorOutputs(original).bytes)).toEqual(expected.iris.classes);
  });
});

describe("models whose outputs are already tensors", () => {
  it("iris.onnx (zipmap=False) comes back as the same bytes, and predicts as scikit-learn does", async () => {
    const original = modelFile("iris.onnx");
    const { bytes, changes } = rewriteToTensorOutputs(original);
    expect(changes).toEqual([]);
    expect(bytes).toBe(original);
    expect(classLabelsOf(original)).toEqual(expected.iris.classes);

    const session = await load(bytes);
    const result = await session.run({ float_input: batch(expected.iris.rows) });
    expect(result.label?.data).toEqual(expected.iris.labels);
    const probabilities = result.probabilities;
    if (!probabilities) throw new Error("no probabilities in the result");
    closeTo(rowsOf(probabilities), expected.iris.probabilities, 1e-5);
  });

  it("diabetes.onnx (a regression) comes back as the same bytes, and predicts as scikit-learn does", async () => {
    const original = modelFile("diabetes.onnx");
    const { bytes, changes } = rewriteToTensorOutputs(original);
    expect(changes).toEqual([]);
    expect(bytes).toBe(original);
    expect(classLabelsOf(original)).toBeUndefined();

    const session = await load(bytes);
    const result = await session.run({ float_input: batch(expected.diabetes.rows) });
    const values = Array.from(result.variable?.data as Float32Array);
    expect(values).toHaveLength(expected.diabetes.values.length);
    values.forEach((value, i) => {
      const wanted = expected.diabetes.values[i] ?? Number.NaN;
      expect(Math.abs(value - wanted)).toBeLessThanOrEqual(1e-4 * Math.abs(wanted));
    });
  });
});

describe("hand-built graphs", () => {
  const FLOAT = TensorProto_DataType.FLOAT;
  const tensorOf = (elemType: number) => ({ case: "tensorType" as const, value: { elemType } });
  const floatMatrix = (name: string, columns: number): Init<typeof ValueInfoProtoSchema> => ({
    name,
    type: {
      value: {
        case: "tensorType",
        value: {
          elemType: FLOAT,
          shape: {
            dim: [
              { value: { case: "dimParam", value: "N" } },
              { value: { case: "dimValue", value: BigInt(columns) } },
            ],
          },
        },
      },
    },
  });
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const zipMap = (input: string, output: string): Init<typeof NodeProtoSchema> => ({
    opType: "ZipMap",
    domain: "ai.onnx.ml",
    input: [input],
    output: [output],
    attribute: [
      {
        name: "classlabels_strings",
        type: AttributeProto_AttributeType.STRINGS,
        strings: ["no", "yes"].map(utf8),
      },
    ],
  });
  const mapsType: Init<typeof TypeProtoSchema> = {
    value: {
      case: "sequenceType",
      value: {
        elemType: {
          value: {
            case: "mapType",
            value: {
              keyType: TensorProto_DataType.STRING,
              valueType: { value: tensorOf(FLOAT) },
            },
          },
        },
      },
    },
  };
  const encode = (
    graph: Init<typeof GraphProtoSchema>,
    opsets: Init<typeof OperatorSetIdProtoSchema>[],
  ) =>
    toBinary(
      ModelProtoSchema,
      create(ModelProtoSchema, { irVersion: 8n, opsetImport: opsets, graph }),
    );

  it("a sequence output that no ZipMap produces is refused, naming the output", () => {
    const model = encode(
      {
        name: "sequence",
        input: [floatMatrix("x", 2)],
        node: [{ opType: "SequenceConstruct", input: ["x", "x"], output: ["pair"] }],
        output: [
          {
            name: "pair",
            type: {
              value: { case: "sequenceType", value: { elemType: { value: tensorOf(FLOAT) } } },
            },
          },
        ],
      },
      [{ domain: "", version: 15n }],
    );
    expect(() => rewriteToTensorOutputs(model)).toThrow(
      'model output "pair" is a seq(tensor(float)) produced by a SequenceConstruct node; skiff serves only tensor outputs',
    );
  });

  it("a ZipMap whose maps other nodes also read is refused, naming the output", () => {
    const model = encode(
      {
        name: "shared-zipmap",
        input: [floatMatrix("x", 2)],
        node: [
          zipMap("x", "maps"),
          { opType: "SequenceLength", input: ["maps"], output: ["count"] },
        ],
        output: [
          { name: "maps", type: mapsType },
          { name: "count", type: { value: tensorOf(TensorProto_DataType.INT64) } },
        ],
      },
      [
        { domain: "", version: 15n },
        { domain: "ai.onnx.ml", version: 1n },
      ],
    );
    expect(() => rewriteToTensorOutputs(model)).toThrow(
      'model output "maps" is a seq(map(string,tensor(float))) from a ZipMap that other nodes also read',
    );
  });

  it("a graph importing only ai.onnx.ml gets the default domain it needs for the replacement", async () => {
    const model = encode(
      {
        name: "ml-only",
        input: [floatMatrix("x", 2)],
        node: [zipMap("x", "probabilities")],
        output: [{ name: "probabilities", type: mapsType }],
      },
      [{ domain: "ai.onnx.ml", version: 1n }],
    );
    const { bytes } = rewriteToTensorOutputs(model);
    expect(fromBinary(ModelProtoSchema, bytes).opsetImport.map((o) => o.domain)).toEqual([
      "ai.onnx.ml",
      "",
    ]);
    const session = await load(bytes);
    const x = Float32Array.from([0.25, 0.75, 0.9, 0.1]);
    const result = await session.run({ x: new ort.Tensor("float32", x, [2, 2]) });
    expect(result.probabilities?.dims).toEqual([2, 2]);
    expect(result.probabilities?.data).toEqual(x);
  });

  it("bytes that are not a model are refused as such", () => {
    expect(() => rewriteToTensorOutputs(utf8("not a model at all"))).toThrow(/not an ONNX model/);
  });
});
