/**
 * Where serve's time goes, for the targets bench/serve.ts misses. Not part of `bench:serve`:
 * run it with `node --import tsx bench/profile-serve.ts [phase…]`, phases being
 * `threads profile micro imports startup whatif coldwhatif tail` (default: all). Prints markdown.
 *
 * - threads: how serve's CPU per request splits between its main thread and the others.
 * - profile: `--cpu-prof` of serve under load, top functions by self time and totals by package.
 * - micro: per-call costs on the server core (bench/micro-serve.ts).
 * - imports: how long importing each dependency takes in a fresh process, plain and under tsx.
 * - startup: serve's cold start split into process start to listening, model load, first 200.
 * - whatif: req/s of esbuild bundles of serve with one proposed change to functions/ applied as a
 *   source rewrite at bundle time (functions/ itself is not edited), against the bundle as is;
 *   also with the access log, prediction log or metrics off (diagnostics only: production keeps
 *   them on).
 * - coldwhatif: the same for cold start.
 * - tail: p50 and p99 at a fixed half load, with the bursty parts switched off in turn.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build as esbuild } from "esbuild";
import { freePort } from "../minio/launcher.ts";
import { BUNDLE_OPTIONS } from "../toolchain/build.ts";
import {
  type BuiltServe,
  buildServe,
  buildWhatIf,
  doneBuilding,
  ownSources,
  type Rewrites,
} from "./build-serve.ts";
import { readMainProfile, summarizeProfile } from "./cpu-profile.ts";
import { type Fixture, startFixture } from "./fixture.ts";
import {
  awaitQuiet,
  cases,
  cleanUpOnSignal,
  fmt,
  loadSpec,
  log,
  measure,
  pinSelfToLoadCore,
  processTicks,
  root,
  runLoad,
  SERVER_CORE,
  type ServeProcess,
  startBare,
  startReadyServe,
  startServe,
} from "./harness.ts";
import type { MicroResult } from "./micro-serve.ts";
import { baseEnv, runPinned, untilOk } from "./processes.ts";

const TIMING = { warmupSeconds: 2, seconds: 8 };
const phases = process.argv.slice(2);
const wants = (phase: string) => phases.length === 0 || phases.includes(phase);
const out: string[] = [];
const say = (text: string) => {
  out.push(text);
  process.stdout.write(`${text}\n`);
};

const TSX = ["--import", "tsx", "functions/serve/main.ts"];

/** Each bundle is built once per command, however many phases and variants start it. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

const imageBundles = once(buildServe);

/** serve bundled as the what-ifs are but with nothing rewritten: what each is held against. */
const asIsBundle = once(async () => {
  const outfile = await buildWhatIf("what-if-as-is", {});
  await doneBuilding();
  return outfile;
});

async function readyServe(
  fixture: Fixture,
  env: Record<string, string> = {},
  nodeOptions: string[] = [],
  entry = TSX,
): Promise<{ serve: ServeProcess; base: string; predict: { path: string; body: string } }> {
  const serve = await startReadyServe(fixture, [...nodeOptions, ...entry], { env });
  const { base } = serve;
  const [predict] = cases(fixture, "float_input");
  if (!predict) throw new Error("no cases");
  return { serve, base, predict };
}

/** CPU seconds of the process's main thread and of all its other threads together. */
function threadCpu(pid: number): { main: number; others: number } {
  let main = 0;
  let others = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    // Clock ticks of 1/100 s; 0 for a thread that ended while we looked.
    const seconds = processTicks(pid, Number(tid)) / 100;
    if (Number(tid) === pid) main += seconds;
    else others += seconds;
  }
  return { main, others };
}

async function threads(fixture: Fixture): Promise<void> {
  log("serve's threads under load…");
  const { serve, base, predict } = await readyServe(fixture);
  try {
    const pid = serve.pinned.child.pid as number;
    const before = threadCpu(pid);
    const result = await runLoad(loadSpec(`${base}${predict.path}`, predict.body, TIMING));
    const after = threadCpu(pid);
    // The thread counters include the warm-up, so per request divides by every request made.
    const requests = result.requestsPerSecond * (TIMING.warmupSeconds + TIMING.seconds);
    const perRequest = (seconds: number) => fmt((seconds * 1e6) / requests);
    say(
      `\n## serve's CPU by thread, named predict 1 row (${fmt(result.requestsPerSecond)} req/s)\n`,
    );
    say(
      `- main thread: ${perRequest(after.main - before.main)} µs per request; all other threads: ${perRequest(after.others - before.others)} µs per request (onnxruntime-node runs the session on the main thread, deferred by setImmediate; the others are libuv's pool, where pino's asynchronous writes go, and V8's GC helpers)`,
    );
  } finally {
    await serve.pinned.stop();
  }
}

