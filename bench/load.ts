/**
 * One load run with autocannon, in a process of its own so that the orchestrator can pin it to
 * a core of its own (`taskset -c 1`). Takes a LoadSpec as JSON in argv[2], prints a LoadResult
 * as one JSON line on stdout.
 */
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  body: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  /** Requests per second over all connections; absent means as fast as the server answers. */
  overallRate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** From every 2xx response's own time, in fractional milliseconds. */
  p50: number;
  p99: number;
  /** autocannon's own figures: whole milliseconds, and corrected for coordinated omission. */
  autocannonP50: number;
  autocannonP99: number;
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU the load generator used, as a share of one core: near 1 means it may be the limit. */
  loaderCpu: number;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function run(spec: LoadSpec, seconds: number, record: boolean) {
  // Raw times kept in a flat buffer: autocannon's histogram has 1 ms resolution, too coarse for
  // sub-millisecond answers.
  let times = new Float64Array(1 << 16);
  let count = 0;
  const instance = autocannon({
    url: spec.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: spec.body,
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    ...(spec.overallRate !== undefined ? { overallRate: spec.overallRate } : {}),
  });
  if (record) {
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status < 200 || status > 299) return;
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[count++] = ms;
    });
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await instance;
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { result, times: times.subarray(0, count).sort(), elapsedMs, used };
}

const spec = JSON.parse(process.argv[2] ?? "") as LoadSpec;
if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds, false);
const { result, times, elapsedMs, used } = await run(spec, spec.seconds, true);
const answer: LoadResult = {
  requestsPerSecond: times.length / (elapsedMs / 1000),
  p50: percentile(times, 0.5),
  p99: percentile(times, 0.99),
  autocannonP50: result.latency.p50,
  autocannonP99: result.latency.p99,
  responses: times.length,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  loaderCpu: (used.user + used.system) / 1000 / elapsedMs,
};
process.stdout.write(`${JSON.stringify(answer)}\n`);
