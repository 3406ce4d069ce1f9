/**
 * `npm run bench:serve`: serve's throughput, latency and cold start against a bare Hono route,
 * all from one run on this machine. The server under test gets core 0 to itself; the load
 * generator, this orchestrator and MinIO share core 1. serve runs as deployed: its bundle on the
 * image's Node release (toolchain/image-node.ts), default info-level access log, prediction log
 * on, model preloaded from MinIO. Cold start is measured on this machine's Node as well, and on
 * the image's with and without the compile cache the image carries.
 *
 * `--quick` shortens every phase for trying the script out; it writes no results file.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../minio/launcher.ts";
import { type BuiltServe, buildServe } from "./build-serve.ts";
import { type Fixture, startFixture } from "./fixture.ts";
import {
  awaitQuiet,
  type Case,
  CONNECTIONS,
  cases,
  cleanUpOnSignal,
  imageRuntime,
  LOAD_CORE,
  loadSpec,
  log,
  type Measured,
  measure,
  pinSelfToLoadCore,
  processTicks,
  QUIET_SHARE,
  SERVER_CORE,
  startBare,
  startReadyServe,
  startServe,
  watchNeighbours,
} from "./harness.ts";
import type { LoadSpec } from "./load.ts";
import { type Pinned, send, untilOk } from "./processes.ts";
import { fmt, type Machine, machine, ms, table, verdict, writeResult } from "./report.ts";

const quick = process.argv.includes("--quick");
const WARMUP_SECONDS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 10;
const COLD_RUNS = quick ? 3 : 11;

// ---------------------------------------------------------------------------------------------
// Phases

interface LoadRow {
  label: string;
  rows: number;
  result: Measured;
  /** Share of the bare route's req/s that passes, when this row has a target. */
  share?: number;
}

interface Throughput {
  bare: Measured;
  /** Hono + zod + onnxruntime-node and nothing else, named predict's request. */
  lean: Measured;
  rows: LoadRow[];
  half: { rate: number; autocannon: Measured; paced: Measured };
  /** serve started as `node --single-threaded` (the chart's serve.singleThreaded). */
  singleThreaded: { max: Measured; rate: number; paced: Measured };
  accessLogLines: number;
  predictionLog: string;
}

const pidOf = (pinned: Pinned) => pinned.child.pid as number;

const spec = (url: string, body: string, extra: Partial<LoadSpec> = {}) =>
  loadSpec(url, body, { warmupSeconds: WARMUP_SECONDS, seconds: SECONDS }, extra);

/** Every side runs as the image runs serve: an esbuild bundle started by the image's Node. */
async function measureThroughput(
  fixture: Fixture,
  workDir: string,
  built: BuiltServe,
  node: string,
): Promise<Throughput> {
  const barePort = await freePort();
  const bare = startBare([built.bareHono], barePort, { command: node });
  let bareResult: Measured;
  try {
    const url = `http://127.0.0.1:${barePort}/`;
    await untilOk(bare, "POST", url, "{}", performance.now());
    log("bare Hono route under load…");
    bareResult = await measure(spec(url, JSON.stringify({ sepal_length: 5.1 })), [
      pidOf(bare),
      fixture.minioPid,
    ]);
  } finally {
    await bare.stop();
  }
  const lean = await measureLeanRoute(fixture, workDir, built, node);

  const logFile = join(workDir, "serve-stdout.ndjson");
  const fd = openSync(logFile, "w");
  const serve = await startReadyServe(fixture, [built.serve], { stdout: fd, command: node });
  closeSync(fd);
  try {
    const { base } = serve;
    const metadata = await send("GET", `${base}/v2/models/iris`);
    const inputName = (JSON.parse(metadata.body) as { inputs: Array<{ name: string }> }).inputs[0]
      ?.name;
    if (metadata.status !== 200 || !inputName) throw new Error(`metadata: ${metadata.body}`);

    const own = [pidOf(serve.pinned), fixture.minioPid];
    const rows: LoadRow[] = [];
    const all = cases(fixture, inputName);
    for (const c of all) {
      const answer = await send("POST", `${base}${c.path}`, c.body);
      if (answer.status !== 200 || !c.check(JSON.parse(answer.body))) {
        throw new Error(`${c.label}: unexpected answer ${answer.status} ${answer.body}`);
      }
    }
    for (const c of all) {
      log(`${c.label} under load…`);
      const result = await measure(spec(`${base}${c.path}`, c.body), own);
      rows.push({
        label: c.label,
        rows: c.rows,
        result,
        ...(c.target ? { share: c.target.share } : {}),
      });
    }

    const predict = all[0] as Case;
    const rate = halfOf(rows[0]?.result);
    log(`named predict at ${rate} req/s (half its maximum), autocannon overallRate…`);
    const autocannon = await measure(spec(`${base}${predict.path}`, predict.body, { rate }), own);
    const paced = await measurePaced(base, predict, rate, own);

    const metrics = await send("GET", `http://127.0.0.1:${serve.adminPort}/metrics`);
    const written = /skiff_prediction_log_records_total\{outcome="written"\} (\d+)/.exec(
      metrics.body,
    )?.[1];
    const dropped = /skiff_prediction_log_records_total\{outcome="dropped"\} (\d+)/.exec(
      metrics.body,
    )?.[1];
    await serve.pinned.stop();
    const accessLogLines = countLines(logFile, '"msg":"request"');
    const singleThreaded = await measureSingleThreaded(fixture, built, node, predict);
    return {
      bare: bareResult,
      lean,
      rows,
      half: { rate, autocannon, paced },
      singleThreaded,
      accessLogLines,
      predictionLog: `${written ?? 0} records written to MinIO, ${dropped ?? 0} dropped`,
    };
  } finally {
    await serve.pinned.stop();
  }
}

