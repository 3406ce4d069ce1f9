/**
 * Reads a `node --cpu-prof` profile into self time per function and per source file, for the
 * benchmarks' "where the time goes" sections.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * The main thread's profile in `dir`: tsx's module hooks run on a thread of their own that writes
 * a profile too (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; the main thread is 0).
 */
function readMainProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) throw new Error(`no main-thread CPU profile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
}

export interface ProfileSummary {
  /** Sampled time (in the window), ms, idle and garbage collection included. */
  totalMs: number;
  idleMs: number;
  gcMs: number;
  /** Self ms per function (`name file:line`), largest first. */
  functions: Array<[string, number]>;
  /** Self ms per source file (or node_modules package, or V8 pseudo-frame), largest first. */
  files: Array<[string, number]>;
}

function fileOf(url: string, name: string, root: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith("node:")) return "node: internals";
  return url.replace(/^file:\/\//, "").replace(root, "");
}

/** Summarizes the main thread's profile in `dir` (readMainProfile). */
export function summarizeProfile(
  dir: string,
  root: string,
  /** Only samples in [from, to], µs of the monotonic clock (process.hrtime), as V8 stamps them. */
  window?: [number, number],
): ProfileSummary {
  const prof = readMainProfile(dir);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let t = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i] ?? 0;
    if (window && (t < window[0] || t > window[1])) continue;
    // A sample's time is the gap to the next one.
    const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(prof.samples[i] as number);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, "").replace(root, "");
    // tsx's transform leaves skiff's own frames without useful line numbers (all on line 1).
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : "";
    const key = `${functionName || "(anonymous)"}${where ? ` ${where}${line}` : ""}`;
    functions.set(key, (functions.get(key) ?? 0) + dt);
    const f = fileOf(url, functionName, root);
    files.set(f, (files.get(f) ?? 0) + dt);
    total += dt;
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    totalMs: total,
    idleMs: files.get("(idle)") ?? 0,
    gcMs: files.get("(garbage collector)") ?? 0,
    functions: sorted(functions),
    files: sorted(files),
  };
}
