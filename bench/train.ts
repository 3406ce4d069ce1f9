/**
 * `npm run bench:train`: the train function against the baselines it should come close to, in
 * one run on this machine.
 *
 * (a) Upload: a 1 GiB CSV streamed through `PUT /datasets/{name}` of the real train function
 *     (functions/train/main.ts, a child process pinned to core 0) against a direct multipart
 *     upload of the same file to the same MinIO with @aws-sdk/lib-storage (8 MiB parts, two in
 *     flight, also pinned to core 0): MB/s of both, and the train process's resident memory
 *     before and during its upload (/proc VmRSS every 50 ms).
 * (b) Training: logistic regression on 1M rows × 20 features through the real job path
 *     (upload, `POST /runs` with defaults, the inline executor's child job, which inherits the
 *     train function's core) against scikit-learn's StandardScaler + LogisticRegression(lbfgs)
 *     with the same C, max_iter and tol on exactly the rows skiff's split put on each side,
 *     pinned to the same core. Then the trainer is called directly, in a pinned process, to
 *     split its time into stages; if the time target is missed, once more under --cpu-prof.
 *
 * This orchestrator, MinIO and the HTTP client sending the upload share core 1. Each
 * measurement waits for the machine to be quiet first (see harness.ts) and reports how much
 * CPU other processes took meanwhile. `--quick` uses a 64 MiB upload and 100k rows and writes
 * no results file.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { layout } from "../functions/lib/storage/layout.ts";
import { modelRecordSchema } from "../functions/lib/storage/model-record.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";
import { freePort } from "../minio/launcher.ts";
import { testPython } from "../test/setup/python.ts";
import { type ProfileSummary, summarizeProfile } from "./cpu-profile.ts";
import { type Storage, startStorage } from "./fixture.ts";
import {
  awaitQuiet,
  LOAD_CORE,
  log,
  pinSelfToLoadCore,
  processTicks,
  reapedChildTicks,
  root,
  SERVER_CORE,
  watchNeighbours,
} from "./harness.ts";
import {
  baseEnv,
  lastJsonLine,
  type Pinned,
  runPinned,
  send,
  spawnPinned,
  untilOk,
} from "./processes.ts";
import { fmt, type Machine, machine, table, verdict, writeResult } from "./report.ts";
import { FEATURES, TARGET, type Written, writeCsv } from "./train-data.ts";
import type { DirectResult } from "./train-direct.ts";

const quick = process.argv.includes("--quick");
const UPLOAD_BYTES = quick ? 64 * 1024 ** 2 : 1024 ** 3;
const TRAIN_ROWS = quick ? 100_000 : 1_000_000;
const UPLOAD_SEED = 1;
const TRAIN_SEED = 2;
/** The label value scikit-learn's side counts as class 1 (the other is "neg"). */
const POSITIVE = "pos";
const TOKEN = "skiff-bench-train-token-0000";
/** What the run request leaves to the defaults, and scikit-learn is given explicitly. */
const SKLEARN = { C: 1, max_iter: 100, tol: 1e-4 };
const TARGETS = { uploadShare: 0.5, rssGrowthMB: 100, timeRatio: 1.5, accuracyPp: 0.5 };
/** Generous bounds, so a stuck step fails the command instead of hanging it. */
const UPLOAD_TIMEOUT_MS = 300_000;
const RUN_TIMEOUT_MS = 360_000;
const CHILD_TIMEOUT_MS = 300_000;

const MB = 1e6;
/** How much of the upload file the profiled upload sends, when the upload targets are missed. */
const PROFILE_UPLOAD_BYTES = quick ? 32 * 1024 ** 2 : 256 * 1024 ** 2;
/** The monotonic clock V8 stamps profile samples with, in µs. */
const hrtimeUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pidOf = (pinned: Pinned) => pinned.child.pid as number;

// ---------------------------------------------------------------------------------------------
// Processes

interface TrainProcess {
  pinned: Pinned;
  base: string;
  /** Prometheus /metrics and the probes. */
  admin: string;
  pid: number;
}

async function startTrain(fixture: Storage, nodeOptions: string[] = []): Promise<TrainProcess> {
  const port = await freePort();
  const adminPort = await freePort();
  const pinned = spawnPinned({
    core: SERVER_CORE,
    args: [...nodeOptions, "--import", "tsx", "functions/train/main.ts"],
    env: {
      ...baseEnv(),
      ...fixture.storage,
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
      SKIFF_API_TOKEN: TOKEN,
      SKIFF_RUN_EXECUTOR: "inline",
    },
    cwd: root,
  });
  const base = `http://127.0.0.1:${port}`;
  await untilOk(pinned, "GET", `${base}/readyz`, undefined, performance.now(), 50);
  return { pinned, base, admin: `http://127.0.0.1:${adminPort}`, pid: pidOf(pinned) };
}