/** Half a run's throughput: the rate the p99 target is set at. */
const halfOf = (max: Measured | undefined) =>
  Math.max(1, Math.round((max?.requestsPerSecond ?? 0) / 2));

/** `c` sent at `rate` req/s at evenly spaced instants (an open loop). */
function measurePaced(base: string, c: Case, rate: number, own: number[]): Promise<Measured> {
  log(`${c.label} at ${rate} req/s, evenly paced…`);
  return measure(spec(`${base}${c.path}`, c.body, { rate, generator: "paced" }), own);
}

/**
 * Named predict's maximum and its p99 at half that, evenly paced, from serve started with
 * `--single-threaded`: V8 then runs no GC or compiler threads to take turns with requests on
 * serve's one core.
 */
async function measureSingleThreaded(
  fixture: Fixture,
  built: BuiltServe,
  node: string,
  predict: Case,
): Promise<Throughput["singleThreaded"]> {
  const serve = await startReadyServe(fixture, ["--single-threaded", built.serve], {
    command: node,
  });
  try {
    const { base } = serve;
    const own = [pidOf(serve.pinned), fixture.minioPid];
    log("named predict under load, node --single-threaded…");
    const max = await measure(spec(`${base}${predict.path}`, predict.body), own);
    const rate = halfOf(max);
    return { max, rate, paced: await measurePaced(base, predict, rate, own) };
  } finally {
    await serve.pinned.stop();
  }
}

/** The lean route (bench/lean-ort.ts) on named predict's one-row body, its answer checked first. */
async function measureLeanRoute(
  fixture: Fixture,
  workDir: string,
  built: BuiltServe,
  node: string,
): Promise<Measured> {
  const onnx = join(workDir, "iris.onnx");
  writeFileSync(onnx, fixture.irisOnnx);
  const port = await freePort();
  const lean = startBare([built.leanOrt], port, {
    env: { LEAN_ONNX: onnx, LEAN_FEATURES: JSON.stringify(fixture.irisFeatures) },
    command: node,
  });
  try {
    const url = `http://127.0.0.1:${port}/`;
    const [one] = cases(fixture, "float_input");
    if (!one) throw new Error("no cases");
    await untilOk(lean, "POST", url, one.body, performance.now());
    const answer = await send("POST", url, one.body);
    if (answer.status !== 200 || !one.check(JSON.parse(answer.body))) {
      throw new Error(`lean route: unexpected answer ${answer.status} ${answer.body}`);
    }
    log("lean Hono + zod + onnxruntime-node route under load…");
    return await measure(spec(url, one.body), [pidOf(lean), fixture.minioPid]);
  } finally {
    await lean.stop();
  }
}

function countLines(file: string, needle: string): number {
  let count = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) if (line.includes(needle)) count++;
  return count;
}

interface Variant {
  label: string;
  args: (built: BuiltServe) => string[];
  serve: boolean;
  env?: Record<string, string>;
  /** Started by the Node release the image runs (toolchain/image-node.ts), not this machine's. */
  imageNode?: boolean;
  /** With NODE_COMPILE_CACHE on a cache filled the way the image build fills its own. */
  compileCache?: boolean;
  /** The variant whose median this one is held against. */
  baseline?: string;
}

