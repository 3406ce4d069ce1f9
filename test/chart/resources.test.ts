/**
 * Requests and limits: the API server refuses a pod whose request is above its limit (and a
 * Knative Service with one installs, then fails at its Revision), so the chart refuses such
 * values first. Both sides are Kubernetes quantities, compared by value whatever their form.
 */
import { describe, expect, it } from "vitest";
import { findObject, type K8sObject, KSVC, NAMES, renderChart } from "./render.ts";

type Quantity = string | number;

/** request, limit, and whether the request is above the limit. */
const CPU: [request: Quantity, limit: Quantity, above: boolean][] = [
  ["500m", "0.5", false],
  ["0.5", "500m", false],
  ["501m", "0.5", true],
  ["100m", "0.1", false],
  ["0.1", "100m", false],
  ["1.1", "1100m", false],
  ["1100m", "1.1", false],
  ["1", "1000m", false],
  [2, "2000m", false],
  [1.5, "1", true],
  ["1.5", 2, false],
  ["1501m", "1.5", true],
  ["250000u", "250m", false],
  ["250000001n", "250m", true],
  ["5.m", ".005", false],
  ["1e-3", "1m", false],
  ["3", "2", true],
];

const MEMORY: [request: Quantity, limit: Quantity, above: boolean][] = [
  ["128Mi", "134217728", false],
  ["134217728", "128Mi", false],
  ["134217729", "128Mi", true],
  ["1Gi", "1e9", true],
  ["1G", "1e9", false],
  ["1e9", "1G", false],
  [1e9, "1G", false],
  ["1E9", "1000M", false],
  ["500M", "0.5G", false],
  ["1000001k", "1G", true],
  ["1.5Gi", "1536Mi", false],
  ["1537Mi", "1.5Gi", true],
  ["1Ti", "1024Gi", false],
  ["1Ei", "1024Pi", false],
  ["1Ei", "1E", true],
  ["2Gi", "1Gi", true],
  ["1024Ki", "1Mi", false],
  ["1025Ki", "1Mi", true],
];

const COMPONENTS = ["info", "serve", "train", "notFound", "minio", "bootstrap", "tests"];

const resources = (cpu: [Quantity, Quantity], memory: [Quantity, Quantity]) => ({
  requests: { cpu: cpu[0], memory: memory[0] },
  limits: { cpu: cpu[1], memory: memory[1] },
});

/** serve's container resources as rendered. */
function serveResources(objects: K8sObject[]) {
  const ksvc = findObject<{
    spec: { template: { spec: { containers: { resources: unknown }[] } } };
  }>(objects, KSVC, NAMES.serve);
  return ksvc.spec.template.spec.containers[0]?.resources;
}

describe("requests above limits", { timeout: 60_000 }, () => {
  it.each(CPU)("cpu: request %j, limit %j; above: %s", async (request, limit, above) => {
    const values = { "serve.resources": resources([request, limit], ["1Mi", "1Mi"]) };
    if (above) {
      await expect(renderChart(values)).rejects.toThrow(
        `- serve.resources.requests.cpu (${request}) is above serve.resources.limits.cpu (${limit})\n`,
      );
    } else {
      expect(serveResources(await renderChart(values))).toEqual(values["serve.resources"]);
    }
  });

  it.each(MEMORY)("memory: request %j, limit %j; above: %s", async (request, limit, above) => {
    const values = { "serve.resources": resources(["1", "1"], [request, limit]) };
    if (above) {
      await expect(renderChart(values)).rejects.toThrow(
        `- serve.resources.requests.memory (${request}) is above serve.resources.limits.memory (${limit})\n`,
      );
    } else {
      expect(serveResources(await renderChart(values))).toEqual(values["serve.resources"]);
    }
  });

  it("are refused in every resources block, ephemeral-storage too, each named by its path", async () => {
    const values = Object.fromEntries(
      COMPONENTS.map((component) => [
        `${component}.resources`,
        resources(["2", "1"], ["2Gi", "1Gi"]),
      ]),
    );
    const error = await renderChart(values).then(
      () => new Error("rendered"),
      (e: Error) => e,
    );
    for (const component of COMPONENTS) {
      expect(error.message).toContain(
        `- ${component}.resources.requests.cpu (2) is above ${component}.resources.limits.cpu (1)\n`,
      );
      expect(error.message).toContain(
        `- ${component}.resources.requests.memory (2Gi) is above ${component}.resources.limits.memory (1Gi)\n`,
      );
    }
    const storage = {
      requests: { cpu: "1", memory: "1Gi", "ephemeral-storage": "2Gi" },
      limits: { cpu: "1", memory: "1Gi", "ephemeral-storage": "2G" },
    };
    await expect(renderChart({ "minio.resources": storage })).rejects.toThrow(
      "- minio.resources.requests.ephemeral-storage (2Gi) is above minio.resources.limits.ephemeral-storage (2G)",
    );
  });

  it("are refused with --set, where a whole number arrives as an integer and a fraction as a string", async () => {
    await expect(
      renderChart({}, [
        "--set",
        "serve.resources.requests.cpu=1.5",
        "--set",
        "serve.resources.limits.cpu=1",
      ]),
    ).rejects.toThrow(
      "- serve.resources.requests.cpu (1.5) is above serve.resources.limits.cpu (1)",
    );
    const objects = await renderChart({}, [
      "--set",
      "serve.resources.requests.cpu=1",
      "--set",
      "serve.resources.limits.cpu=1500m",
      "--set",
      "serve.resources.requests.memory=1073741824",
      "--set",
      "serve.resources.limits.memory=1Gi",
    ]);
    expect(serveResources(objects)).toEqual({
      requests: { cpu: 1, memory: 1073741824 },
      limits: { cpu: "1500m", memory: "1Gi" },
    });
  });
});

describe("quantities the API server would not parse", { timeout: 60_000 }, () => {
  it.each([["5ki"], ["1.2.3"], ["1Gb"], ["-1"], ["1e"], [""]])(
    "%j is refused by the schema",
    async (quantity) => {
      await expect(renderChart({ "serve.resources.limits.memory": quantity })).rejects.toThrow(
        /at '\/serve\/resources\/limits\/memory'/,
      );
    },
  );

  it("refuses a negative number", async () => {
    await expect(renderChart({ "serve.resources.limits.cpu": -1 })).rejects.toThrow(
      /at '\/serve\/resources\/limits\/cpu': minimum: got -1, want 0/,
    );
  });
});
