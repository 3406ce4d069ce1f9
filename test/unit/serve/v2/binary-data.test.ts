import { Tensor } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import {
  BinaryTail,
  splitBinaryBody,
  tensorBytes,
  tensorData,
} from "../../../../functions/serve/v2/binary-data.ts";

describe("binary tensor data", () => {
  it("splits a body into its JSON and the bytes after it", () => {
    const body = Buffer.concat([Buffer.from('{"a":"é"}'), Buffer.from([1, 2, 3])]);
    const { json, tail } = splitBinaryBody(body, String(Buffer.byteLength('{"a":"é"}')));
    expect(json).toEqual({ a: "é" });
    expect([...tail]).toEqual([1, 2, 3]);
    expect(() => splitBinaryBody(body, "2")).toThrow(
      /^the JSON part of the body \(its first 2 bytes\) is not valid JSON/,
    );
  });

  it("reads numbers, BOOL and BYTES as the extension lays them out, and writes them back the same", () => {
    const int64 = new BigInt64Array([1n, -2n, 9007199254740993n]);
    const bytes = new Uint8Array(int64.buffer);
    const read = tensorData("int64", bytes, 3, "input x") as BigInt64Array;
    expect([...read]).toEqual([1n, -2n, 9007199254740993n]);
    expect(tensorBytes(new Tensor("int64", read, [3]))).toEqual(bytes);

    expect([...(tensorData("bool", new Uint8Array([0, 1, 1]), 3, "b") as Uint8Array)]).toEqual([
      0, 1, 1,
    ]);
    expect(() => tensorData("bool", new Uint8Array([0, 2]), 2, "input b")).toThrow(
      "input b: BOOL element 1 is byte 2, not 0 or 1",
    );

    const strings = ["setosa", "", "virginica ✿"];
    const encoded = tensorBytes(new Tensor("string", strings, [3]));
    expect(Buffer.from(encoded).readUInt32LE(0)).toBe(6);
    expect(tensorData("string", encoded, 3, "s")).toEqual(strings);
    expect(() => tensorData("string", encoded, 2, "input s")).toThrow(
      "input s: BYTES data holds more than the 2 elements of its shape",
    );
    expect(() => tensorData("string", encoded.subarray(0, 12), 3, "input s")).toThrow(
      /^input s: BYTES element 1 runs past its data|^input s: BYTES data ends before element/,
    );
    const notText = Buffer.from([2, 0, 0, 0, 0xff, 0xfe]);
    expect(() => tensorData("string", notText, 1, "input s")).toThrow(
      "input s: BYTES element 0 is not UTF-8 text",
    );
  });

  it("hands out the tail tensor by tensor and refuses what does not add up", () => {
    const tail = new BinaryTail(new Uint8Array([1, 2, 3, 4, 5]));
    expect([...tail.take(2, "input a")]).toEqual([1, 2]);
    expect(() => tail.take(4, "input b")).toThrow(
      "input b: binary_data_size 4 runs past the end of the body (3 bytes left)",
    );
    expect([...tail.take(1, "input b")]).toEqual([3]);
    expect(() => tail.finish()).toThrow(/^2 bytes follow the last binary tensor/);
    expect(() => tail.take(-1, "input c")).toThrow(
      "input c: binary_data_size must be a whole number of bytes",
    );
  });
});
