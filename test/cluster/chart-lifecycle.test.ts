/**
 * The chart as a user installs it, against a real kube-apiserver with Knative Serving's own
 * webhook, controller and autoscaler: `helm install --wait` with every value set the rendering
 * tests use, `helm test`, `helm upgrade`, `helm uninstall`, both with the Knative settings the
 * project applies (knative/config) and with Knative's settings as released.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { KnativeSettings } from "../../toolchain/control-plane/knative-settings.ts";
import { CHART_DIR, type K8sObject } from "../chart/render.ts";
import { VALUE_SETS } from "../chart/value-sets.ts";
import { type Cluster, cluster } from "./plane.ts";
import { install, knativeServices, remaining, revisions, until } from "./releases.ts";

const RELEASE = "skiff";

/** A value set that tells the chart the cluster's Knative allows more than stock Knative does. */
function raisesKnativeLimits(values: Record<string, unknown>): boolean {
  return (
    Number(values["knative.maxRevisionTimeoutSeconds"] ?? 600) > 600 ||
    values["knative.allowZeroInitialScale"] === true
  );
}

/** Where Kourier would be: Gateway API mode's ReferenceGrant goes there. */
const GATEWAY_NAMESPACE = "kourier-system";

function ready(service: K8sObject): boolean {
  const conditions = (
    service.status as { conditions?: { type: string; status: string }[] } | undefined
  )?.conditions;
  return conditions?.find((c) => c.type === "Ready")?.status === "True";
}

/**
 * The release's Knative Services once all are Ready. Helm's waiter can return before Knative
 * has given a new Service any status (a resource with no conditions counts as current to it).
 */
function allReady(c: Cluster, namespace: string) {
  return until(
    () => knativeServices(c, namespace),
    (services) => services.every(ready),
    90_000,
  );
}

