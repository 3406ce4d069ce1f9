/**
 * Values given with `helm --set`, as users type them on the command line. --set turns digits
 * into an integer and leaves anything else (a fraction: 0.01) a string, so each number value
 * must take both forms, keep its bounds, and render exactly as the number would.
 */
import { describe, expect, it } from "vitest";
import { helm } from "./helm.ts";
import { CHART_DIR, type K8sObject, renderChart, type ValueSet, valueArgs } from "./render.ts";
import { GATEWAY_API } from "./value-sets.ts";

/** Each --set as typed, with the same value as JSON (a number where the value is one). */
const SET_FLAGS: [set: string, value: ValueSet][] = [
  ["serve.autoscaling.target=0.01", { "serve.autoscaling.target": 0.01 }],
  ["info.autoscaling.target=2.5", { "info.autoscaling.target": 2.5 }],
  ["train.autoscaling.target=20", { "train.autoscaling.target": 20 }],
  ["serve.timeoutSeconds=300", { "serve.timeoutSeconds": 300 }],
  ["serve.containerConcurrency=4", { "serve.containerConcurrency": 4 }],
  ["serve.autoscaling.minScale=1", { "serve.autoscaling.minScale": 1 }],
  ["serve.autoscaling.maxScale=3", { "serve.autoscaling.maxScale": 3 }],
  ["serve.autoscaling.initialScale=2", { "serve.autoscaling.initialScale": 2 }],
  ["info.autoscaling.scaleDownDelay=0", { "info.autoscaling.scaleDownDelay": 0 }],
  ["serve.autoscaling.scaleDownDelay=90s", { "serve.autoscaling.scaleDownDelay": "90s" }],
  // A quantity is passed through as given: "1.5" and 1.5 are the same to the API server.
  ["serve.resources.limits.cpu=1.5", { "serve.resources.limits.cpu": "1.5" }],
  ["serve.resources.requests.memory=536870912", { "serve.resources.requests.memory": 536870912 }],
  ["train.job.cpu=2", { "train.job.cpu": 2 }],
  ["train.job.memory=4Gi", { "train.job.memory": "4Gi" }],
  ["train.maxUploadBytes=2147483648", { "train.maxUploadBytes": 2147483648 }],
  ["limits.requestBodyBytes=1048576", { "limits.requestBodyBytes": 1048576 }],
  [
    "serve.settings.SKIFF_MODEL_CACHE_MAX_BYTES=536870912",
    { "serve.settings": { SKIFF_MODEL_CACHE_MAX_BYTES: 536870912 } },
  ],
  [
    "train.settings.SKIFF_RUN_LEASE_MS=120000",
    { "train.settings": { SKIFF_RUN_LEASE_MS: 120000 } },
  ],
  ["notFound.replicas=2", { "notFound.replicas": 2 }],
  ["knative.maxRevisionTimeoutSeconds=3600", { "knative.maxRevisionTimeoutSeconds": 3600 }],
  ["train.timeoutSeconds=1800", { "train.timeoutSeconds": 1800 }],
  ["s3.predictionsExpiryDays=7", { "s3.predictionsExpiryDays": 7 }],
];

const setArgs = (flags: readonly string[]) => flags.flatMap((flag) => ["--set", flag]);

/** Everything rendered but the Secret, whose generated credentials differ on every render. */
const withoutSecrets = (objects: K8sObject[]) => objects.filter((o) => o.kind !== "Secret");

describe("values given with --set", { timeout: 60_000 }, () => {
  it("render exactly as the same values given as numbers", async () => {
    const flags = SET_FLAGS.map(([set]) => set);
    const json = Object.assign({}, ...SET_FLAGS.map(([, value]) => value)) as ValueSet;
    const fromSet = withoutSecrets(await renderChart({}, setArgs(flags)));
    expect(fromSet).toEqual(withoutSecrets(await renderChart(json)));
    const serve = JSON.stringify(fromSet.find((o) => o.metadata.name === "demo-skiff-serve"));
    expect(serve).toContain('"autoscaling.knative.dev/target":"0.01"');
    expect(serve).toContain('"name":"SKIFF_MODEL_CACHE_MAX_BYTES","value":"536870912"');
  });

  it("render a number given as a string as the number, in any of its forms", async () => {
    const target = async (args: string[]) =>
      JSON.stringify(await renderChart({}, args)).match(
        /"autoscaling\.knative\.dev\/target":"([^"]*)"/g,
      );
    const asNumbers = await target([
      "--set-json",
      "info.autoscaling.target=100",
      "--set-json",
      "serve.autoscaling.target=0.01",
    ]);
    expect(
      await target([
        "--set-string",
        "info.autoscaling.target=1e2",
        "--set",
        "serve.autoscaling.target=.010",
      ]),
    ).toEqual(asNumbers);
  });

  it("pass helm lint --strict, in Gateway API mode too", async () => {
    const flags = setArgs(SET_FLAGS.map(([set]) => set));
    for (const values of [{}, GATEWAY_API]) {
      const output = await helm(["lint", "--strict", CHART_DIR, ...valueArgs(values), ...flags]);
      expect(output).toContain("0 chart(s) failed");
    }
  });

  it("keep the bounds of each number value", async () => {
    await expect(renderChart({}, ["--set", "serve.autoscaling.target=0.001"])).rejects.toThrow(
      "- serve.autoscaling.target: 0.001 is below 0.01, the smallest target Knative accepts\n",
    );
    await expect(renderChart({}, ["--set", "serve.autoscaling.target=ten"])).rejects.toThrow(
      /at '\/serve\/autoscaling\/target': 'ten' does not match pattern/,
    );
    await expect(renderChart({ "serve.autoscaling.target": 0.001 })).rejects.toThrow(
      /at '\/serve\/autoscaling\/target': minimum: got 0\.001, want 0\.01/,
    );
    await expect(renderChart({}, ["--set", "serve.timeoutSeconds=30"])).rejects.toThrow(
      /at '\/serve\/timeoutSeconds': minimum: got 30, want 60/,
    );
    await expect(renderChart({}, ["--set", "serve.autoscaling.minScale=-1"])).rejects.toThrow(
      /at '\/serve\/autoscaling\/minScale': minimum: got -1, want 0/,
    );
    await expect(renderChart({}, ["--set", "serve.autoscaling.scaleDownDelay=5"])).rejects.toThrow(
      /at '\/serve\/autoscaling\/scaleDownDelay'/,
    );
    await expect(renderChart({}, ["--set", "serve.settings.SKIFF_MAX_BATCH=-1"])).rejects.toThrow(
      /at '\/serve\/settings\/SKIFF_MAX_BATCH': minimum: got -1, want 0/,
    );
  });
});