/** Runs a child pinned to the server core to its end; its stdout's last line is JSON. */
async function runChild<T>(command: string, args: string[], env: Record<string, string>) {
  return lastJsonLine<T>(await runPinned(SERVER_CORE, command, args, env, root, CHILD_TIMEOUT_MS));
}

const auth = { authorization: `Bearer ${TOKEN}` };

async function json<T>(method: "GET" | "POST", url: string, body?: unknown): Promise<T> {
  const answer = await send(
    method,
    url,
    body === undefined ? undefined : JSON.stringify(body),
    30_000,
    auth,
  );
  if (answer.status < 200 || answer.status > 299) {
    throw new Error(`${method} ${url}: ${answer.status} ${answer.body}`);
  }
  return JSON.parse(answer.body) as T;
}

/** `PUT /datasets/{name}` with the file (its first `bytes`) streamed from disk, never held whole. */
function putCsv(
  base: string,
  name: string,
  file: string,
  bytes = statSync(file).size,
): Promise<{ ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(`${base}/datasets/${name}`, {
      method: "PUT",
      agent: false,
      headers: {
        ...auth,
        "content-type": "text/csv",
        "content-length": String(bytes),
      },
      timeout: UPLOAD_TIMEOUT_MS,
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode !== 201) reject(new Error(`PUT ${name}: ${res.statusCode} ${body}`));
        else resolve({ ms: performance.now() - started, body });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`PUT ${name} timed out`)));
    req.on("error", reject);
    const file$ = createReadStream(file, { start: 0, end: bytes - 1 });
    file$.on("error", (error) => req.destroy(error));
    file$.pipe(req);
  });
}

// ---------------------------------------------------------------------------------------------
// /proc

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

function statusLine(pid: number, field: string): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return new RegExp(`${field}:\\s+(.*)`).exec(status)?.[1]?.trim() ?? "";
  } catch {
    return "";
  }
}

/** Sets VmHWM back to the current RSS (clear_refs 5), so it tells the peak from here on. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const bytesOfKb = (kb: number) => kb * 1024;

interface RssSamples {
  baselineKb: number;
  peakKb: number;
  samples: number;
  /** Longest gap between two samples: the sampler's own timer can be late. */
  maxGapMs: number;
}

/** Samples VmRSS every `everyMs` until stopped. */
function sampleRss(pid: number, baselineKb: number, everyMs = 50): { stop(): RssSamples } {
  let peakKb = 0;
  let samples = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const take = () => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    const kb = statusKb(pid, "VmRSS");
    if (Number.isFinite(kb)) {
      peakKb = Math.max(peakKb, kb);
      samples++;
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { baselineKb, peakKb, samples, maxGapMs };
    },
  };
}

/** Median VmRSS over `ms`, for a baseline that one allocation spike does not set. */
async function settledRss(pid: number, ms = 1000): Promise<number> {
  const values: number[] = [];
  for (let t = 0; t < ms; t += 50) {
    values.push(statusKb(pid, "VmRSS"));
    await sleep(50);
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] as number;
}

// ---------------------------------------------------------------------------------------------
// What was measured

/** The commit, and what of functions/ differs from it, so a result can be traced to the code. */
interface CodeState {
  commit: string;
  /** `git status --porcelain` lines under functions/. */
  changes: string[];
  /** Hash of every file under functions/: compared at the end, to notice edits made meanwhile. */
  hash: string;
}

function codeState(): CodeState {
  const git = (args: string[]) => {
    try {
      return execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
    } catch {
      return "";
    }
  };
  const hash = createHash("sha256");
  const dir = join(root, "functions");
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
    const path = join(dir, entry);
    if (!statSync(path).isFile()) continue;
    hash.update(entry).update("\0").update(readFileSync(path)).update("\0");
  }
  return {
    commit: git(["rev-parse", "--short", "HEAD"]) || "unknown",
    changes: git(["status", "--porcelain", "--", "functions"]).split("\n").filter(Boolean),
    hash: hash.digest("hex"),
  };
}

// ---------------------------------------------------------------------------------------------
// (a) Upload

/** CPU seconds the uploading process (on core 0) and MinIO took over one upload. */
interface UploadCpu {
  uploaderS: number;
  minioS: number;
}

