/**
 * What the benchmarks share: pinned server processes, load runs on the other core, the requests
 * serve is measured with, and CPU accounting. Their reports are rendered by report.ts.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../minio/launcher.ts";
import { fillCompileCache } from "../toolchain/compile-cache.ts";
import { ensureImageNode, imageNodeVersion } from "../toolchain/image-node.ts";
import type { Fixture } from "./fixture.ts";
import type { LoadResult, LoadSpec } from "./load.ts";
import {
  baseEnv,
  lastJsonLine,
  type Pinned,
  runPinned,
  spawnPinned,
  stopAllChildren,
  untilOk,
} from "./processes.ts";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
export const CONNECTIONS = 32;
export const BATCH = 64;

export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/**
 * Checks there are two cores to keep apart (`apart` says what), pins this process, every thread
 * of it (-a), to the load core (MinIO and the load runs started from here inherit it, and the
 * server under test gets the other core to itself), and answers the machine's core count, read
 * before pinning (after it, one core shows).
 */
export function pinSelfToLoadCore(apart: string): number {
  const nproc = availableParallelism();
  if (nproc < 2) throw new Error(`needs 2 cores (${apart} apart); nproc is ${nproc}`);
  execFileSync("taskset", ["-a", "-p", "-c", String(LOAD_CORE), String(process.pid)], {
    stdio: "ignore",
  });
  return nproc;
}

/**
 * Stops what the benchmark started when the orchestrator itself is told to stop: Ctrl-C reaches
 * the whole process group anyway, but a `kill` of the orchestrator alone would leave MinIO and
 * the servers running.
 */
export function cleanUpOnSignal(close: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    stopAllChildren();
    void close().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

// ---------------------------------------------------------------------------------------------
// Processes

/** The Node release the image runs, and a compile cache for serve filled as its build fills it. */
export interface ImageRuntime {
  node: string;
  version: string;
  /** NODE_COMPILE_CACHE for the serve bundle. */
  compileCache: string;
}

export async function imageRuntime(serveBundle: string, cacheDir: string): Promise<ImageRuntime> {
  const version = imageNodeVersion();
  const node = await ensureImageNode(log);
  log(`filling a compile cache for serve on the image's Node ${version}…`);
  await fillCompileCache(node, version, [serveBundle], cacheDir);
  return { node, version, compileCache: cacheDir };
}

export function startBare(
  entry: string[],
  port: number,
  options: { env?: Record<string, string>; command?: string } = {},
): Pinned {
  return spawnPinned({
    core: SERVER_CORE,
    command: options.command,
    args: entry,
    env: { ...baseEnv(), ...options.env, PORT: String(port) },
    cwd: root,
  });
}

export interface ServeProcess {
  pinned: Pinned;
  port: number;
  adminPort: number;
}

export interface ServeOptions {
  /** Where its stdout goes: "ignore" (the default), a file descriptor, or kept ("pipe"). */
  stdout?: number | "ignore" | "pipe";
  /** Settings beside the fixture's storage, PRELOAD_MODELS=iris and the ports. */
  env?: Record<string, string>;
  /** The node binary (default: this one); `entry` starts with any flags it needs. */
  command?: string;
}

/** serve from `entry` (node's arguments), pinned to the server core, on free ports. */
export async function startServe(
  fixture: Pick<Fixture, "storage">,
  entry: string[],
  options: ServeOptions = {},
): Promise<ServeProcess> {
  const port = await freePort();
  const adminPort = await freePort();
  const pinned = spawnPinned({
    core: SERVER_CORE,
    command: options.command,
    args: entry,
    env: {
      ...baseEnv(),
      ...fixture.storage,
      PRELOAD_MODELS: "iris",
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
      ...options.env,
    },
    stdout: options.stdout ?? "ignore",
    cwd: root,
  });
  return { pinned, port, adminPort };
}

/** startServe, once its /readyz says its preloaded models are in memory. */
export async function startReadyServe(
  fixture: Pick<Fixture, "storage">,
  entry: string[],
  options: ServeOptions = {},
): Promise<ServeProcess & { base: string }> {
  const serve = await startServe(fixture, entry, options);
  const base = `http://127.0.0.1:${serve.port}`;
  await untilOk(serve.pinned, "GET", `${base}/readyz`, undefined, performance.now());
  return { ...serve, base };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const out = await runPinned(
    LOAD_CORE,
    process.execPath,
    ["--import", "tsx", join(root, "bench/load.ts"), JSON.stringify(spec)],
    baseEnv(),
    root,
  );
  const result = lastJsonLine<LoadResult>(out);
  if (result.failures > 0) {
    throw new Error(`${spec.url}: ${result.failures} requests failed under load`);
  }
  return result;
}

/** Clock ticks (1/100 s) all cores together spent busy (anything but idle and iowait; steal counts). */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - (ticks[3] ?? 0) - (ticks[4] ?? 0), total };
}

/** The fields of a /proc stat file after the command name, the first being state (stat(5)). */
export function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Two adjacent tick counters of a stat file, from fields[at]; 0 once the process is gone. */
function ticksAt(path: string, at: number): number {
  const fields = statFields(path);
  return fields ? Number(fields[at]) + Number(fields[at + 1]) : 0;
}

/**
 * Clock ticks the process has run, all its threads together, or given `tid` that thread alone
 * (utime and stime, fields 14 and 15 of stat(5)); 0 once it is gone.
 */
export function processTicks(pid: number, tid?: number): number {
  return ticksAt(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 11);
}