async function secretData(c: Cluster, namespace: string) {
  const secret = await c.api.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${RELEASE}-credentials`,
  );
  return secret.data;
}

describe.each(["project", "stock"] as KnativeSettings[])(
  "with Knative's %s settings",
  (settings) => {
    let c: Cluster;
    beforeAll(async () => {
      c = await cluster();
      await c.useKnativeSettings(settings);
      if (!(await c.api.find(`/api/v1/namespaces/${GATEWAY_NAMESPACE}`))) {
        await c.api.create("/api/v1/namespaces", { metadata: { name: GATEWAY_NAMESPACE } });
      }
    }, 320_000);

    it("installs the defaults, passes helm test, upgrades to exactly one new revision keeping the Secret, and uninstalls keeping what is kept", async () => {
      const namespace = await c.namespace(`life-${settings}`);
      const installed = await install(c, { name: RELEASE, namespace }, {});
      expect(installed.stderr, installed.stdout).not.toMatch(/^Error:/m);
      expect(installed.code).toBe(0);

      const services = await allReady(c, namespace);
      expect(services.map((s) => s.metadata.name).sort()).toEqual([
        `${RELEASE}-info`,
        `${RELEASE}-serve`,
        `${RELEASE}-train`,
      ]);
      expect(services.filter(ready)).toHaveLength(3);
      const status = JSON.parse(
        (await c.helm(["status", RELEASE, "-n", namespace, "-o", "json"])).stdout,
      );
      expect(status.info.status).toBe("deployed");
      // The bootstrap hook ran to completion on the fake node (Helm waited for its Job).
      expect(status.hooks.filter((h: { kind: string }) => h.kind === "Job")).toEqual([
        expect.objectContaining({ last_run: expect.objectContaining({ phase: "Succeeded" }) }),
      ]);

      const tested = await c.helm(["test", RELEASE, "-n", namespace, "--timeout", "120s"]);
      // helm's client may log a watch ended by its own timeout; a failure starts with "Error:".
      expect(tested.stderr, tested.stdout).not.toMatch(/^Error:/m);
      expect(tested.code).toBe(0);
      expect(tested.stdout).toMatch(/Phase:\s+Succeeded/);
      expect(tested.stdout).not.toMatch(/Phase:\s+Failed/);

      const secretBefore = await secretData(c, namespace);
      const revisionsBefore = await revisions(c, namespace);
      expect(revisionsBefore).toHaveLength(3);

      const upgrade = (...set: string[]) =>
        c.helm([
          "upgrade",
          RELEASE,
          CHART_DIR,
          "-n",
          namespace,
          "--reuse-values",
          ...set,
          "--wait",
          "--timeout",
          "180s",
        ]);
      const unchanged = await upgrade();
      expect(unchanged.code, unchanged.stderr).toBe(0);
      expect(await revisions(c, namespace)).toHaveLength(3);

      const upgraded = await upgrade("--set", "serve.autoscaling.target=40");
      expect(upgraded.code, upgraded.stderr).toBe(0);
      const revisionsAfter = await revisions(c, namespace);
      const added = revisionsAfter.filter(
        (r) => !revisionsBefore.some((b) => b.metadata.name === r.metadata.name),
      );
      expect(added.map((r) => r.metadata.name)).toEqual([`${RELEASE}-serve-00002`]);
      expect((await allReady(c, namespace)).filter(ready)).toHaveLength(3);
      // lookup found the generated Secret and kept every value.
      expect(await secretData(c, namespace)).toEqual(secretBefore);

      const uninstalled = await c.helm([
        "uninstall",
        RELEASE,
        "-n",
        namespace,
        "--wait",
        "--timeout",
        "120s",
      ]);
      expect(uninstalled.code, uninstalled.stderr).toBe(0);
      expect(await knativeServices(c, namespace)).toEqual([]);
      // The revisions' Deployments go with their Knative Services, by the garbage collector.
      const left = await until(
        () =>
          remaining(c, namespace, [
            "secrets",
            "persistentvolumeclaims",
            "deployments",
            "statefulsets",
          ]),
        (objects) => !objects.some((o) => o.kind === "Deployment"),
      );
      expect(left.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        `PersistentVolumeClaim/data-${RELEASE}-minio-0`,
        `Secret/${RELEASE}-credentials`,
      ]);
      expect(await secretData(c, namespace)).toEqual(secretBefore);
    }, 600_000);

    for (const [name, values] of Object.entries(VALUE_SETS)) {
      if (name === "defaults") continue;
      if (settings === "stock" && raisesKnativeLimits(values)) {
        // The knative.* values must say what the cluster allows: here Knative itself refuses.
        it(`is refused by Knative's own webhook when the values claim more than stock Knative allows: ${name}`, async () => {
          const namespace = await c.namespace(`set-${settings}`);
          const installed = await install(c, { name: RELEASE, namespace }, values);
          expect(installed.code).not.toBe(0);
          expect(installed.stderr).toMatch(
            /admission webhook "validation\.webhook\.serving\.knative\.dev" denied the request: validation failed: (expected 0 <= \d+ <= 600: spec\.template\.spec\.timeoutSeconds|invalid value: 0: spec\.template\.metadata\.annotations\.autoscaling\.knative\.dev\/initial-scale)/,
          );
          await c.helm(["uninstall", RELEASE, "-n", namespace, "--timeout", "120s"]);
        }, 300_000);
        continue;
      }
      it(`installs and passes helm test: ${name}`, async () => {
        const namespace = await c.namespace(`set-${settings}`);
        const installed = await install(c, { name: RELEASE, namespace }, values);
        expect(installed.stderr, installed.stdout).not.toMatch(/^Error:/m);
        expect(installed.code).toBe(0);
        for (const service of await allReady(c, namespace)) {
          expect(ready(service), service.metadata.name).toBe(true);
        }
        if (values["tests.enabled"] !== false) {
          const tested = await c.helm(["test", RELEASE, "-n", namespace, "--timeout", "120s"]);
          expect(tested.code, tested.stderr).toBe(0);
        }
        await c.helm(["uninstall", RELEASE, "-n", namespace, "--timeout", "120s"]);
      }, 300_000);
    }
  },
);

