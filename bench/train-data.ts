/**
 * The synthetic CSVs bench/train.ts measures with: FEATURES numeric columns on assorted scales
 * and offsets, then a binary `label` ("pos"/"neg") drawn from a logistic model of the
 * standardized features, five of which carry no signal. The same seed gives the same bytes.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";

export const FEATURES = 20;
export const TARGET = "label";
export const FEATURE_NAMES = Array.from({ length: FEATURES }, (_, j) => `x${j + 1}`);

/** mulberry32: small, fast and plenty for test data. Floats in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * Writes `x` with three decimals as ASCII at `at` and answers the next position: straight into
 * the buffer, since building strings would make a GiB take most of a minute.
 */
function decimal3(buffer: Buffer, at: number, x: number): number {
  let n = Math.round(x * 1000);
  let p = at;
  if (n < 0) {
    buffer[p++] = MINUS;
    n = -n;
  }
  const whole = Math.floor(n / 1000);
  const frac = n - whole * 1000;
  let digits = 1;
  for (let w = whole; w >= 10; w = Math.floor(w / 10)) digits++;
  p += digits;
  for (let i = 1, w = whole; i <= digits; i++, w = Math.floor(w / 10)) {
    buffer[p - i] = ZERO + (w % 10);
  }
  buffer[p++] = DOT;
  buffer[p++] = ZERO + Math.floor(frac / 100);
  buffer[p++] = ZERO + (Math.floor(frac / 10) % 10);
  buffer[p++] = ZERO + (frac % 10);
  return p;
}

export interface Written {
  rows: number;
  bytes: number;
  ms: number;
}

/**
 * Writes the header and data rows until `rows` rows, or until the file holds at least
 * `minBytes` (whole rows only), whichever `until` says.
 */
export async function writeCsv(
  path: string,
  until: { rows: number } | { minBytes: number },
  seed: number,
): Promise<Written> {
  const started = performance.now();
  const random = rng(seed);
  // Box–Muller makes normals in pairs; the second is kept for the next call.
  let spare = Number.NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = Number.NaN;
      return z;
    }
    // 1 − u keeps the logarithm finite.
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
  const means = FEATURE_NAMES.map(() => (random() - 0.5) * 10);
  const scales = FEATURE_NAMES.map(() => 0.5 + random() * 4.5);
  // Logit standard deviation ≈ 3 over the 15 informative features: about 85% is reachable.
  const weights = FEATURE_NAMES.map((_, j) => (j % 4 === 3 ? 0 : (normal() * 3) / Math.sqrt(15)));
  const bias = 0.4;
  const labels = { pos: Buffer.from(",pos\n"), neg: Buffer.from(",neg\n") };

  const out = createWriteStream(path);
  const maxRows = "rows" in until ? until.rows : Number.POSITIVE_INFINITY;
  const minBytes = "minBytes" in until ? until.minBytes : Number.POSITIVE_INFINITY;
  const size = 1 << 20;
  // A row takes under 20 × 16 + 5 bytes, so one always fits in the slack.
  let buffer = Buffer.allocUnsafe(size + 1024);
  let p = buffer.write(`${[...FEATURE_NAMES, TARGET].join(",")}\n`);
  let bytes = 0;
  let rows = 0;
  while (rows < maxRows && bytes + p < minBytes) {
    let logit = bias;
    for (let j = 0; j < FEATURES; j++) {
      const z = normal();
      logit += (weights[j] as number) * z;
      if (j > 0) buffer[p++] = 0x2c;
      p = decimal3(buffer, p, (means[j] as number) + (scales[j] as number) * z);
    }
    p += (random() < 1 / (1 + Math.exp(-logit)) ? labels.pos : labels.neg).copy(buffer, p);
    rows++;
    if (p >= size) {
      bytes += p;
      if (!out.write(buffer.subarray(0, p))) await once(out, "drain");
      // The stream may still hold the old buffer: never reuse it.
      buffer = Buffer.allocUnsafe(size + 1024);
      p = 0;
    }
  }
  bytes += p;
  out.end(buffer.subarray(0, p));
  await once(out, "finish");
  return { rows, bytes, ms: performance.now() - started };
}
