import { readFileSync } from "node:fs";
import type { IService as IKnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../functions/lib/config.ts";
import { NAME_PATTERN, VERSION_PATTERN } from "../../functions/lib/storage/layout.ts";
import { serveEnv } from "../../functions/serve/config.ts";
import { type envByName, KSVC, ksvcParts, NAMES, objectsOf, renderChart } from "./render.ts";
import { HOSTS_WITH_MODEL_HOST } from "./value-sets.ts";

/** A whole-string pattern's body, to be put inside another pattern. */
const bodyOf = (pattern: RegExp) => pattern.source.replace(/^\^/, "").replace(/\$$/, "");

/** The env a pod would get, with Secret references filled in and Knative's PORT. */
function resolvedEnv(env: ReturnType<typeof envByName<{ name: string; value?: string }>>) {
  return Object.fromEntries(
    [...env.values()].map((e) => [e.name, e.value ?? `from-secret-${e.name.toLowerCase()}`]),
  );
}

describe("serve Knative Service", { timeout: 60_000 }, () => {
  it("scales on concurrency from zero, with serve's own knobs", async () => {
    const { ksvc, template, container } = ksvcParts(await renderChart(), NAMES.serve);
    expect(ksvc.metadata?.labels?.["networking.knative.dev/visibility"]).toBe("cluster-local");
    expect(Object.keys(ksvc.metadata?.annotations ?? {})).toEqual([]);
    expect(template?.metadata?.annotations).toEqual({
      "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/metric": "concurrency",
      "autoscaling.knative.dev/target": "10",
      "autoscaling.knative.dev/min-scale": "0",
      "autoscaling.knative.dev/max-scale": "10",
      "autoscaling.knative.dev/initial-scale": "1",
      "autoscaling.knative.dev/scale-down-delay": "60s",
      "checksum/credentials": expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The grace period: ≥30 s of queue-proxy drain, then drain and flush the prediction log.
    expect(template?.spec?.timeoutSeconds).toBe(120);
    expect(template?.spec?.containerConcurrency).toBe(0);
    expect(container.command).toEqual(["node", "dist/serve.mjs"]);
    expect(container.ports).toEqual([{ name: "http1", containerPort: 8080 }]);
  });

  it("gates traffic on the Open Inference Protocol health paths", async () => {
    const { container } = ksvcParts(await renderChart(), NAMES.serve);
    expect(container.readinessProbe).toEqual({ httpGet: { path: "/v2/health/ready" } });
    expect(container.livenessProbe).toEqual({ httpGet: { path: "/v2/health/live" } });
  });

  it("keeps models warm with min-scale > 0 and preloads the listed models", async () => {
    const objects = await renderChart({
      "serve.autoscaling.minScale": 2,
      "serve.autoscaling.maxScale": 0,
      "serve.preloadModels": ["iris", "wine@3"],
      "serve.settings": { SKIFF_MODEL_CACHE_MAX_MODELS: "4", SKIFF_PREDICTION_LOG_BATCH: "100" },
    });
    const { template, env } = ksvcParts(objects, NAMES.serve);
    expect(template?.metadata?.annotations).toMatchObject({
      "autoscaling.knative.dev/min-scale": "2",
      "autoscaling.knative.dev/max-scale": "0",
    });
    expect(env.get("PRELOAD_MODELS")?.value).toBe("iris,wine@3");
    expect(env.get("SKIFF_MODEL_CACHE_MAX_MODELS")?.value).toBe("4");
    expect(env.get("SKIFF_DEFAULT_MODEL")).toBeUndefined();
    // What the chart gives serve is what serve's own settings schema accepts.
    const parsed = parseEnv(serveEnv, resolvedEnv(env));
    expect(parsed.PRELOAD_MODELS).toEqual([
      { name: "iris", version: undefined },
      { name: "wine", version: "3" },
    ]);
    expect(parsed.SKIFF_PREDICTION_LOG_BATCH).toBe(100);
  });

  it("gets one more serve per model host, with that model preloaded and as its default", async () => {
    const objects = await renderChart({ "ingress.hosts": HOSTS_WITH_MODEL_HOST });
    const services = objectsOf<IKnativeService>(objects, KSVC).map((k) => k.metadata?.name);
    expect(services.sort()).toEqual(
      [NAMES.info, NAMES.serve, NAMES.serveFor("price-prediction"), NAMES.train].sort(),
    );
    const main = ksvcParts(objects, NAMES.serve);
    const dedicated = ksvcParts(objects, NAMES.serveFor("price-prediction"));
    expect(dedicated.env.get("SKIFF_DEFAULT_MODEL")?.value).toBe("price-prediction");
    expect(dedicated.env.get("PRELOAD_MODELS")?.value).toBe("price-prediction");
    expect(dedicated.ksvc.metadata?.labels).toMatchObject({
      "networking.knative.dev/visibility": "cluster-local",
      "skiff.dev/model": "price-prediction",
    });
    // Same knobs and the same probes as serve itself.
    expect(dedicated.template?.metadata?.annotations).toEqual(main.template?.metadata?.annotations);
    expect(dedicated.container.readinessProbe).toEqual(main.container.readinessProbe);
    expect(dedicated.container.command).toEqual(["node", "dist/serve.mjs"]);
    expect(parseEnv(serveEnv, resolvedEnv(dedicated.env)).SKIFF_DEFAULT_MODEL).toBe(
      "price-prediction",
    );
  });

  it("starts node without V8's helper threads when serve.singleThreaded is set, model hosts too", async () => {
    const objects = await renderChart({
      "serve.singleThreaded": true,
      "ingress.hosts": HOSTS_WITH_MODEL_HOST,
    });
    for (const name of [NAMES.serve, NAMES.serveFor("price-prediction")]) {
      expect(ksvcParts(objects, name).container.command, name).toEqual([
        "node",
        "--single-threaded",
        "dist/serve.mjs",
      ]);
    }
    // Only serve has the knob.
    for (const name of [NAMES.info, NAMES.train]) {
      expect(ksvcParts(objects, name).container.command?.[1], name).toMatch(/^dist\//);
    }
  });

  it("is absent, with its model hosts, when disabled", async () => {
    const objects = await renderChart({
      "serve.enabled": false,
      "ingress.hosts": HOSTS_WITH_MODEL_HOST,
    });
    expect(objectsOf<IKnativeService>(objects, KSVC).map((k) => k.metadata?.name)).toEqual([
      NAMES.info,
      NAMES.train,
    ]);
  });

  it("accepts in serve.preloadModels the names and versions serve's storage layout does", () => {
    const schema = JSON.parse(
      readFileSync(new URL("../../chart/values.schema.json", import.meta.url), "utf8"),
    ) as {
      properties: { serve: { properties: { preloadModels: { items: { pattern: string } } } } };
    };
    expect(schema.properties.serve.properties.preloadModels.items.pattern).toBe(
      `^${bodyOf(NAME_PATTERN)}(@${bodyOf(VERSION_PATTERN)})?$`,
    );
  });
});
