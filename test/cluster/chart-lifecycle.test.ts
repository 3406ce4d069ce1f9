/**
 * The chart as a user installs it, against a real kube-apiserver with Knative Serving's own
 * webhook, controller and autoscaler: `helm install --wait` with every value set the rendering
 * tests use, `helm test`, `helm upgrade`, `helm uninstall`, both with the Knative settings the
 * project applies (knative/config) and with Knative's settings as released.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CHART_DIR, type K8sObject } from "../chart/render.ts";
import { VALUE_SETS } from "../chart/value-sets.ts";
import type { KnativeSettings } from "../../toolchain/control-plane/knative-settings.ts";
import { type Cluster, cluster } from "./plane.ts";
import { install, knativeServices, remaining, revisions } from "./releases.ts";

const RELEASE = "skiff";

/** Value sets that need something only the project's Knative settings allow. */
const NEEDS_PROJECT_SETTINGS = new Set(["train with its own settings"]);

function ready(service: K8sObject): boolean {
  const conditions = (service.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conditions?.find((c) => c.type === "Ready")?.status === "True";
}

async function secretData(c: Cluster, namespace: string) {
  const secret = await c.api.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${RELEASE}-credentials`,
  );
  return secret.data;
}

describe.each(["project", "stock"] as KnativeSettings[])("with Knative's %s settings", (settings) => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster();
    await c.useKnativeSettings(settings);
  }, 320_000);

  it("installs the defaults, passes helm test, upgrades to exactly one new revision keeping the Secret, and uninstalls keeping what is kept", async () => {
    const namespace = await c.namespace(`life-${settings}`);
    const installed = await install(c, { name: RELEASE, namespace }, {});
    expect(installed.stderr, installed.stdout).toBe("");
    expect(installed.code).toBe(0);

    const services = await knativeServices(c, namespace);
    expect(services.map((s) => s.metadata.name).sort()).toEqual([`${RELEASE}-info`, `${RELEASE}-serve`, `${RELEASE}-train`]);
    expect(services.filter(ready)).toHaveLength(3);
    const status = JSON.parse((await c.helm(["status", RELEASE, "-n", namespace, "-o", "json"])).stdout);
    expect(status.info.status).toBe("deployed");
    // The bootstrap hook ran to completion on the fake node (Helm waited for its Job).
    expect(status.hooks.filter((h: { kind: string }) => h.kind === "Job")).toEqual([
      expect.objectContaining({ last_run: expect.objectContaining({ phase: "Succeeded" }) }),
    ]);

    const tested = await c.helm(["test", RELEASE, "-n", namespace, "--timeout", "120s"]);
    expect(tested.stderr, tested.stdout).toBe("");
    expect(tested.stdout).toMatch(/Phase:\s+Succeeded/);
    expect(tested.stdout).not.toMatch(/Phase:\s+Failed/);

    const secretBefore = await secretData(c, namespace);
    const revisionsBefore = await revisions(c, namespace);
    expect(revisionsBefore).toHaveLength(3);

    const unchanged = await c.helm(["upgrade", RELEASE, CHART_DIR, "-n", namespace, "--reuse-values", "--wait", "--timeout", "180s"]);
    expect(unchanged.code, unchanged.stderr).toBe(0);
    expect(await revisions(c, namespace)).toHaveLength(3);

    const upgraded = await c.helm([
      "upgrade",
      RELEASE,
      CHART_DIR,
      "-n",
      namespace,
      "--reuse-values",
      "--set",
      "serve.autoscaling.target=40",
      "--wait",
      "--timeout",
      "180s",
    ]);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    const revisionsAfter = await revisions(c, namespace);
    const added = revisionsAfter.filter((r) => !revisionsBefore.some((b) => b.metadata.name === r.metadata.name));
    expect(added.map((r) => r.metadata.name)).toEqual([`${RELEASE}-serve-00002`]);
    expect((await knativeServices(c, namespace)).filter(ready)).toHaveLength(3);
    // lookup found the generated Secret and kept every value.
    expect(await secretData(c, namespace)).toEqual(secretBefore);

    const uninstalled = await c.helm(["uninstall", RELEASE, "-n", namespace, "--wait", "--timeout", "120s"]);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    expect(await knativeServices(c, namespace)).toEqual([]);
    const left = await remaining(c, namespace, ["secrets", "persistentvolumeclaims", "deployments", "statefulsets"]);
    expect(left.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      `PersistentVolumeClaim/data-${RELEASE}-minio-0`,
      `Secret/${RELEASE}-credentials`,
    ]);
    expect(await secretData(c, namespace)).toEqual(secretBefore);
  }, 600_000);

  for (const [name, values] of Object.entries(VALUE_SETS)) {
    if (name === "defaults") continue;
    if (settings === "stock" && NEEDS_PROJECT_SETTINGS.has(name)) continue;
    it(`installs and passes helm test: ${name}`, async () => {
      const namespace = await c.namespace(`set-${settings}`);
      const installed = await install(c, { name: RELEASE, namespace }, values);
      expect(installed.stderr, installed.stdout).toBe("");
      expect(installed.code).toBe(0);
      for (const service of await knativeServices(c, namespace)) expect(ready(service), service.metadata.name).toBe(true);
      if (values["tests.enabled"] !== false) {
        const tested = await c.helm(["test", RELEASE, "-n", namespace, "--timeout", "120s"]);
        expect(tested.code, tested.stderr).toBe(0);
      }
      await c.helm(["uninstall", RELEASE, "-n", namespace, "--timeout", "120s"]);
    }, 300_000);
  }
});
