/**
 * An in-process serve function over the test run's MinIO, with the scikit-learn models the
 * Python setup exported, published under names of the caller's choosing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inject } from "vitest";
import { parseEnv } from "../../functions/lib/config.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { createMetrics } from "../../functions/lib/http/metrics.ts";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { buildServe } from "../../functions/serve/build.ts";
import { serveEnv } from "../../functions/serve/config.ts";
import { capturedLogger } from "./logs.ts";
import { freshStore, testStorageProcessEnv } from "./storage.ts";

export interface Expected {
  iris: {
    features: string[];
    classes: string[];
    rows: number[][];
    labels: string[];
    probabilities: number[][];
  };
  diabetes: { features: string[]; rows: number[][]; values: number[] };
  /** An SVC whose labels disagree with the argmax of its probabilities on some rows. */
  wine_svc: Expected["iris"];
  /** A regressor with several targets: one row of values per row. */
  linnerud: { features: string[]; targets: string[]; rows: number[][]; values: number[][] };
  /** Element types with a cast-<type>.onnx: input x [N, 1] of that type, output y as FP64. */
  casts: string[];
}

export function pythonModels(): { file: (name: string) => Uint8Array; expected: Expected } {
  const { models } = inject("python");
  return {
    file: (name) => new Uint8Array(readFileSync(join(models, name))),
    expected: JSON.parse(readFileSync(join(models, "expected.json"), "utf8")) as Expected,
  };
}

export async function startServe(settings: Record<string, string> = {}, store?: ObjectStore) {
  const s = store ?? (await freshStore());
  const storage = testStorageProcessEnv(s.bucket);
  const env = parseEnv(serveEnv, { ...storage, SKIFF_ALIAS_REFRESH_MS: "0", ...settings });
  const { logger, lines } = capturedLogger("serve");
  const readiness = new Readiness();
  const metrics = createMetrics();
  const deps = { logger, readiness, metrics };
  const parts = buildServe(env, s, deps);
  const { app } = parts;
  readiness.markStarted();
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    app,
    store: s,
    parts,
    readiness,
    metrics,
    lines,
    post,
    close: () => parts.context.registry.close(),
  };
}

export function rowsAsInstances(
  features: string[],
  rows: number[][],
): Array<Record<string, number>> {
  return rows.map((row) => Object.fromEntries(features.map((f, i) => [f, row[i] as number])));
}