interface UploadResult {
  bytes: number;
  rows: number;
  direct: { ms: number; foreign: number; cpu: UploadCpu };
  viaTrain: {
    ms: number;
    foreign: number;
    cpu: UploadCpu;
    rss: RssSamples;
    hwmKb: number;
    hwmReset: boolean;
  };
  profile?: UploadProfile;
}

async function measureUpload(
  fixture: Storage,
  train: TrainProcess,
  data: Written & { path: string },
): Promise<UploadResult> {
  const own = [train.pid, fixture.minioPid];

  await awaitQuiet(own);
  log(`direct SDK upload of ${fmt(data.bytes / MB)} MB…`);
  let watch = watchNeighbours(own);
  let children = reapedChildTicks(process.pid);
  let minio = processTicks(fixture.minioPid);
  const direct = await runChild<{ bytes: number; ms: number }>(
    process.execPath,
    ["--import", "tsx", "bench/direct-upload.ts", data.path, "bench/direct-upload.csv"],
    { ...baseEnv(), ...fixture.storage },
  );
  const directChild = reapedChildTicks(process.pid) - children;
  const directCpu = {
    uploaderS: directChild / 100,
    minioS: (processTicks(fixture.minioPid) - minio) / 100,
  };
  const directForeign = watch.stop(directChild);

  await awaitQuiet(own);
  log(`PUT /datasets/bench-upload of ${fmt(data.bytes / MB)} MB through the train function…`);
  const baselineKb = await settledRss(train.pid);
  const hwmReset = resetPeak(train.pid);
  watch = watchNeighbours(own);
  children = reapedChildTicks(process.pid);
  minio = processTicks(fixture.minioPid);
  const trainTicks = processTicks(train.pid);
  const sampler = sampleRss(train.pid, baselineKb);
  let put: { ms: number; body: string };
  let rss: RssSamples;
  try {
    put = await putCsv(train.base, "bench-upload", data.path);
  } finally {
    rss = sampler.stop();
  }
  const hwmKb = statusKb(train.pid, "VmHWM");
  const cpu = {
    uploaderS: (processTicks(train.pid) - trainTicks) / 100,
    minioS: (processTicks(fixture.minioPid) - minio) / 100,
  };
  const foreign = watch.stop(reapedChildTicks(process.pid) - children);
  const record = JSON.parse(put.body) as { rows: number; bytes: number };
  if (record.bytes !== data.bytes) {
    throw new Error(`the train function stored ${record.bytes} bytes of ${data.bytes}`);
  }
  return {
    bytes: data.bytes,
    rows: data.rows,
    direct: { ms: direct.ms, foreign: directForeign, cpu: directCpu },
    viaTrain: { ms: put.ms, foreign, cpu, rss, hwmKb, hwmReset },
  };
}

function uploadPasses(u: UploadResult): boolean {
  const share = u.direct.ms / u.viaTrain.ms;
  const growthMB = bytesOfKb(u.viaTrain.rss.peakKb - u.viaTrain.rss.baselineKb) / MB;
  return share >= TARGETS.uploadShare && growthMB <= TARGETS.rssGrowthMB;
}

/** The byte count of the file's first rows that fill at least `bytes`. */
function wholeRows(file: string, bytes: number): number {
  const size = statSync(file).size;
  if (bytes >= size) return size;
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const read = readSync(fd, buffer, 0, buffer.length, bytes);
    const newline = buffer.subarray(0, read).indexOf(0x0a);
    return newline < 0 ? size : bytes + newline + 1;
  } finally {
    closeSync(fd);
  }
}