/**
 * Clock ticks the process's children took that have exited and been waited for (cutime and
 * cstime of stat(5)): the CPU of a short-lived child, such as a training job the train
 * function spawned, once it is gone.
 */
export function reapedChildTicks(pid: number): number {
  return ticksAt(`/proc/${pid}/stat`, 13);
}

/**
 * Watches how much CPU processes outside this benchmark take while it measures: the machine is
 * shared, and a busy neighbour would otherwise pass for a slow server. `ownPids` are the
 * benchmark's long-lived processes besides this one (the server, MinIO); a short-lived one that
 * ends inside the window reports its own CPU to stop().
 */
export function watchNeighbours(ownPids: number[]): { stop(ownTicks?: number): number } {
  const pids = [process.pid, ...ownPids];
  const own = () => pids.reduce((sum, pid) => sum + processTicks(pid), 0);
  const machine0 = machineTicks();
  const own0 = own();
  return {
    /** Others' CPU as a share of one core over the window. */
    stop(ownTicks = 0) {
      const machine1 = machineTicks();
      const busy = machine1.busy - machine0.busy - (own() - own0) - ownTicks;
      const perCore = (machine1.total - machine0.total) / (availableCores || 1);
      return Math.max(0, busy) / (perCore || 1);
    },
  };
}

/** Cores the machine has, whatever this process is pinned to. */
const availableCores = cpus().length;

/** How long, over the whole command, measurements may wait for the machine to calm down. */
let quietBudgetMs = 180_000;

/**
 * Waits, half a second at a time, until half a second passes in which other processes took at
 * most QUIET_SHARE of a core, or the command's waiting budget is spent. Returns whether it is.
 */
export async function awaitQuiet(ownPids: number[]): Promise<boolean> {
  let announced = false;
  while (quietBudgetMs > 0) {
    const watch = watchNeighbours(ownPids);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const foreign = watch.stop();
    if (foreign <= QUIET_SHARE) return true;
    quietBudgetMs -= 500;
    if (!announced) {
      log(`other processes are taking ${Math.round(foreign * 100)}% of a core; waiting for quiet`);
      announced = true;
    }
  }
  return false;
}

export interface Measured extends LoadResult {
  /** CPU that processes outside the benchmark took during the run, as a share of one core. */
  foreignCpu: number;
  tries: number;
}

/** Above this much CPU taken by others (share of one core) a measurement is repeated. */
export const QUIET_SHARE = 0.05;

/**
 * A load run, repeated (up to `tries` times) while other processes on this machine took more
 * than QUIET_SHARE of a core; the cleanest run is kept.
 */
export async function measure(spec: LoadSpec, ownPids: number[], tries = 3): Promise<Measured> {
  let best: Measured | undefined;
  for (let attempt = 1; attempt <= tries; attempt++) {
    await awaitQuiet(ownPids);
    const watch = watchNeighbours(ownPids);
    const result = await runLoad(spec);
    const foreign = watch.stop(result.processCpuMs / 10);
    if (!best || foreign < best.foreignCpu)
      best = { ...result, foreignCpu: foreign, tries: attempt };
    if (foreign <= QUIET_SHARE) break;
    log(`other processes took ${Math.round(foreign * 100)}% of a core meanwhile; run again`);
  }
  return best as Measured;
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface Case {
  label: string;
  path: string;
  body: string;
  rows: number;
  /** Checks one answer before the load, so the figures are for correct answers. */
  check: (answer: unknown) => boolean;
  target?: { share: number };
}

export function cases(fixture: Fixture, inputName: string): Case[] {
  const named = (row: number[]) =>
    Object.fromEntries(fixture.irisFeatures.map((f, i) => [f, row[i] as number]));
  const rows = Array.from({ length: BATCH }, (_, i) => {
    return fixture.irisRows[i % fixture.irisRows.length] as number[];
  });
  const one = fixture.irisRows[0] as number[];
  const v2 = (batch: number[][]) =>
    JSON.stringify({
      inputs: [{ name: inputName, shape: [batch.length, 4], datatype: "FP32", data: batch.flat() }],
    });
  const v2Rows = (n: number) => (a: unknown) => {
    const outputs = (a as { outputs?: Array<{ shape: number[] }> }).outputs ?? [];
    return outputs.length > 0 && outputs.every((o) => o.shape[0] === n);
  };
  return [
    {
      label: "named predict, 1 row",
      path: "/models/iris/predict",
      body: JSON.stringify(named(one)),
      rows: 1,
      check: (a) => typeof (a as { label?: unknown }).label === "string",
      target: { share: 0.65 },
    },
    {
      label: "v2 infer, 1 row",
      path: "/v2/models/iris/infer",
      body: v2([one]),
      rows: 1,
      check: v2Rows(1),
      target: { share: 0.6 },
    },
    {
      label: `v2 infer, ${BATCH} rows`,
      path: "/v2/models/iris/infer",
      body: v2(rows),
      rows: BATCH,
      check: v2Rows(BATCH),
    },
    {
      label: `named predict, ${BATCH} rows`,
      path: "/models/iris/predict",
      body: JSON.stringify({ instances: rows.map(named) }),
      rows: BATCH,
      check: (a) => (a as { predictions?: unknown[] }).predictions?.length === BATCH,
    },
  ];
}

/** A load run at the bench's fixed concurrency; `extra` overrides. */
export function loadSpec(
  url: string,
  body: string,
  timing: { warmupSeconds: number; seconds: number },
  extra: Partial<LoadSpec> = {},
): LoadSpec {
  return {
    url,
    body,
    connections: CONNECTIONS,
    ...timing,
    generator: "autocannon",
    ...extra,
  };
}