/** What the cold-start variants start: the bundles, the image's Node and its filled cache. */
interface ColdStartKit {
  built: BuiltServe;
  imageNode: string;
  compileCache: string;
}

const BARE_IMAGE_NODE = "bare Hono (esbuild bundle, the image's Node)";

const VARIANTS: Variant[] = [
  { label: "bare Hono (tsx)", args: () => ["--import", "tsx", "bench/bare-hono.ts"], serve: false },
  {
    label: "serve (tsx)",
    args: () => ["--import", "tsx", "functions/serve/main.ts"],
    serve: true,
    baseline: "bare Hono (tsx)",
  },
  {
    label: "serve (tsx, empty transform cache)",
    args: () => ["--import", "tsx", "functions/serve/main.ts"],
    serve: true,
    env: { TSX_DISABLE_CACHE: "1" },
    baseline: "bare Hono (tsx)",
  },
  { label: "bare Hono (esbuild bundle)", args: (b) => [b.bareHono], serve: false },
  {
    label: "serve (esbuild bundle)",
    args: (b) => [b.serve],
    serve: true,
    baseline: "bare Hono (esbuild bundle)",
  },
  { label: BARE_IMAGE_NODE, args: (b) => [b.bareHono], serve: false, imageNode: true },
  {
    label: "serve (esbuild bundle, the image's Node, no compile cache)",
    args: (b) => [b.serve],
    serve: true,
    imageNode: true,
    baseline: BARE_IMAGE_NODE,
  },
  {
    label: "serve as the image runs it: the image's Node, compile cache",
    args: (b) => [b.serve],
    serve: true,
    imageNode: true,
    compileCache: true,
    baseline: BARE_IMAGE_NODE,
  },
];

interface Spawned {
  ms: number;
  /** CPU other processes took between spawn and first 200, as a share of one core. */
  foreign: number;
}

/** Spawn → first 200, and how busy the rest of the machine kept the server's core meanwhile. */
async function coldStartOnce(
  fixture: Fixture,
  kit: ColdStartKit,
  variant: Variant,
  body: string,
): Promise<Spawned> {
  const { built } = kit;
  const command = variant.imageNode ? kit.imageNode : undefined;
  const env = {
    ...variant.env,
    ...(variant.compileCache ? { NODE_COMPILE_CACHE: kit.compileCache } : {}),
  };
  const watch = watchNeighbours([fixture.minioPid]);
  const started = performance.now();
  let pinned: Pinned;
  let url: string;
  let payload: string;
  if (variant.serve) {
    const serve = await startServe(fixture, variant.args(built), { env, command });
    pinned = serve.pinned;
    url = `http://127.0.0.1:${serve.port}/models/iris/predict`;
    payload = body;
  } else {
    const port = await freePort();
    pinned = startBare(variant.args(built), port, { env, command });
    url = `http://127.0.0.1:${port}/`;
    payload = "{}";
  }
  try {
    const ms = await untilOk(pinned, "POST", url, payload, started);
    return { ms, foreign: watch.stop(processTicks(pidOf(pinned))) };
  } finally {
    await pinned.stop();
  }
}