/** The process's memory as its own /metrics tells it (prom-client's default metrics), in bytes. */
interface MemoryView {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

async function memoryView(train: TrainProcess): Promise<MemoryView | undefined> {
  try {
    const answer = await send("GET", `${train.admin}/metrics`, undefined, 5_000);
    const value = (name: string) =>
      Number(new RegExp(`^skiff_${name}(?:\\{[^}]*\\})? (\\S+)`, "m").exec(answer.body)?.[1]);
    return {
      rss: value("process_resident_memory_bytes"),
      heapUsed: value("nodejs_heap_size_used_bytes"),
      heapTotal: value("nodejs_heap_size_total_bytes"),
      external: value("nodejs_external_memory_bytes"),
    };
  } catch {
    return undefined;
  }
}

interface UploadProfile {
  cpu: ProfileSummary;
  bytes: number;
  /** Before the upload, and the scrape with the highest RSS during it. */
  memory: { before?: MemoryView; peak?: MemoryView; scrapes: number };
}

/**
 * A second train function, under --cpu-prof, receives the first PROFILE_UPLOAD_BYTES of the
 * file (whole rows): where an upload's CPU goes, from the samples taken while it ran, and what
 * its memory is made of (its /metrics, scraped every 250 ms: the measured run is not scraped).
 */
async function profileUpload(fixture: Storage, file: string): Promise<UploadProfile> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-train-prof-"));
  try {
    const train = await startTrain(fixture, [`--cpu-prof`, `--cpu-prof-dir=${dir}`]);
    let window: [number, number];
    const bytes = wholeRows(file, PROFILE_UPLOAD_BYTES);
    const memory: UploadProfile["memory"] = { scrapes: 0 };
    try {
      await putCsv(train.base, "bench-warmup", file, wholeRows(file, 1024 * 1024));
      await sleep(1000);
      memory.before = await memoryView(train);
      log(`profiling an upload of ${fmt(bytes / MB)} MB through the train function (--cpu-prof)…`);
      let uploading = true;
      const scraping = (async () => {
        while (uploading) {
          const view = await memoryView(train);
          if (view && uploading) {
            memory.scrapes++;
            if (!memory.peak || view.rss > memory.peak.rss) memory.peak = view;
          }
          await sleep(250);
        }
      })();
      const from = hrtimeUs();
      try {
        await putCsv(train.base, "bench-profile", file, bytes);
      } finally {
        uploading = false;
        await scraping;
      }
      window = [from, hrtimeUs()];
    } finally {
      // The profile is written as the process exits.
      await train.pinned.stop();
    }
    return { cpu: summarizeProfile(dir, root, window), bytes, memory };
  } finally {
    if (process.env.BENCH_KEEP_PROFILE) log(`profile kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// (b) Training

interface RunRecord {
  id: string;
  status: string;
  durationMs?: number;
  metrics?: Record<string, number>;
  modelVersion?: string;
  error?: string;
  model: string;
}

interface SklearnResult {
  rows: number;
  trainRows: number;
  testRows: number;
  readSeconds: number;
  fitSeconds: number;
  accuracy: number;
  iterations: number;
  converged: boolean;
  versions: Record<string, string>;
  threadpools: Array<Record<string, unknown>>;
  env: Record<string, string | null>;
}

interface TrainingResult {
  rows: number;
  bytes: number;
  uploadMs: number;
  run: RunRecord;
  wallMs: number;
  mode: string;
  job: { pid: number; cores: string; peakKb: number; foreign: number };
  direct: DirectResult & { foreign: number };
  sklearn: SklearnResult & { foreign: number; unset: string[] };
  profile?: ProfileSummary;
}

/** POST /runs, then GET /runs/{id} until it ends, watching the job process meanwhile. */
async function runTraining(
  fixture: Storage,
  train: TrainProcess,
): Promise<{ run: RunRecord; wallMs: number; job: TrainingResult["job"] }> {
  const own = [train.pid, fixture.minioPid];
  await awaitQuiet(own);
  log("POST /runs: logistic regression with the defaults…");
  const watch = watchNeighbours(own);
  const jobTicks0 = reapedChildTicks(train.pid);
  const started = performance.now();
  let run = await json<RunRecord>("POST", `${train.base}/runs`, {
    dataset: "bench-train",
    model: "bench-logreg",
    target: TARGET,
  });
  const job = { pid: 0, cores: "", peakKb: 0, foreign: 0 };
  let wallMs = Number.NaN;
  const deadline = started + RUN_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const [pid] = childrenOf(train.pid);
    if (pid !== undefined) {
      if (job.pid === 0) {
        job.pid = pid;
        job.cores = statusLine(pid, "Cpus_allowed_list");
      }
      const hwm = statusKb(pid, "VmHWM");
      if (Number.isFinite(hwm)) job.peakKb = Math.max(job.peakKb, hwm);
    }
    run = await json<RunRecord>("GET", `${train.base}/runs/${run.id}`);
    if (run.status === "succeeded" || run.status === "failed") {
      wallMs = performance.now() - started;
      break;
    }
    await sleep(100);
  }
  if (run.status !== "succeeded") {
    throw new Error(`run ${run.id} ended ${run.status}: ${run.error ?? "timed out"}`);
  }
  // The job exits just after it records the outcome; its CPU is the train function's once reaped.
  for (let i = 0; i < 100 && childrenOf(train.pid).length > 0; i++) await sleep(100);
  job.foreign = watch.stop(reapedChildTicks(train.pid) - jobTicks0);
  return { run, wallMs, job };
}

async function runSklearn(
  python: string,
  csv: string,
  splitFile: string,
): Promise<SklearnResult & { foreign: number; unset: string[] }> {
  // Only this command runs without them (see .library's env notes): they slow a current numpy.
  const env = { ...baseEnv() } as Record<string, string>;
  const unset = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"].filter((k) => process.env[k]);
  for (const key of ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]) delete env[key];
  await awaitQuiet([]);
  log("scikit-learn on the same rows…");
  const watch = watchNeighbours([]);
  const children = reapedChildTicks(process.pid);
  const result = await runChild<SklearnResult>(
    python,
    [
      join(root, "bench/train_sklearn.py"),
      csv,
      splitFile,
      String(FEATURES),
      TARGET,
      POSITIVE,
      String(SKLEARN.C),
      String(SKLEARN.max_iter),
      String(SKLEARN.tol),
    ],
    env,
  );
  return { ...result, foreign: watch.stop(reapedChildTicks(process.pid) - children), unset };
}

async function measureTraining(
  fixture: Storage,
  train: TrainProcess,
  python: string,
  data: Written & { path: string },
  workDir: string,
): Promise<TrainingResult> {
  log(`uploading the ${fmt(data.rows)}-row training CSV…`);
  const upload = await putCsv(train.base, "bench-train", data.path);
  const { run, wallMs, job } = await runTraining(fixture, train);

  const store = ObjectStore.fromEnv(parseEnv(storageEnv, fixture.storage));
  const model = await store.getJson(
    layout.modelMeta(run.model, run.modelVersion as string),
    modelRecordSchema,
  );
  store.client.destroy();
  const mode = String((model?.training as { mode?: unknown } | undefined)?.mode ?? "unknown");

  await awaitQuiet([fixture.minioPid]);
  log("the trainer called directly, for its stages, and the split for scikit-learn…");
  const splitFile = join(workDir, "split.bin");
  const watch = watchNeighbours([fixture.minioPid]);
  const children = reapedChildTicks(process.pid);
  const directRun = await runChild<DirectResult>(
    process.execPath,
    ["--import", "tsx", "bench/train-direct.ts", run.id, splitFile],
    { ...baseEnv(), ...fixture.storage },
  );
  const direct = { ...directRun, foreign: watch.stop(reapedChildTicks(process.pid) - children) };
  const sklearn = await runSklearn(python, data.path, splitFile);
  if (sklearn.trainRows !== direct.trainRows || sklearn.testRows !== direct.testRows) {
    throw new Error(
      `scikit-learn's split (${sklearn.trainRows}/${sklearn.testRows}) is not skiff's (${direct.trainRows}/${direct.testRows})`,
    );
  }
  const result: TrainingResult = {
    rows: data.rows,
    bytes: data.bytes,
    uploadMs: upload.ms,
    run,
    wallMs,
    mode,
    job,
    direct,
    sklearn,
  };
  if (!trainingPasses(result)) {
    log("the training target is missed: profiling the trainer (--cpu-prof)…");
    const dir = mkdtempSync(join(tmpdir(), "skiff-train-prof-"));
    try {
      const profiled = await runChild<DirectResult>(
        process.execPath,
        ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--import", "tsx", "bench/train-direct.ts", run.id],
        { ...baseEnv(), ...fixture.storage },
      );
      result.profile = summarizeProfile(dir, root, profiled.windowUs);
    } finally {
      if (process.env.BENCH_KEEP_PROFILE) log(`profile kept in ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  }
  return result;
}

const sklearnTotal = (s: SklearnResult) => (s.readSeconds + s.fitSeconds) * 1000;
const accuracyGapPp = (t: TrainingResult) =>
  Math.abs((t.run.metrics?.accuracy ?? Number.NaN) - t.sklearn.accuracy) * 100;

function trainingPasses(t: TrainingResult): boolean {
  return (
    (t.run.durationMs ?? Number.NaN) <= TARGETS.timeRatio * sklearnTotal(t.sklearn) &&
    t.direct.fitMs <= TARGETS.timeRatio * t.sklearn.fitSeconds * 1000 &&
    accuracyGapPp(t) <= TARGETS.accuracyPp
  );
}

// ---------------------------------------------------------------------------------------------
// Report

const s = (ms: number) => fmt(ms / 1000, 2);
const pct = (x: number) => `${fmt(x * 100)}%`;
const mb = (kb: number) => fmt(bytesOfKb(kb) / MB);

function report(
  upload: UploadResult,
  training: TrainingResult,
  meta: Machine & {
    nproc: number;
    took: number;
    generateMs: number;
    code: CodeState;
    codeChanged: boolean;
  },
): string {
  const directRate = upload.bytes / MB / (upload.direct.ms / 1000);
  const trainRate = upload.bytes / MB / (upload.viaTrain.ms / 1000);
  const share = trainRate / directRate;
  const { rss } = upload.viaTrain;
  const growthKb = rss.peakKb - rss.baselineKb;
  const growthMB = bytesOfKb(growthKb) / MB;

  const uploadTable = table(
    [
      "upload of the same file",
      "seconds",
      "MB/s",
      "vs direct",
      "target",
      "uploader CPU s",
      "MinIO CPU s",
      "others' CPU",
    ],
    [
      [
        "direct: lib-storage Upload (8 MiB parts, queue 2), core 0",
        s(upload.direct.ms),
        fmt(directRate),
        "100%",
        "",
        fmt(upload.direct.cpu.uploaderS, 1),
        fmt(upload.direct.cpu.minioS, 1),
        pct(upload.direct.foreign),
      ],
      [
        "PUT /datasets/bench-upload through the train function, core 0",
        s(upload.viaTrain.ms),
        fmt(trainRate),
        pct(share),
        `≥ ${pct(TARGETS.uploadShare)} ${verdict(share >= TARGETS.uploadShare)}`,
        fmt(upload.viaTrain.cpu.uploaderS, 1),
        fmt(upload.viaTrain.cpu.minioS, 1),
        pct(upload.viaTrain.foreign),
      ],
    ],
  );
  const memoryTable = table(
    ["train function's resident memory (VmRSS)", "MB", "target"],
    [
      ["baseline before the upload (median over 1 s)", mb(rss.baselineKb), ""],
      [
        `peak during the upload (${fmt(rss.samples)} samples, 50 ms apart, longest gap ${fmt(rss.maxGapMs)} ms)`,
        mb(rss.peakKb),
        "",
      ],
      [
        "growth: peak − baseline",
        fmt(growthMB),
        `≤ ${TARGETS.rssGrowthMB} MB ${verdict(growthMB <= TARGETS.rssGrowthMB)}`,
      ],
      [
        upload.viaTrain.hwmReset
          ? "kernel's peak (VmHWM, reset just before the upload)"
          : "kernel's peak (VmHWM since start; clear_refs refused)",
        mb(upload.viaTrain.hwmKb),
        "",
      ],
    ],
  );

  const t = training;
  const sk = t.sklearn;
  const duration = t.run.durationMs ?? Number.NaN;
  const ourAccuracy = t.run.metrics?.accuracy ?? Number.NaN;
  const endToEnd = duration / sklearnTotal(sk);
  const fitRatio = t.direct.fitMs / (sk.fitSeconds * 1000);
  const gap = accuracyGapPp(t);
  const trainingTable = table(
    ["", "skiff", "scikit-learn", "skiff ÷ sklearn", "target"],
    [
      [
        "training time from CSV: run's durationMs vs loadtxt + fit",
        s(duration),
        s(sklearnTotal(sk)),
        `${fmt(endToEnd, 2)}×`,
        `≤ ${TARGETS.timeRatio}× ${verdict(endToEnd <= TARGETS.timeRatio)}`,
      ],
      [
        "fit only: L-BFGS (trainer called directly) vs scaler + fit",
        s(t.direct.fitMs),
        s(sk.fitSeconds * 1000),
        `${fmt(fitRatio, 2)}×`,
        `≤ ${TARGETS.timeRatio}× ${verdict(fitRatio <= TARGETS.timeRatio)}`,
      ],
      [
        "reading the CSV: stream from MinIO, parse, design matrix vs numpy.loadtxt",
        s(t.direct.readMs),
        s(sk.readSeconds * 1000),
        `${fmt(t.direct.readMs / (sk.readSeconds * 1000), 2)}×`,
        "",
      ],
      ["wall time, POST /runs → GET /runs/{id} succeeded", s(t.wallMs), "", "", ""],
      [
        "L-BFGS iterations (stop reason)",
        `${t.direct.iterations} (${t.direct.stopReason})`,
        `${sk.iterations} (${sk.converged ? "converged" : "max_iter reached"})`,
        "",
        "",
      ],
      [
        "held-out accuracy",
        fmt(ourAccuracy * 100, 2),
        fmt(sk.accuracy * 100, 2),
        `${fmt(gap, 2)} pp apart`,
        `≤ ${TARGETS.accuracyPp} pp ${verdict(gap <= TARGETS.accuracyPp)}`,
      ],
      [
        "train / test rows",
        `${fmt(t.direct.trainRows)} / ${fmt(t.direct.testRows)}`,
        `${fmt(sk.trainRows)} / ${fmt(sk.testRows)}`,
        "",
        "",
      ],
      ["others' CPU during the measurement", pct(t.job.foreign), pct(sk.foreign), "", ""],
    ],
  );
  const blas = sk.threadpools
    .map(
      (p) =>
        `${p.internal_api}${p.version ? ` ${p.version}` : ""} (${p.prefix}): ${p.num_threads} thread(s)${p.architecture ? `, kernel ${p.architecture}` : ""}${p.threading_layer ? `, ${p.threading_layer}` : ""}`,
    )
    .join("; ");
  const unset =
    sk.unset.length > 0
      ? `${sk.unset.join(" and ")} were set here and unset for this command only`
      : "neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE was set on this machine (the command runs without them either way)";

  const trainingProfile = t.profile
    ? profileSection(
        "Where the trainer's time goes (a training target was missed)",
        "`node --cpu-prof` of the trainer called directly (bench/train-direct.ts, core 0, 1 ms sampling), samples while `train()` ran",
        t.profile,
      )
    : "";
  const uploadProfile = upload.profile
    ? profileSection(
        "Where the upload's time goes (an upload target was missed)",
        `\`node --cpu-prof\` of a second train function (core 0, 1 ms sampling) receiving the first ${fmt(upload.profile.bytes / MB)} MB of the same file, samples while that upload ran`,
        upload.profile.cpu,
      ) + memorySection(upload.profile)
    : "";

  return `# train benchmark

${meta.date} · ${meta.nproc} cores (\`nproc\`), ${meta.cpu} · Node ${meta.node} · \`npm run bench:train\` took ${fmt(meta.took)} s (${fmt(meta.generateMs / 1000)} s of it generating the CSVs)

The train function (\`functions/train/main.ts\` through tsx, defaults, \`SKIFF_RUN_EXECUTOR=inline\`)
is pinned to core ${SERVER_CORE}, and so is every baseline; MinIO, this orchestrator and the HTTP client
that sends the upload share core ${LOAD_CORE}. MB = 10⁶ bytes. "others' CPU": what processes outside
this benchmark took meanwhile, as a share of one core (the machine is shared; each measurement
first waits up to the harness's budget for a quiet second).

Code measured: commit ${meta.code.commit}${
    meta.code.changes.length > 0
      ? ` plus uncommitted changes under functions/ (\`git status --porcelain\`: ${meta.code.changes.map((c) => `\`${c.trim()}\``).join(", ")})`
      : ", functions/ as committed"
  }.${
    meta.codeChanged
      ? " **functions/ changed while this ran**, so its phases may have measured different code; run it again."
      : ""
  }

## (a) Upload: ${fmt(upload.bytes / MB)} MB CSV (${fmt(upload.rows)} rows × ${FEATURES} numeric columns + a label)

The client streams the file from disk (\`fs.createReadStream\` piped into a node:http request,
content-length set); the train function scans it on the way into a multipart upload to MinIO
and then writes dataset.json. The direct baseline puts the same file to the same MinIO with no
HTTP hop and no scan. Each is one run.

${uploadTable}

${memoryTable}

## (b) Logistic regression: ${fmt(t.rows)} rows × ${FEATURES} features (${fmt(t.bytes / MB)} MB CSV)

skiff: uploaded through the train function (${s(t.uploadMs)} s), then \`POST /runs
{dataset, model, target}\` with every default: ${t.run.id}, mode **${t.mode}** (model.json
\`training.mode\`), job pid ${t.job.pid} allowed on core(s) ${t.job.cores || "?"} (inherited from the
train function), its peak RSS ${mb(t.job.peakKb)} MB. durationMs is the job's own clock: reading the
run and dataset records, streaming and parsing data.csv, preprocessing, L-BFGS, metrics on both
sides, ONNX export and publishing the model version.

The same trainer called directly on core ${SERVER_CORE} (bench/train-direct.ts, same spec and row
source) took ${s(t.direct.trainMs)} s: ${s(t.direct.readMs)} s reading (stream + parse + split +
design matrix), ${s(t.direct.fitMs)} s L-BFGS, ${s(t.direct.afterFitMs)} s metrics and ONNX export;
accuracy ${fmt(t.direct.accuracy * 100, 2)}%, mode ${t.direct.mode}; others' CPU meanwhile ${pct(t.direct.foreign)}.

scikit-learn ${sk.versions["scikit-learn"]} (numpy ${sk.versions.numpy}) in the test venv, \`taskset -c ${SERVER_CORE}\`:
\`numpy.loadtxt\` of the same CSV, then \`StandardScaler\` + \`LogisticRegression(C=${SKLEARN.C},
max_iter=${SKLEARN.max_iter}, tol=${SKLEARN.tol}, solver="lbfgs")\` fitted on exactly the rows skiff's
\`splitIndices\` put on the train side, scored on its test side. threadpoolctl: ${blas}. ${unset}.

${trainingTable}
${uploadProfile}${trainingProfile}`;
}

