/**
 * The env the chart gives each function is what that function's own settings schema reads:
 * every name known to it (a misspelt name would be silently ignored), every value accepted,
 * under every value set. Secret references stand for values the Secret would hold; the
 * credentials and the API token must be such references wherever they appear.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { bootstrapEnv } from "../../functions/bootstrap/config.ts";
import { infoEnv } from "../../functions/info/config.ts";
import { parseEnv } from "../../functions/lib/config.ts";
import { notFoundEnv } from "../../functions/not-found/config.ts";
import { serveEnv } from "../../functions/serve/config.ts";
import { trainEnv } from "../../functions/train/config.ts";
import { type K8sObject, renderChart } from "./render.ts";
import { VALUE_SETS } from "./value-sets.ts";

const SCHEMAS: Record<string, z.ZodObject> = {
  "dist/info.mjs": infoEnv,
  "dist/serve.mjs": serveEnv,
  "dist/not-found.mjs": notFoundEnv,
  "dist/bootstrap.mjs": bootstrapEnv,
  "dist/train.mjs": trainEnv,
};

/** Settings that hold secrets: never literal values, always read from the Secret. */
const FROM_SECRET = ["SKIFF_S3_ACCESS_KEY_ID", "SKIFF_S3_SECRET_ACCESS_KEY", "SKIFF_API_TOKEN"];

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string } } }[];
}

function containersOf(objects: K8sObject[]): [owner: string, container: Container][] {
  return objects.flatMap((o) => {
    const spec = o.spec as { template?: { spec?: { containers?: Container[] } } } | undefined;
    const containers = spec?.template?.spec?.containers ?? [];
    return containers.map((c): [string, Container] => [`${o.kind} ${o.metadata.name}`, c]);
  });
}

describe("env given by the chart = env read by the code", { timeout: 60_000 }, () => {
  it.each(Object.entries(VALUE_SETS))("with %s", async (_name, values) => {
    const objects = await renderChart(values);
    const checked: string[] = [];
    for (const [owner, container] of containersOf(objects)) {
      const entry = container.command?.[1] ?? "";
      const schema = SCHEMAS[entry];
      if (container.command?.[0] !== "node" || !schema) continue;
      const env: Record<string, string> = {};
      for (const e of container.env ?? []) {
        if (FROM_SECRET.includes(e.name)) {
          expect(e.value, `${owner} ${e.name} is a literal`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef, `${owner} ${e.name}`).toBeDefined();
        }
        // A Secret holds 20+ characters for each key (the chart generates 20, 40 and 48).
        env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? "x".repeat(48) : "");
      }
      const known = Object.keys(schema.shape);
      expect(
        Object.keys(env).filter((name) => !known.includes(name)),
        `${owner}: env names ${entry} does not read`,
      ).toEqual([]);
      expect(() => parseEnv(schema, env), owner).not.toThrow();
      checked.push(entry);
    }
    expect(checked.length).toBeGreaterThan(0);
    // train's env (the token, the Job's settings) is checked whenever train is deployed.
    expect(checked.includes("dist/train.mjs")).toBe(values["train.enabled"] !== false);
  });
});
