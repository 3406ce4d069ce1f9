/**
 * The peers benchmark's report: one markdown text (the tables, with every peer's figure as a
 * ratio to skiff's and the verdict against the targets) and the bar chart beside it.
 */
import { BATCH, CONNECTIONS, LOAD_CORE, SERVER_CORE } from "../harness.ts";
import { fmt, type Machine, table, verdict } from "../report.ts";
import { type Bar, barChart, type Panel } from "./chart.ts";
import type { Endpoint, Server, ServerName } from "./servers.ts";

/** A figure over the repeats. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number };
}

export interface LoadFigures {
  rps: Spread;
  p50: Spread;
  p99: Spread;
  /** Median share of one core that other processes took during these runs. */
  foreign: number;
}

export interface Results {
  /** By loadKey(). */
  load: Map<string, LoadFigures>;
  coldMs: Map<ServerName, Spread>;
  rssMb: Map<ServerName, Spread>;
  /** Why a server has no figures (or fewer than asked). */
  problems: Map<ServerName, string>;
}

export const loadKey = (server: ServerName, endpoint: string, model: string, rows: number) =>
  `${server}|${endpoint}|${model}|${rows}`;

/** The targets of issue 6, as the peer's figure divided by skiff's. */
export const TARGETS = {
  /** skiff ≥ 10× each peer's single-row throughput. */
  throughput: 10,
  /** skiff's p99 ≤ one fifth of theirs. */
  p99: 5,
  /** skiff's cold start ≤ one third of FastAPI's, ≤ one fifth of MLServer's and KServe's. */
  cold: { FastAPI: 3, MLServer: 5, KServe: 5 } as Record<string, number>,
  /** skiff's resident memory ≤ half. */
  rss: 2,
};

export interface Meta extends Machine {
  nproc: number;
  /** The Node release skiff runs on: the image's (this machine's is Machine.node). */
  imageNode: string;
  python: string;
  tookSeconds: number;
  rounds: number;
  warmupSeconds: number;
  seconds: number;
  coldRuns: number;
  models: Record<string, string>;
  versions: Record<string, string>;
}

const range = (s: Spread, digits = 0) =>
  Number.isFinite(s.median)
    ? `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`
    : "–";
const ms = (s: Spread) => range(s, s.median < 10 ? 2 : 1);
const ratio = (peer: number, skiff: number) =>
  Number.isFinite(peer) && Number.isFinite(skiff) && skiff > 0 ? peer / skiff : Number.NaN;
const times = (r: number) => (Number.isFinite(r) ? `${fmt(r, r < 10 ? 2 : 1)}×` : "–");
/** "skiff N× theirs": the factor a target is stated in. */
const advantage = (factor: number, target: number) =>
  Number.isFinite(factor) ? `≥ ${target}× ${verdict(factor >= target)} (${times(factor)})` : "";

interface Row {
  server: Server;
  endpoint: Endpoint;
  model: string;
}

function rowsOf(servers: Server[], models: string[]): Row[] {
  return models.flatMap((model) =>
    servers.flatMap((server) => server.endpoints.map((endpoint) => ({ server, endpoint, model }))),
  );
}

export interface Missed {
  what: string;
  by: string;
}