async function measureColdStarts(fixture: Fixture, kit: ColdStartKit) {
  const body = JSON.stringify(
    Object.fromEntries(fixture.irisFeatures.map((f, i) => [f, fixture.irisRows[0]?.[i]])),
  );
  const times = new Map<string, Spawned[]>(VARIANTS.map((v) => [v.label, []]));
  // Round 0 is not counted: it fills tsx's transform cache and the OS page cache.
  for (let round = 0; round <= COLD_RUNS; round++) {
    log(`cold starts, round ${round}/${COLD_RUNS}${round === 0 ? " (warm-up, not counted)" : ""}`);
    // Rotating the order spreads any drift over every variant alike.
    for (let i = 0; i < VARIANTS.length; i++) {
      const variant = VARIANTS[(i + round) % VARIANTS.length] as Variant;
      // As with load runs: a spawn that a busy neighbour slowed is tried again (up to 3 times).
      let best: Spawned | undefined;
      for (let attempt = 0; attempt < 3 && (best?.foreign ?? 1) > QUIET_SHARE; attempt++) {
        if (attempt > 0) await awaitQuiet([fixture.minioPid]);
        const spawned = await coldStartOnce(fixture, kit, variant, body);
        if (!best || spawned.foreign < best.foreign) best = spawned;
      }
      if (round > 0 && best) times.get(variant.label)?.push(best);
    }
  }
  return VARIANTS.map((variant) => {
    const spawns = times.get(variant.label) ?? [];
    const sorted = spawns.map((s) => s.ms).sort((a, b) => a - b);
    const foreign = spawns.map((s) => s.foreign).sort((a, b) => a - b);
    return {
      variant,
      median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
      min: sorted[0] ?? Number.NaN,
      max: sorted.at(-1) ?? Number.NaN,
      foreign: foreign[Math.floor(foreign.length / 2)] ?? Number.NaN,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Report

/** A one-row case's throughput as a share of the lean route's. */
function leanShare(throughput: Throughput, row: number): string {
  const rps = throughput.rows[row]?.result.requestsPerSecond ?? Number.NaN;
  return `${fmt((rps / throughput.lean.requestsPerSecond) * 100)}%`;
}

function report(
  throughput: Throughput,
  cold: Awaited<ReturnType<typeof measureColdStarts>>,
  meta: Machine & {
    nproc: number;
    took: number;
    build: number;
    imageNode: string;
  },
): string {
  const bareRps = throughput.bare.requestsPerSecond;
  const { half } = throughput;
  const others = (r: Measured) =>
    `${fmt(r.foreignCpu * 100)}%${r.tries > 1 ? ` (best of ${r.tries})` : ""}`;
  const loadRow = (row: LoadRow): string[] => {
    const r = row.result;
    const ratio = r.requestsPerSecond / bareRps;
    return [
      row.label,
      fmt(r.requestsPerSecond),
      row.rows > 1 ? fmt(r.requestsPerSecond * row.rows) : "",
      ms(r.p50),
      ms(r.p99),
      `${fmt(ratio * 100)}%`,
      row.share !== undefined ? `≥ ${fmt(row.share * 100)}% ${verdict(ratio >= row.share)}` : "",
      `${fmt(r.loaderCpu * 100)}%`,
      others(r),
    ];
  };
  const halfRow = (
    label: string,
    r: Measured,
    p99: string,
    ok: boolean,
    rate = half.rate,
  ): string[] => [
    `named predict, 1 row, at ${fmt(rate)} req/s (50% of max), ${label}`,
    fmt(r.requestsPerSecond),
    "",
    ms(r.p50),
    p99,
    "",
    `p99 ≤ 5 ms ${verdict(ok)}`,
    `${fmt(r.loaderCpu * 100)}%`,
    others(r),
  ];
  const ac = half.autocannon;
  const single = throughput.singleThreaded;
  const load = table(
    [
      "case",
      "req/s",
      "rows/s",
      "p50 ms",
      "p99 ms",
      "vs bare",
      "target",
      "loader CPU",
      "others' CPU",
    ],
    [
      loadRow({ label: "bare Hono route (ceiling)", rows: 1, result: throughput.bare }),
      loadRow({
        label: "lean route: Hono + zod + onnxruntime-node, nothing else",
        rows: 1,
        result: throughput.lean,
      }),
      ...throughput.rows.map(loadRow),
      halfRow(
        "autocannon overallRate",
        ac,
        `${ms(ac.p99)} (autocannon's: ${fmt(ac.autocannonP99 ?? Number.NaN)})`,
        Math.max(ac.p99, ac.autocannonP99 ?? 0) <= 5,
      ),
      halfRow("evenly paced", half.paced, ms(half.paced.p99), half.paced.p99 <= 5),
      loadRow({
        label: "named predict, 1 row, node --single-threaded",
        rows: 1,
        result: single.max,
      }),
      halfRow(
        "evenly paced, node --single-threaded",
        single.paced,
        ms(single.paced.p99),
        single.paced.p99 <= 5,
        single.rate,
      ),
    ],
  );
  const medians = new Map(cold.map((c) => [c.variant.label, c.median]));
  const coldTable = table(
    [
      "process",
      "median ms",
      "min ms",
      "max ms",
      "vs its bare baseline",
      "target",
      "others' CPU (median)",
    ],
    cold.map(({ variant, median, min, max, foreign }) => {
      const base = variant.baseline !== undefined ? medians.get(variant.baseline) : undefined;
      const diff = base !== undefined ? median - base : undefined;
      return [
        variant.label,
        fmt(median),
        fmt(min),
        fmt(max),
        diff !== undefined ? `+${fmt(diff)} ms vs ${variant.baseline}` : "",
        diff !== undefined ? `≤ +250 ms ${verdict(diff <= 250)}` : "",
        `${fmt(foreign * 100)}%`,
      ];
    }),
  );
  return `# serve benchmark

${meta.date} · ${meta.nproc} cores (\`nproc\`), ${meta.cpu} · this machine's Node ${meta.node}, the image's ${meta.imageNode} · \`npm run bench:serve\` took ${fmt(meta.took)} s

Server pinned to core ${SERVER_CORE}; load generator (autocannon ${CONNECTIONS} connections,
pipelining 1, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured), orchestrator and MinIO on core ${LOAD_CORE}.
serve, the lean route and the bare Hono route run as the image runs serve: their esbuild bundles
(\`dist/serve.mjs\`, \`npm run build\`) started by the image's Node ${meta.imageNode}. serve has its defaults: info-level access
log to a file, prediction log on, PRELOAD_MODELS=iris. p50 and p99 come from every answer's own time.

## Throughput and latency

${load}

- The lean route answers named predict's one-row request with Hono, zod and onnxruntime-node
  alone: no request id, access log, metrics, prediction log, registry or batching. Against it,
  named predict gives ${leanShare(throughput, 0)} and v2 infer ${leanShare(throughput, 1)}: what the rest of serve costs.
- serve wrote ${fmt(throughput.accessLogLines)} access-log lines; prediction log: ${throughput.predictionLog}.
- autocannon's rate limit refills each connection's quota once a second, so the overallRate row
  is bursts at full speed followed by silence; its own p99 is in whole milliseconds. The evenly
  paced row is an open loop: it sends at evenly spaced instants whatever the answers do, and a
  request that finds all ${CONNECTIONS} connections busy waits in the client's queue, which counts.
- The \`--single-threaded\` rows start serve as the chart does with \`serve.singleThreaded: true\`.
  V8 then runs no GC or compiler threads of its own. On a server given one core, those threads
  take turns with the request thread, and each turn delays the requests waiting behind it.
  Its half-load row is at half its own maximum.
- loader CPU near 100% would mean the load generator, not the server, set the pace.
- "others' CPU": what processes outside this benchmark (and the hypervisor's steal) took during
  the run, as a share of one core. Each run first waits for a quiet half second (at most 3 minutes
  over the whole command), and a run above ${fmt(QUIET_SHARE * 100)}% is repeated, up to 3 times, keeping the
  cleanest; a high figure means the machine was busy and the row understates serve.

## Cold start: spawn → first 200

Median of ${COLD_RUNS} spawns each (after one uncounted round), polling every 5 ms; a spawn
during which other processes took more than ${fmt(QUIET_SHARE * 100)}% of a core is tried again (up to 3
times). serve's first 200 is \`POST /models/iris/predict\`, so it includes fetching the model
from MinIO and creating the onnxruntime session. The bundle is the image's own
(\`toolchain/build.ts\`, the \`npm run build\` step, writes \`dist/serve.mjs\`; with the bare
Hono bundle this took ${fmt(meta.build)} ms); onnxruntime-node stays external.
The image runs Node ${meta.imageNode} (its Dockerfile's FROM), and this machine's Node is
${meta.node}. The rows marked "the image's Node" start that release, the official Linux build
installed by \`toolchain/image-node.ts\`. The image sets \`NODE_COMPILE_CACHE\` and fills that
cache when it is built (\`toolchain/compile-cache.ts\`). The last row reads a cache of the
serve bundle filled the same way, by the same function, before the spawns. Node 20 has no
compile cache.

${coldTable}
`;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = performance.now();
  const nproc = pinSelfToLoadCore("server and load generator");

  log("bundling serve with esbuild…");
  const built = await buildServe();
  log("starting MinIO and publishing the iris model…");
  const fixture = await startFixture(log);
  const workDir = mkdtempSync(join(tmpdir(), "skiff-bench-"));
  cleanUpOnSignal(async () => {
    rmSync(workDir, { recursive: true, force: true });
    await fixture.close();
  });
  try {
    const image = await imageRuntime(built.serve, join(workDir, "compile-cache"));
    const throughput = await measureThroughput(fixture, workDir, built, image.node);
    const cold = await measureColdStarts(fixture, {
      built,
      imageNode: image.node,
      compileCache: image.compileCache,
    });
    const took = (performance.now() - started) / 1000;
    const text = report(throughput, cold, {
      ...machine(),
      nproc,
      took,
      build: built.millis,
      imageNode: image.version,
    });
    process.stdout.write(`\n${text}`);
    if (!quick) log(`wrote ${writeResult("serve.md", text)}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    await fixture.close();
  }
}

await main();