function memorySection(p: UploadProfile): string {
  const { before, peak, scrapes } = p.memory;
  if (!before || !peak) return "\nThe profiled train function's /metrics could not be read.\n";
  const row = (label: string, key: keyof MemoryView) => [
    label,
    fmt(before[key] / MB),
    fmt(peak[key] / MB),
    fmt((peak[key] - before[key]) / MB),
  ];
  return `
The same profiled process's memory from its own \`/metrics\` (prom-client's default metrics),
before the upload and at the scrape with the highest RSS of ${scrapes} taken every 250 ms
during it (the profiler's own buffers count here too):

${table(
  ["MB", "before", "at peak RSS", "growth"],
  [
    row("resident (RSS)", "rss"),
    row("V8 heap, total", "heapTotal"),
    row("V8 heap, used", "heapUsed"),
    row("external (Buffers, off-heap)", "external"),
  ],
)}
`;
}

function profileSection(title: string, intro: string, p: ProfileSummary): string {
  const busy = p.totalMs - p.idleMs;
  const rows = (entries: Array<[string, number]>, n: number) =>
    entries
      .filter(([k]) => k !== "(idle)")
      .slice(0, n)
      .map(([k, ms]) => [`\`${k}\``, fmt(ms), pct(ms / busy)]);
  return `
## ${title}

${intro}: ${fmt(p.totalMs)} ms sampled, ${fmt(p.idleMs)} ms of it idle (waiting on I/O),
${fmt(p.gcMs)} ms in garbage collection. Shares are of the non-idle time.

${table(["file or package", "self ms", "share"], rows(p.files, 14))}

${table(["function", "self ms", "share"], rows(p.functions, 20))}
`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const nproc = pinSelfToLoadCore("train function and MinIO");

  const code = codeState();
  log("starting MinIO…");
  const fixture = await startStorage(log);
  const workDir = mkdtempSync(join(tmpdir(), "skiff-bench-train-"));
  let train: TrainProcess | undefined;
  try {
    const python = await testPython(log);
    log(`generating the CSVs in ${workDir}…`);
    const uploadCsv = join(workDir, "upload.csv");
    const trainCsv = join(workDir, "train.csv");
    const big = {
      ...(await writeCsv(uploadCsv, { minBytes: UPLOAD_BYTES }, UPLOAD_SEED)),
      path: uploadCsv,
    };
    const small = {
      ...(await writeCsv(trainCsv, { rows: TRAIN_ROWS }, TRAIN_SEED)),
      path: trainCsv,
    };
    const generateMs = big.ms + small.ms;

    log("starting the train function…");
    train = await startTrain(fixture);
    // A first small upload loads what only an upload needs, so the baseline is a warm process.
    const warmup = join(workDir, "warmup.csv");
    await writeCsv(warmup, { rows: 1000 }, 3);
    await putCsv(train.base, "bench-warmup", warmup);

    const upload = await measureUpload(fixture, train, big);
    if (!uploadPasses(upload)) {
      log("an upload target is missed: profiling the train function during an upload…");
      upload.profile = await profileUpload(fixture, uploadCsv);
    }
    rmSync(uploadCsv, { force: true });
    const training = await measureTraining(fixture, train, python, small, workDir);

    const text = report(upload, training, {
      ...machine(),
      nproc,
      took: (performance.now() - started) / 1000,
      generateMs,
      code,
      codeChanged: codeState().hash !== code.hash,
    });
    process.stdout.write(`\n${text}`);
    if (!quick) log(`wrote ${writeResult("train.md", text)}`);
  } catch (error) {
    if (train) log(`train function's output:\n${train.pinned.output().slice(-4000)}`);
    throw error;
  } finally {
    await train?.pinned.stop();
    rmSync(workDir, { recursive: true, force: true });
    await fixture.close();
  }
}

await main();