export function report(
  servers: Server[],
  models: string[],
  results: Results,
  meta: Meta,
): { markdown: string; svg: string; missed: Missed[] } {
  const missed: Missed[] = [];
  const figures = (row: Row, rows: number) =>
    results.load.get(loadKey(row.server.name, row.endpoint.label, row.model, rows));
  const skiffOf = (row: Row, rows: number) =>
    results.load.get(loadKey("skiff", row.endpoint.against, row.model, rows));

  const single = table(
    [
      "model",
      "server · endpoint",
      "req/s median (min–max)",
      "÷ skiff",
      "skiff ≥ 10×",
      "p50 ms",
      "p99 ms median (min–max)",
      "÷ skiff",
      "skiff ≤ ⅕",
      "others' CPU",
    ],
    rowsOf(servers, models).map((row) => {
      const f = figures(row, 1);
      const s = skiffOf(row, 1);
      const peer = row.server.name !== "skiff";
      const rps = ratio(f?.rps.median ?? Number.NaN, s?.rps.median ?? Number.NaN);
      const p99 = ratio(f?.p99.median ?? Number.NaN, s?.p99.median ?? Number.NaN);
      const label = `${row.server.name} · ${row.endpoint.label}`;
      if (peer && f && s) {
        const vs = `${row.model}, ${label} vs skiff · ${row.endpoint.against}`;
        if (1 / rps < TARGETS.throughput)
          missed.push({
            what: `throughput, ${vs}`,
            by: `skiff ${times(1 / rps)}, target ${TARGETS.throughput}×`,
          });
        if (p99 < TARGETS.p99)
          missed.push({
            what: `p99, ${vs}`,
            by: `theirs is ${times(p99)} skiff's, target ${TARGETS.p99}×`,
          });
      }
      return [
        row.model,
        label,
        f ? range(f.rps) : "–",
        peer ? times(rps) : "",
        peer ? advantage(1 / rps, TARGETS.throughput) : "",
        f ? ms(f.p50) : "–",
        f ? ms(f.p99) : "–",
        peer ? times(p99) : "",
        peer ? advantage(p99, TARGETS.p99) : "",
        f ? `${fmt(f.foreign * 100)}%` : "",
      ];
    }),
  );

  const batch = table(
    ["model", "server · endpoint", `rows/s, ${BATCH}-row requests, median (min–max)`, "÷ skiff"],
    rowsOf(servers, models).map((row) => {
      const f = figures(row, BATCH);
      const s = skiffOf(row, BATCH);
      const rowsPerSecond = (x: Spread): Spread => ({
        median: x.median * BATCH,
        min: x.min * BATCH,
        max: x.max * BATCH,
      });
      return [
        row.model,
        `${row.server.name} · ${row.endpoint.label}`,
        f ? range(rowsPerSecond(f.rps)) : "–",
        row.server.name !== "skiff"
          ? times(ratio(f?.rps.median ?? Number.NaN, s?.rps.median ?? Number.NaN))
          : "",
      ];
    }),
  );

  const skiffCold = results.coldMs.get("skiff")?.median ?? Number.NaN;
  const skiffRss = results.rssMb.get("skiff")?.median ?? Number.NaN;
  const processTable = table(
    [
      "server",
      "cold start ms median (min–max)",
      "÷ skiff",
      "skiff's cold start",
      "RSS MB median (min–max)",
      "÷ skiff",
      "skiff ≤ ½",
    ],
    servers.map((server) => {
      const cold = results.coldMs.get(server.name);
      const rss = results.rssMb.get(server.name);
      const peer = server.name !== "skiff";
      const coldRatio = ratio(cold?.median ?? Number.NaN, skiffCold);
      const rssRatio = ratio(rss?.median ?? Number.NaN, skiffRss);
      const coldTarget = TARGETS.cold[server.name] ?? 1;
      if (peer && coldRatio < coldTarget)
        missed.push({
          what: `cold start vs ${server.name}`,
          by: `theirs is ${times(coldRatio)} skiff's, target ${coldTarget}×`,
        });
      if (peer && rssRatio < TARGETS.rss)
        missed.push({
          what: `resident memory vs ${server.name}`,
          by: `theirs is ${times(rssRatio)} skiff's, target ${TARGETS.rss}×`,
        });
      return [
        server.name,
        cold ? range(cold) : "–",
        peer ? times(coldRatio) : "",
        peer && Number.isFinite(coldRatio)
          ? `≤ 1/${coldTarget} ${verdict(coldRatio >= coldTarget)} (${times(coldRatio)})`
          : "",
        rss ? range(rss, 1) : "–",
        peer ? times(rssRatio) : "",
        peer ? advantage(rssRatio, TARGETS.rss) : "",
      ];
    }),
  );

  // One line per server, its own endpoint, the first model: the summary docs/benchmarks.md cites.
  const first = models[0] as string;
  const summary = table(
    [
      "server · endpoint",
      "req/s",
      "÷ skiff",
      "p99 ms",
      "÷ skiff",
      `rows/s (${BATCH} rows)`,
      "÷ skiff",
      "cold start ms",
      "÷ skiff",
      "RSS MB",
      "÷ skiff",
    ],
    servers.map((server) => {
      const row = { server, endpoint: server.endpoints[0] as Endpoint, model: first };
      const f = figures(row, 1);
      const s = skiffOf(row, 1);
      const b = figures(row, BATCH);
      const sb = skiffOf(row, BATCH);
      const cold = results.coldMs.get(server.name)?.median ?? Number.NaN;
      const rss = results.rssMb.get(server.name)?.median ?? Number.NaN;
      const peer = server.name !== "skiff";
      const of = (mine: number | undefined, theirs: number | undefined) =>
        peer ? times(ratio(mine ?? Number.NaN, theirs ?? Number.NaN)) : "";
      return [
        `${server.name} · ${row.endpoint.label}`,
        fmt(f?.rps.median ?? Number.NaN),
        of(f?.rps.median, s?.rps.median),
        fmt(f?.p99.median ?? Number.NaN, 1),
        of(f?.p99.median, s?.p99.median),
        fmt((b?.rps.median ?? Number.NaN) * BATCH),
        of(b?.rps.median, sb?.rps.median),
        fmt(cold),
        of(cold, skiffCold),
        fmt(rss),
        of(rss, skiffRss),
      ];
    }),
  );

  const how = servers.map((s) => `- **${s.name}**: ${s.how}.`).join("\n");
  const problems = [...results.problems]
    .map(([name, why]) => `- **${name}**: ${why.replaceAll("\n", "\n  ")}`)
    .join("\n");
  const modelLines = Object.entries(meta.models)
    .map(([name, what]) => `- \`${name}\`: ${what}`)
    .join("\n");
  const versions = Object.entries(meta.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const missedLines = missed.map((m) => `- ${m.what}: ${m.by}`).join("\n");

  const markdown = `# skiff against the servers a user would pick instead

${meta.date} · ${meta.nproc} cores (\`nproc\`), ${meta.cpu} · skiff on Node ${meta.imageNode}, the image's release (this machine's is ${meta.node}) · Python ${meta.python} · \`npm run bench:peers\` took ${fmt(meta.tookSeconds)} s

![bar chart](peers.svg)

Every server is pinned to core ${SERVER_CORE} and runs as one process with one worker; the load generator
(autocannon, ${CONNECTIONS} connections, pipelining 1, ${meta.warmupSeconds} s warm-up then ${meta.seconds} s measured), this
orchestrator and MinIO share core ${LOAD_CORE}. Each round starts every server in turn (the order
rotates from round to round, so drift favours no one), checks that each answers the labels
scikit-learn gives for the same rows, reads its resident memory, and runs every request
against it. ${meta.rounds} round${meta.rounds === 1 ? "" : "s"}; figures are medians with min–max. "÷ skiff" is the
peer's figure divided by skiff's on the same request: a peer's v2 endpoint is held against
skiff's v2, its own JSON endpoint against skiff's named predict.

Models (the same fitted object everywhere: joblib for the Python servers, skl2onnx ONNX in
MinIO for skiff):

${modelLines}

${how}

${versions}.

## Summary: ${first}, each server's own endpoint, medians

${summary}

## Single-row requests: throughput and latency at ${CONNECTIONS} connections

${single}

## ${BATCH}-row requests

${batch}

## Cold start and memory

Cold start: process spawn → first correct 200 of the server's own endpoint (skiff's named
predict, MLServer's v2, KServe's v1, the FastAPI route) for one iris row, polling every 5 ms;
median of ${meta.coldRuns} after one uncounted round, the order rotating each round. Every server loads
both models at start. RSS: VmRSS of the server's process tree once both models have answered.

${processTable}

## Targets missed

${missedLines || "None."}
${problems ? `\n## What did not run\n\n${problems}\n` : ""}
"others' CPU" is what processes outside this benchmark took during a server's runs, as a share
of one core (the machine is shared; each run first waits for a quiet half second, and a run
above 5% is repeated once, keeping the cleaner).
`;

  const singleBars = (pick: (f: LoadFigures) => Spread, model: string): Bar[] =>
    rowsOf(servers, [model]).map((row) => {
      const f = figures(row, 1);
      const s = f ? pick(f) : { median: Number.NaN, min: Number.NaN, max: Number.NaN };
      return {
        label: `${row.server.name} · ${row.endpoint.label}`,
        value: s.median,
        min: s.min,
        max: s.max,
        ours: row.server.name === "skiff",
      };
    });
  const perServer = (map: Map<ServerName, Spread>): Bar[] =>
    servers.map((server) => {
      const s = map.get(server.name);
      return {
        label: server.name,
        value: s?.median ?? Number.NaN,
        min: s?.min ?? Number.NaN,
        max: s?.max ?? Number.NaN,
        ours: server.name === "skiff",
      };
    });
  const panels: Panel[] = [
    {
      title: `Throughput, one ${first} row per request (higher is better)`,
      unit: "req/s",
      digits: 0,
      bars: singleBars((f) => f.rps, first),
    },
    {
      title: `p99 latency at ${CONNECTIONS} connections, one ${first} row (lower is better)`,
      unit: "ms",
      digits: 1,
      bars: singleBars((f) => f.p99, first),
    },
    {
      title: "Cold start: spawn → first correct answer (lower is better)",
      unit: "ms",
      digits: 0,
      bars: perServer(results.coldMs),
    },
    {
      title: "Resident memory with both models loaded (lower is better)",
      unit: "MB",
      digits: 0,
      bars: perServer(results.rssMb),
    },
  ];
  const svg = barChart(
    "skiff against MLServer, KServe and FastAPI + scikit-learn",
    `${meta.date} · one core per server, same model, same load · medians of ${meta.rounds} round${meta.rounds === 1 ? "" : "s"}, whiskers min–max`,
    panels,
  );
  return { markdown, svg, missed };
}
