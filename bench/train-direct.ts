/**
 * bench/train.ts's look inside a training run: `node --import tsx bench/train-direct.ts RUN_ID
 * [SPLIT_FILE]` reads the run that the train function just finished, and in this process
 *
 * 1. calls the trainer (`train` of functions/train/trainers) with exactly the spec and row source
 *    the job built for that run (data.csv streamed from storage), timing its stages from the
 *    progress reports: read and parse → fit → metrics and ONNX export;
 * 2. given SPLIT_FILE, writes there which side of the split each data row is on
 *    (`splitIndices`), one byte per row: 0 train, 1 test, 2 neither (no target), so that
 *    scikit-learn fits the same rows.
 *
 * Storage settings come from the SKIFF_S3_* variables. Prints one JSON line (DirectResult).
 * Run with `--cpu-prof` to see where the trainer's time goes.
 */
import { writeFileSync } from "node:fs";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { readDatasetRecord, readDatasetRows } from "../functions/train/datasets/catalogue.ts";
import { trainSpecOf } from "../functions/train/runs/job.ts";
import { RunStore } from "../functions/train/runs/run-store.ts";
import { splitIndices, type TrainSpec, train } from "../functions/train/trainers/index.ts";

export interface DirectResult {
  /** train() from call to return. */
  trainMs: number;
  /** First "reading rows" report → the fit's first report: reading, parsing, design matrix. */
  readMs: number;
  /** L-BFGS, first report to "stopped". */
  fitMs: number;
  /** After the fit until train() returns: metrics on both sides and the ONNX export. */
  afterFitMs: number;
  iterations: number;
  stopReason: string;
  mode: string;
  accuracy: number;
  trainRows: number;
  testRows: number;
  splitMs: number;
  /** train()'s start and end on the clock CPU profiles use (process.hrtime, µs). */
  windowUs: [number, number];
}

const [runId, splitFile] = process.argv.slice(2);
if (!runId) throw new Error("usage: train-direct.ts RUN_ID [SPLIT_FILE]");
const store = ObjectStore.fromEnv(parseEnv(storageEnv, process.env));
const run = await new RunStore(store).get(runId);
const dataset = await readDatasetRecord(store, run.dataset, run.datasetVersion);
const spec: TrainSpec = trainSpecOf(run, dataset);
const rows = readDatasetRows(store, dataset);

/** When each stage first reported. */
const marks = new Map<string, number>();
/** "L-BFGS stopped after N iterations: reason", kept as it passes (later reports replace it). */
let stopText = "";
const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);
const startedUs = hrtimeUs();
const started = performance.now();
const result = await train(spec, rows, (_fraction, message) => {
  const stage = message.startsWith("reading rows")
    ? "read"
    : message.startsWith("fitting") || message.startsWith("L-BFGS iteration")
      ? "fit"
      : message.startsWith("L-BFGS stopped")
        ? "stopped"
        : undefined;
  if (stage && !marks.has(stage)) marks.set(stage, performance.now());
  if (stage === "stopped") stopText = message;
});
const ended = performance.now();
const endedUs = hrtimeUs();
const stopped = /L-BFGS stopped after (\d+) iterations: (.*)$/.exec(stopText);
const mark = (name: string) => marks.get(name) ?? Number.NaN;

const splitStarted = performance.now();
if (splitFile) {
  const sides = await splitIndices(spec, rows);
  const total = Math.max(sides.train.at(-1) ?? -1, sides.test.at(-1) ?? -1) + 1;
  const mask = new Uint8Array(total).fill(2);
  for (const i of sides.train) mask[i] = 0;
  for (const i of sides.test) mask[i] = 1;
  writeFileSync(splitFile, mask);
}
const splitMs = performance.now() - splitStarted;

const out: DirectResult = {
  trainMs: ended - started,
  readMs: mark("fit") - mark("read"),
  fitMs: mark("stopped") - mark("fit"),
  afterFitMs: ended - mark("stopped"),
  iterations: Number(stopped?.[1] ?? Number.NaN),
  stopReason: stopped?.[2] ?? "",
  mode: result.record.training.mode,
  accuracy: result.record.metrics.accuracy ?? Number.NaN,
  trainRows: result.trainRows,
  testRows: result.testRows,
  splitMs,
  windowUs: [startedUs, endedUs],
};
store.client.destroy();
process.stdout.write(`${JSON.stringify(out)}\n`);