describe("on Knative's stock settings", () => {
  let c: Cluster;
  beforeAll(async () => {
    c = await cluster();
    await c.useKnativeSettings("stock");
  }, 320_000);

  async function refused(args: string[], message: string) {
    const namespace = await c.namespace("refused");
    // Straight to helm: the chart refuses while rendering, before any object is sent.
    const installed = await c.helm([
      "install",
      RELEASE,
      CHART_DIR,
      "--namespace",
      namespace,
      ...args,
    ]);
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toContain("VALUES VALIDATION:");
    expect(installed.stderr).toContain(`- ${message}`);
    // Refused while rendering: no release, and nothing of it in the namespace.
    expect((await c.helm(["list", "-n", namespace, "-a", "-q"])).stdout.trim()).toBe("");
    const created = c.kubectlRun([
      "get",
      "all,secrets,ksvc,ingress",
      "-n",
      namespace,
      "-l",
      `app.kubernetes.io/instance=${RELEASE}`,
      "-o",
      "name",
    ]);
    expect(created.stdout.trim()).toBe("");
  }

  it.each([
    [
      "a timeout above Knative's max-revision-timeout-seconds",
      ["train.timeoutSeconds=900"],
      "train.timeoutSeconds: 900 is above knative.maxRevisionTimeoutSeconds (600); Knative refuses a revision timeout above its max-revision-timeout-seconds (config-defaults in knative-serving): lower train.timeoutSeconds, or raise max-revision-timeout-seconds and set knative.maxRevisionTimeoutSeconds to the same value",
    ],
    [
      "a scale-down delay above 1h",
      ["serve.autoscaling.scaleDownDelay=2h"],
      'serve.autoscaling.scaleDownDelay: "2h" is 7200s; Knative allows 0s..1h (3600s)',
    ],
    [
      "an initial scale of 0 without allow-zero-initial-scale",
      ["info.autoscaling.initialScale=0"],
      `info.autoscaling.initialScale: 0 needs Knative's allow-zero-initial-scale (config-autoscaler in knative-serving), which is "false" unless changed: set it to "true" there and knative.allowZeroInitialScale=true, or use an initialScale of 1 or more`,
    ],
    [
      "a Knative Service's memory request above its limit (the Revision would fail silently)",
      ["serve.resources.requests.memory=2Gi", "serve.resources.limits.memory=1Gi"],
      "serve.resources.requests.memory (2Gi) is above serve.resources.limits.memory (1Gi)",
    ],
    [
      "a Deployment's CPU request above its limit (the API server would refuse it half-way)",
      ["notFound.resources.requests.cpu=2", "notFound.resources.limits.cpu=500m"],
      "notFound.resources.requests.cpu (2) is above notFound.resources.limits.cpu (500m)",
    ],
    [
      "Gateway API mode where the Knative gateway's namespace does not exist",
      [
        "ingress.mode=gatewayApi",
        '--set-json=ingress.gatewayApi.parentRefs=[{"name":"public","namespace":"gateway-system"}]',
        "ingress.gatewayApi.knativeGateway.namespace=no-such-gateway",
      ],
      'ingress.gatewayApi.knativeGateway.namespace: namespace "no-such-gateway" does not exist, and the ReferenceGrant that lets the HTTPRoutes reach the Knative gateway Service "kourier-internal" must be created there; set ingress.gatewayApi.knativeGateway.namespace to the namespace that Service is in, or set ingress.gatewayApi.createReferenceGrant=false if the ReferenceGrant is managed elsewhere',
    ],
  ])(
    "refuses %s at install time, naming the value, with nothing created",
    async (_what, set, message) => {
      const args = set.flatMap((value) => (value.startsWith("--") ? [value] : ["--set", value]));
      await refused(args, message);
    },
    120_000,
  );

  it("takes a fractional target given with --set", async () => {
    const namespace = await c.namespace("set-flag");
    const installed = await install(c, { name: RELEASE, namespace }, {}, [
      "--set",
      "serve.autoscaling.target=0.01",
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    const serve = (await allReady(c, namespace)).find(
      (s) => s.metadata.name === `${RELEASE}-serve`,
    ) as K8sObject & {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    expect(serve.spec.template.metadata.annotations["autoscaling.knative.dev/target"]).toBe("0.01");
    expect(ready(serve)).toBe(true);
  }, 300_000);

  it("passes a server-side dry run of a fresh install (kubectl apply --dry-run=server, as Argo CD does)", async () => {
    const namespace = await c.namespace("dry-run");
    const rendered = await c.helm(["template", RELEASE, CHART_DIR, "--namespace", namespace]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const applied = c.kubectlRun(
      ["apply", "--dry-run=server", "-n", namespace, "-f", "-"],
      rendered.stdout,
    );
    expect(applied.stderr).toBe("");
    expect(applied.status).toBe(0);
    expect(applied.stdout).toContain(
      `service.serving.knative.dev/${RELEASE}-train created (server dry run)`,
    );
    // Nothing was created.
    expect(await knativeServices(c, namespace)).toEqual([]);
  }, 120_000);
});