/** summarizeProfile's files, with skiff's own sources added up as one entry. */
function byPackage(files: ReadonlyArray<[string, number]>): Array<[string, number]> {
  const packages = new Map<string, number>();
  for (const [file, ms] of files) {
    const key = file.includes("functions/") ? "skiff functions/" : file;
    packages.set(key, (packages.get(key) ?? 0) + ms);
  }
  return [...packages].sort((a, b) => b[1] - a[1]);
}

async function profile(
  fixture: Fixture,
  label: string,
  entry: string[],
  env: Record<string, string> = {},
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-cpu-prof-"));
  try {
    const { serve, base, predict } = await readyServe(
      fixture,
      env,
      ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=250"],
      entry,
    );
    let window: [number, number];
    let rps: number;
    try {
      log("profiling serve under load…");
      // V8 stamps samples with the same monotonic clock as hrtime, in microseconds.
      const from = Number(process.hrtime.bigint() / 1000n);
      const result = await runLoad(loadSpec(`${base}${predict.path}`, predict.body, TIMING));
      window = [from + (TIMING.warmupSeconds + 1) * 1e6, Number(process.hrtime.bigint() / 1000n)];
      rps = result.requestsPerSecond;
    } finally {
      await serve.pinned.stop();
    }
    const summary = summarizeProfile(dir, root, window);
    if (summary.totalMs === 0) throw new Error("no profile samples fell in the load window");
    const { totalMs: total, idleMs: idle } = summary;
    const busy = total - idle;
    say(`\n## CPU profile of serve's main thread under load: ${label} (${fmt(rps)} req/s)\n`);
    say(
      `${fmt(total)} ms sampled every 250 µs in the measured window; idle ${fmt((idle / total) * 100, 1)}%. Shares below are of the non-idle time.\n`,
    );
    say("| package | self ms | share |\n| --- | --- | --- |");
    for (const [pkg, ms] of byPackage(summary.files).slice(0, 16)) {
      if (pkg === "(idle)") continue;
      say(`| ${pkg} | ${fmt(ms)} | ${fmt((ms / busy) * 100, 1)}% |`);
    }
    say("\n| function | self ms | share |\n| --- | --- | --- |");
    for (const [key, ms] of summary.functions.slice(0, 30)) {
      if (key.startsWith("(idle)")) continue;
      say(`| \`${key}\` | ${fmt(ms)} | ${fmt((ms / busy) * 100, 1)}% |`);
    }
  } finally {
    // BENCH_KEEP_PROFILE=1 leaves the .cpuprofile for a closer look (e.g. in Chrome DevTools).
    if (process.env.BENCH_KEEP_PROFILE) log(`profile kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const runNode = (args: string[], env: Record<string, string>) =>
  runPinned(SERVER_CORE, process.execPath, args, env, root);

async function micro(fixture: Fixture): Promise<void> {
  log("per-call costs on the server core…");
  const text = await runNode(["--import", "tsx", "bench/micro-serve.ts"], {
    ...baseEnv(),
    ...fixture.storage,
    BENCH_IRIS_ROWS: JSON.stringify(fixture.irisRows),
    BENCH_IRIS_FEATURES: JSON.stringify(fixture.irisFeatures),
  });
  const results = JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as MicroResult;
  say("\n## Per-call costs on the server core\n");
  say("| operation | µs per call |\n| --- | --- |");
  for (const [label, us] of Object.entries(results)) say(`| ${label} | ${fmt(us, 2)} |`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function imports(): Promise<void> {
  const modules = [
    "hono",
    "@hono/node-server",
    "zod",
    "@hono/zod-openapi",
    "pino",
    "prom-client",
    "@aws-sdk/client-s3",
    "@aws-sdk/lib-storage",
    "@aws-sdk/s3-request-presigner",
    "onnxruntime-node",
    "onnx-proto",
  ];
  const own = [
    "functions/lib/storage/object-store.ts",
    "functions/serve/app.ts",
    "functions/serve/setup.ts",
  ];
  const RUNS = 5;
  // What a bundle pays for one package: esbuild bundles just it, so no module resolution and
  // no file reads per module are left, only parsing and running its code.
  const probes = join(root, "dist", "bench", "import-probes");
  const probe = async (specifier: string, i: number) => {
    const outfile = join(probes, `${i}.mjs`);
    await esbuild({
      ...BUNDLE_OPTIONS,
      stdin: {
        contents: `import * as m from ${JSON.stringify(specifier)}; export default m;`,
        resolveDir: root,
      },
      plugins: [ownSources()],
      outfile,
      logLevel: "error",
    });
    await doneBuilding();
    return pathToFileURL(outfile).href;
  };
  const timeImport = async (specifier: string, tsx: boolean) => {
    const code = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
    const args = [...(tsx ? ["--import", "tsx"] : []), "--input-type=module", "-e", code];
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(Number(await runNode(args, baseEnv())));
    return median(times);
  };
  const timeProcess = async (args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await runNode(args, baseEnv());
      times.push(performance.now() - started);
    }
    return median(times);
  };
  log("import times…");
  say(`\n## Import times in a fresh process on the server core (median of ${RUNS})\n`);
  say(`- \`node -e 0\`: ${fmt(await timeProcess(["-e", "0"]))} ms wall`);
  say(
    `- \`node --import tsx -e 0\`: ${fmt(await timeProcess(["--import", "tsx", "-e", "0"]))} ms wall\n`,
  );
  say(
    "| module | import ms, plain node | import ms, under tsx | import ms, esbuild bundle of it |\n| --- | --- | --- | --- |",
  );
  let i = 0;
  for (const m of [...modules, ...own]) {
    await awaitQuiet([]);
    const ownFile = own.includes(m);
    const url = await probe(ownFile ? `./${m}` : m, i++);
    const plain = ownFile ? "–" : fmt(await timeImport(m, false));
    const tsx = fmt(await timeImport(ownFile ? `./${m}` : m, true));
    const label = ownFile ? `${m} (with all it imports)` : m;
    say(`| ${label} | ${plain} | ${tsx} | ${fmt(await timeImport(url, false))} |`);
  }
}

async function startup(fixture: Fixture, built: BuiltServe): Promise<void> {
  const RUNS = 7;
  const variants: Array<[string, string[]]> = [
    ["serve (tsx)", TSX],
    ["serve (esbuild bundle)", [built.serve]],
  ];
  say(`\n## serve's cold start, split (median of ${RUNS}, ms from spawn)\n`);
  say("| entry | listening | model loaded | first 200 | load took (serve's log) |");
  say("| --- | --- | --- | --- | --- |");
  for (const [label, entry] of variants) {
    log(`startup split: ${label}`);
    const listening: number[] = [];
    const loaded: number[] = [];
    const first: number[] = [];
    const loadMs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await awaitQuiet([fixture.minioPid]);
      const started = performance.now();
      const serve = await startServe(fixture, entry, { stdout: "pipe" });
      const seen = new Map<string, number>();
      serve.pinned.child.stdout?.on("data", (chunk: Buffer) => {
        const now = performance.now() - started;
        for (const line of chunk.toString().split("\n")) {
          if (line.includes('"msg":"serve listening"')) seen.set("listening", now);
          if (line.includes('"msg":"model loaded"')) {
            seen.set("loaded", now);
            seen.set("loadMs", Number(/"ms":(\d+)/.exec(line)?.[1]));
          }
        }
      });
      try {
        const url = `http://127.0.0.1:${serve.port}/models/iris/predict`;
        const [predict] = cases(fixture, "float_input");
        first.push(await untilOk(serve.pinned, "POST", url, predict?.body, started));
        // pino writes asynchronously: give the lines a moment to arrive.
        await new Promise((r) => setTimeout(r, 100));
        listening.push(seen.get("listening") ?? Number.NaN);
        loaded.push(seen.get("loaded") ?? Number.NaN);
        loadMs.push(seen.get("loadMs") ?? Number.NaN);
      } finally {
        await serve.pinned.stop();
      }
    }
    say(
      `| ${label} | ${fmt(median(listening))} | ${fmt(median(loaded))} | ${fmt(median(first))} | ${fmt(median(loadMs))} |`,
    );
  }
  say(
    "\n(listening and model loaded are when serve's log lines reached this process; pino writes them asynchronously, so they may trail the events by a few ms.)",
  );
}

/** Replaces `find` in a source file, failing loudly once the source has moved on. */
function swap(find: string, replacement: string): (source: string) => string {
  return (source) => {
    if (!source.includes(find)) throw new Error(`what-if no longer applies: ${find}`);
    return source.replace(find, replacement);
  };
}

interface WhatIf {
  label: string;
  rewrites?: Rewrites;
  env?: Record<string, string>;
  bare?: boolean;
}

const NO_METRICS_MIDDLEWARE: Rewrites = {
  "functions/lib/http/observe-request.ts": swap(
    "if (metrics) recordRequest(metrics, fn, c, durationMs);",
    "",
  ),
};

const QUIET = { SKIFF_LOG_LEVEL: "warn", SKIFF_PREDICTION_LOG_ENABLED: "false" };

const WHAT_IFS: WhatIf[] = [
  { label: "bundle as is (as deployed)" },
  { label: "no access log (diagnostic)", env: { SKIFF_LOG_LEVEL: "warn" } },
  { label: "no prediction log (diagnostic)", env: { SKIFF_PREDICTION_LOG_ENABLED: "false" } },
  { label: "no HTTP metrics middleware (diagnostic)", rewrites: NO_METRICS_MIDDLEWARE },
  {
    label: "no access log, prediction log or metrics (diagnostic)",
    rewrites: NO_METRICS_MIDDLEWARE,
    env: QUIET,
  },
  { label: "bare Hono route (reference)", bare: true },
  {
    label: "bare Hono route that parses the JSON body (reference)",
    bare: true,
    env: { BARE_READ_JSON: "1" },
  },
];

async function whatIf(fixture: Fixture): Promise<void> {
  const REPEATS = 3;
  const timing = { warmupSeconds: 2, seconds: 6 };
  const { bareHono } = await imageBundles();
  const entries = new Map<WhatIf, string>();
  for (const [i, w] of WHAT_IFS.entries()) {
    if (w.bare) entries.set(w, bareHono);
    else if (w.rewrites) entries.set(w, await buildWhatIf(`what-if-${i}`, w.rewrites));
    else entries.set(w, await asIsBundle());
  }
  await doneBuilding();
  const [predict] = cases(fixture, "float_input");
  if (!predict) throw new Error("no cases");
  const rps = new Map<WhatIf, number[]>(WHAT_IFS.map((w) => [w, []]));
  for (let round = 0; round < REPEATS; round++) {
    for (const w of WHAT_IFS) {
      log(`what-if ${round + 1}/${REPEATS}: ${w.label}`);
      const entry = entries.get(w) as string;
      let url: string;
      let stop: () => Promise<void>;
      let pid: number;
      if (w.bare) {
        const port = await freePort();
        const bare = startBare([entry], port, { env: w.env });
        stop = bare.stop;
        pid = bare.child.pid as number;
        url = `http://127.0.0.1:${port}/`;
        await untilOk(bare, "POST", url, "{}", performance.now());
      } else {
        const serve = await startReadyServe(fixture, [entry], { env: w.env });
        stop = serve.pinned.stop;
        pid = serve.pinned.child.pid as number;
        url = `${serve.base}${predict.path}`;
      }
      try {
        const result = await measure(loadSpec(url, predict.body, timing), [pid, fixture.minioPid]);
        rps.get(w)?.push(result.requestsPerSecond);
      } finally {
        await stop();
      }
    }
  }
  const reference = median(rps.get(WHAT_IFS[0] as WhatIf) ?? []);
  say(`\n## What-if bundles: named predict, 1 row (median of ${REPEATS} interleaved runs)\n`);
  say("| variant | req/s | runs | vs bundle as is |\n| --- | --- | --- | --- |");
  for (const w of WHAT_IFS) {
    const xs = rps.get(w) ?? [];
    say(
      `| ${w.label} | ${fmt(median(xs))} | ${xs.map((x) => fmt(x)).join(", ")} | ${fmt((median(xs) / reference - 1) * 100, 1)}% |`,
    );
  }
}

/**
 * Main-thread CPU profile of the image's bundle from spawn to its first 200: which packages'
 * module code costs most at start.
 */
async function startupProfile(fixture: Fixture, built: BuiltServe): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-cpu-prof-"));
  try {
    const [predict] = cases(fixture, "float_input");
    await awaitQuiet([fixture.minioPid]);
    const started = performance.now();
    const serve = await startServe(fixture, [
      "--cpu-prof",
      `--cpu-prof-dir=${dir}`,
      "--cpu-prof-interval=100",
      built.serve,
    ]);
    let first: number;
    try {
      const url = `http://127.0.0.1:${serve.port}/models/iris/predict`;
      first = await untilOk(serve.pinned, "POST", url, predict?.body, started);
    } finally {
      await serve.pinned.stop();
    }
    const prof = readMainProfile(dir);
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    // esbuild names each module's wrapper after its path (`node_modules/zod/v4/core/core.js`);
    // a sample belongs to the innermost such wrapper on its stack, so nothing counts twice.
    const moduleOf = (name: string) =>
      /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(name)?.[1] ??
      (name.startsWith("functions/") ? "skiff functions/" : undefined);
    const byModule = new Map<string, number>();
    const self = new Map<string, number>();
    let t = prof.startTime;
    let busy = 0;
    // Only what happens before the first 200 counts.
    const end = prof.startTime + first * 1000;
    for (let i = 0; i < prof.samples.length; i++) {
      t += prof.timeDeltas[i] ?? 0;
      if (t > end) break;
      const dt = prof.timeDeltas[i + 1] ?? 0;
      const leaf = byId.get(prof.samples[i] as number);
      const leafName = leaf?.callFrame.functionName || "(anonymous)";
      if (leafName === "(idle)") continue;
      busy += dt;
      self.set(leafName, (self.get(leafName) ?? 0) + dt);
      let owner = "(the bundle's top-level ES module code, compiling, GC, native)";
      for (let id: number | undefined = leaf?.id; id !== undefined; id = parent.get(id)) {
        const found = moduleOf(byId.get(id)?.callFrame.functionName ?? "");
        if (found) {
          owner = found;
          break;
        }
      }
      byModule.set(owner, (byModule.get(owner) ?? 0) + dt);
    }
    say(
      `\n## Where the bundle's start goes: CPU profile from spawn to first 200 (${fmt(first)} ms wall with the profiler on, ${fmt(busy / 1000)} ms busy on the main thread)\n`,
    );
    say("| package whose module code ran | ms |\n| --- | --- |");
    for (const [name, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, 16)) {
      say(`| ${name} | ${fmt(us / 1000, 1)} |`);
    }
    say("\n| function (self) | ms |\n| --- | --- |");
    for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      say(`| \`${name}\` | ${fmt(us / 1000, 1)} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The latency tail at half load: named predict, evenly paced at a fixed rate, with the parts
 * that run in bursts (the prediction log's flush every SKIFF_PREDICTION_LOG_BATCH records)
 * switched off in turn, to see which of them the p99 comes from.
 */
async function tail(fixture: Fixture): Promise<void> {
  const RATE = 1500;
  const timing = { warmupSeconds: 2, seconds: 10 };
  const bundled = await asIsBundle();
  const variants: Array<[string, string[], Record<string, string>]> = [
    ["as deployed (tsx)", TSX, {}],
    ["prediction log off (tsx, diagnostic)", TSX, { SKIFF_PREDICTION_LOG_ENABLED: "false" }],
    ["access log off (tsx, diagnostic)", TSX, { SKIFF_LOG_LEVEL: "warn" }],
    ["as deployed (bundle)", [bundled], {}],
  ];
  say(`\n## Latency at ${fmt(RATE)} req/s, evenly paced (named predict, 1 row)\n`);
  say("| serve | p50 ms | p99 ms | others' CPU |\n| --- | --- | --- | --- |");
  for (const [label, entry, env] of variants) {
    log(`tail: ${label}`);
    const { serve, base, predict } = await readyServe(fixture, env, [], entry);
    try {
      const result = await measure(
        loadSpec(`${base}${predict.path}`, predict.body, timing, {
          rate: RATE,
          generator: "paced",
        }),
        [serve.pinned.child.pid as number, fixture.minioPid],
      );
      say(
        `| ${label} | ${fmt(result.p50, 2)} | ${fmt(result.p99, 2)} | ${fmt(result.foreignCpu * 100)}% |`,
      );
    } finally {
      await serve.pinned.stop();
    }
  }
}

const LAZY_UPLOAD_LIBS: Rewrites = {
  "functions/lib/storage/object-store.ts": (source) =>
    [
      swap('import { Upload } from "@aws-sdk/lib-storage";\n', ""),
      swap('import { getSignedUrl } from "@aws-sdk/s3-request-presigner";\n', ""),
      swap(
        "const upload = new Upload({",
        'const { Upload } = await import("@aws-sdk/lib-storage");\n    const upload = new Upload({',
      ),
      swap(
        "return await getSignedUrl(this.client",
        'const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");\n      return await getSignedUrl(this.client',
      ),
    ].reduce((text, rewrite) => rewrite(text), source),
};

/** Cold start of serve bundles with a proposed change, interleaved, against the bundle as is. */
async function coldWhatIf(fixture: Fixture): Promise<void> {
  const RUNS = 9;
  const variants: Array<[string, Rewrites | undefined, string[]]> = [
    ["bundle as is", undefined, []],
    ["upload and presign libraries imported when first used (proposed)", LAZY_UPLOAD_LIBS, []],
    // Start-up allocates many small, long-lived objects (schemas, routes, SDK clients): a larger
    // young generation means fewer scavenges that copy them.
    ["node --max-semi-space-size=16 (proposed)", undefined, ["--max-semi-space-size=16"]],
  ];
  const entries: string[] = [];
  for (const [i, [, rewrites]] of variants.entries()) {
    entries.push(rewrites ? await buildWhatIf(`cold-what-if-${i}`, rewrites) : await asIsBundle());
  }
  await doneBuilding();
  const [predict] = cases(fixture, "float_input");
  const times = variants.map(() => [] as number[]);
  for (let round = 0; round <= RUNS; round++) {
    for (const [i, entry] of entries.entries()) {
      await awaitQuiet([fixture.minioPid]);
      const started = performance.now();
      const flags = variants[i]?.[2] ?? [];
      const serve = await startServe(fixture, [...flags, entry]);
      try {
        const url = `http://127.0.0.1:${serve.port}/models/iris/predict`;
        const ms = await untilOk(serve.pinned, "POST", url, predict?.body, started);
        // Round 0 warms the page cache.
        if (round > 0) times[i]?.push(ms);
      } finally {
        await serve.pinned.stop();
      }
    }
  }
  const reference = median(times[0] ?? []);
  say(`\n## What-if bundles: cold start to first 200 (median of ${RUNS} interleaved spawns)\n`);
  say("| variant | median ms | vs bundle as is |\n| --- | --- | --- |");
  for (const [i, [label]] of variants.entries()) {
    const m = median(times[i] ?? []);
    say(`| ${label} | ${fmt(m)} | ${fmt(m - reference)} ms |`);
  }
}

pinSelfToLoadCore("server and load generator");
const built = wants("startup") ? await imageBundles() : undefined;
const fixture = await startFixture(log);
cleanUpOnSignal(() => fixture.close());
try {
  if (wants("threads")) await threads(fixture);
  if (wants("profile")) {
    await profile(fixture, "as deployed (tsx)", TSX);
    await profile(fixture, "as the image runs it (bundle)", [await asIsBundle()]);
    await profile(fixture, "as deployed but SKIFF_LOG_LEVEL=warn (tsx, diagnostic)", TSX, {
      SKIFF_LOG_LEVEL: "warn",
    });
  }
  if (wants("micro")) await micro(fixture);
  if (wants("imports")) await imports();
  if (wants("startup") && built) {
    await startup(fixture, built);
    await startupProfile(fixture, built);
  }
  if (wants("whatif")) await whatIf(fixture);
  if (wants("coldwhatif")) await coldWhatIf(fixture);
  if (wants("tail")) await tail(fixture);
} finally {
  await fixture.close();
}
