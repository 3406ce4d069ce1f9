/**
 * One load run, in a process of its own so that the orchestrator can pin it to a core of its own
 * (`taskset -c 1`). Takes a LoadSpec as JSON in argv[2], prints a LoadResult as one JSON line.
 *
 * Two generators:
 * - autocannon: closed loop at full speed, or with `overallRate`. autocannon's rate limit is a
 *   per-connection quota refilled once a second, so each second starts with every connection
 *   firing back to back until its quota is spent: bursts at full speed, then silence.
 * - paced: an open loop that sends at evenly spaced instants, whether or not earlier answers
 *   came back, and times each answer from when it was sent. A request that finds all
 *   connections busy waits in the client's queue, and that wait counts as latency. Sends go out
 *   on a 1 ms timer, so a request may leave up to about a millisecond after its slot; timing
 *   from the slot instead (as wrk2 does) would charge that timer slack to the server.
 */
import { Agent, request } from "node:http";
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  body: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  generator: "autocannon" | "paced";
  /** Requests per second over all connections; without it autocannon goes as fast as it can. */
  rate?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** From every 2xx answer's own time, in fractional milliseconds. */
  p50: number;
  p99: number;
  /** autocannon's own p99: whole milliseconds, with its coordinated-omission correction. */
  autocannonP99: number | undefined;
  responses: number;
  failures: number;
  /** CPU the load generator used, as a share of one core: near 1 means it may be the limit. */
  loaderCpu: number;
  /** All the CPU this process used from its start, warm-up included, in milliseconds. */
  processCpuMs: number;
}

interface Run {
  times: Float64Array;
  elapsedMs: number;
  failures: number;
  autocannonP99: number | undefined;
}

/** Answer times in a flat growing buffer: autocannon's histogram has 1 ms resolution. */
class Times {
  #data = new Float64Array(1 << 16);
  #count = 0;

  add(ms: number): void {
    if (this.#count === this.#data.length) {
      const grown = new Float64Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    this.#data[this.#count++] = ms;
  }

  sorted(): Float64Array {
    return this.#data.subarray(0, this.#count).sort();
  }
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function withAutocannon(spec: LoadSpec, seconds: number): Promise<Run> {
  const times = new Times();
  const instance = autocannon({
    url: spec.url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: spec.body,
    connections: spec.connections,
    pipelining: 1,
    duration: seconds,
    ...(spec.rate !== undefined ? { overallRate: spec.rate } : {}),
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status <= 299) times.add(ms);
  });
  const started = performance.now();
  const result = await instance;
  return {
    times: times.sorted(),
    elapsedMs: performance.now() - started,
    failures: result.non2xx + result.errors + result.timeouts,
    autocannonP99: result.latency.p99,
  };
}

function paced(spec: LoadSpec, seconds: number): Promise<Run> {
  const rate = spec.rate;
  if (rate === undefined) throw new Error("the paced generator needs a rate");
  const url = new URL(spec.url);
  const body = Buffer.from(spec.body);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const times = new Times();
  const interval = 1000 / rate;
  let failures = 0;
  let sent = 0;
  let open = 0;
  return new Promise((resolve) => {
    const started = performance.now();
    const end = started + seconds * 1000;
    let last = started;
    let ticking = true;
    const finish = () => {
      agent.destroy();
      resolve({
        times: times.sorted(),
        elapsedMs: last - started,
        failures,
        autocannonP99: undefined,
      });
    };
    const settle = () => {
      if (--open === 0 && !ticking) finish();
    };
    const fire = () => {
      const sentAt = performance.now();
      open++;
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": body.length },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            last = performance.now();
            const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) <= 299;
            if (ok) times.add(last - sentAt);
            else failures++;
            settle();
          });
        },
      );
      req.on("error", () => {
        failures++;
        settle();
      });
      req.end(body);
    };
    const tick = () => {
      const now = Math.min(performance.now(), end);
      for (; started + sent * interval <= now; sent++) fire();
      if (now < end) setTimeout(tick, 1);
      else {
        ticking = false;
        if (open === 0) finish();
      }
    };
    tick();
  });
}

const spec = JSON.parse(process.argv[2] ?? "") as LoadSpec;
const run = spec.generator === "paced" ? paced : withAutocannon;
if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
const cpu = process.cpuUsage();
const { times, elapsedMs, failures, autocannonP99 } = await run(spec, spec.seconds);
const used = process.cpuUsage(cpu);
const answer: LoadResult = {
  requestsPerSecond: times.length / (elapsedMs / 1000),
  p50: percentile(times, 0.5),
  p99: percentile(times, 0.99),
  autocannonP99,
  responses: times.length,
  failures,
  loaderCpu: (used.user + used.system) / 1000 / elapsedMs,
  processCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
};
process.stdout.write(`${JSON.stringify(answer)}\n`);
