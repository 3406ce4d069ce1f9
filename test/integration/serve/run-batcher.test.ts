import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NativeSession } from "../../../functions/lib/onnx/native-session.ts";
import { RunBatcher, type SessionRun } from "../../../functions/serve/run-batcher.ts";
import { pythonModels } from "../../support/serve.ts";

const { file, expected } = pythonModels();
const { rows, labels, probabilities } = expected.iris;
let session: NativeSession;
// skl2onnx names them: the label first, then the probabilities.
let LABEL = "";
let PROBA = "";
let OUTPUTS: string[] = [];

beforeAll(() => {
  session = NativeSession.create(file("iris.onnx"), {});
  [LABEL = "", PROBA = ""] = session.outputNames;
  OUTPUTS = [LABEL, PROBA];
});
afterAll(() => {
  session.release();
});

/** The real session, with a record of how many rows each call to onnxruntime carried. */
function counted(): { run: SessionRun; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    run: (feeds, names) => {
      calls.push((feeds.float_input as ort.Tensor).dims[0] as number);
      return session.run(feeds, names);
    },
  };
}

const feedsOf = (batch: number[][]) => ({
  float_input: new ort.Tensor("float32", Float32Array.from(batch.flat()), [batch.length, 4]),
});

function expectIrisAnswers(outputs: Record<string, ort.Tensor>, first: number, count: number) {
  const label = outputs[LABEL] as ort.Tensor;
  const proba = outputs[PROBA] as ort.Tensor;
  expect(label.dims).toEqual([count]);
  expect(proba.dims).toEqual([count, 3]);
  for (let i = 0; i < count; i++) {
    expect(String(label.data[i])).toBe(labels[first + i]);
    const own = Array.from(proba.data as Float32Array).slice(i * 3, i * 3 + 3);
    own.forEach((p, k) => {
      expect(p).toBeCloseTo((probabilities[first + i] as number[])[k] as number, 5);
    });
  }
}

describe("dynamic batching of model runs", () => {
  it("runs requests that arrive together as one run and gives each its own rows", async () => {
    const { run, calls } = counted();
    const batcher = new RunBatcher(run, 256);
    const answers = await Promise.all(rows.map((row) => batcher.run(feedsOf([row]), OUTPUTS)));
    answers.forEach((outputs, i) => {
      expectIrisAnswers(outputs, i, 1);
    });
    expect(calls).toEqual([rows.length]);
  });

  it("keeps multi-row requests together and in order, and never stacks more than the bound", async () => {
    const { run, calls } = counted();
    const batcher = new RunBatcher(run, 8);
    const starts = [0, 3, 6, 9, 12];
    const answers = await Promise.all(
      starts.map((s) => batcher.run(feedsOf(rows.slice(s, s + 3)), OUTPUTS)),
    );
    answers.forEach((outputs, i) => {
      expectIrisAnswers(outputs, starts[i] as number, 3);
    });
    // 3 + 3 fit in 8, a third request would not: chunks of 6, 6 and 3 rows.
    expect(calls).toEqual([6, 6, 3]);
  });

  it("stacks only requests that fetch the same outputs", async () => {
    const { run, calls } = counted();
    const batcher = new RunBatcher(run, 256);
    const [both, labelOnly, both2] = await Promise.all([
      batcher.run(feedsOf([rows[0] as number[]]), OUTPUTS),
      batcher.run(feedsOf([rows[1] as number[]]), [LABEL]),
      batcher.run(feedsOf([rows[2] as number[]]), OUTPUTS),
    ]);
    expectIrisAnswers(both as Record<string, ort.Tensor>, 0, 1);
    expectIrisAnswers(both2 as Record<string, ort.Tensor>, 2, 1);
    expect(Object.keys(labelOnly as object)).toEqual([LABEL]);
    expect(String(((labelOnly as Record<string, ort.Tensor>)[LABEL] as ort.Tensor).data[0])).toBe(
      labels[1],
    );
    expect(calls.sort()).toEqual([1, 2]);
  });

  it("when a shared run fails, runs each request alone: only the failing one gets the error", async () => {
    const calls: number[] = [];
    // onnxruntime itself, refusing any run that contains a negative value: one request's input.
    const run: SessionRun = (feeds, names) => {
      const data = (feeds.float_input as ort.Tensor).data as Float32Array;
      calls.push(data.length / 4);
      if (data.some((v) => v < 0)) throw new Error("negative input");
      return session.run(feeds, names);
    };
    const batcher = new RunBatcher(run, 256);
    const poisoned = [-1, -1, -1, -1];
    const results = await Promise.allSettled([
      batcher.run(feedsOf([rows[0] as number[]]), OUTPUTS),
      batcher.run(feedsOf([poisoned]), OUTPUTS),
      batcher.run(feedsOf([rows[1] as number[]]), OUTPUTS),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expectIrisAnswers(
      (results[0] as PromiseFulfilledResult<Record<string, ort.Tensor>>).value,
      0,
      1,
    );
    expectIrisAnswers(
      (results[2] as PromiseFulfilledResult<Record<string, ort.Tensor>>).value,
      1,
      1,
    );
    expect(calls).toEqual([3, 1, 1, 1]);
  });

  it("with a bound of 0 runs every request alone", async () => {
    const { run, calls } = counted();
    const batcher = new RunBatcher(run, 0);
    await Promise.all(rows.slice(0, 5).map((row) => batcher.run(feedsOf([row]), OUTPUTS)));
    expect(calls).toEqual([1, 1, 1, 1, 1]);
  });
});
