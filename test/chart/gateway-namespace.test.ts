/**
 * mode gatewayApi puts its ReferenceGrant in the Knative gateway's namespace, so where Helm can
 * see the cluster, the chart refuses to install when that namespace is missing, before anything
 * is created. `helm template --dry-run=server` renders with a real `lookup` against a small
 * stand-in for the API server: discovery, and GET of namespaces (found, missing or forbidden).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderChart, type ValueSet } from "./render.ts";
import { GATEWAY_API } from "./value-sets.ts";

interface FakeCluster {
  namespaces: string[];
  /** Every namespace GET is refused, as for a user without that right. */
  forbidden: boolean;
  /** Paths Helm asked for since the last reset. */
  requests: string[];
}

const cluster: FakeCluster = { namespaces: [], forbidden: false, requests: [] };
let server: Server;
let dir: string;
let kubeconfig: string;

function status(code: number, reason: string, message: string) {
  return { kind: "Status", apiVersion: "v1", status: "Failure", reason, code, message };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    cluster.requests.push(path);
    const answer = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/version") return answer(200, { major: "1", minor: "35", gitVersion: "v1.35.4" });
    if (path === "/api") return answer(200, { kind: "APIVersions", versions: ["v1"] });
    if (path === "/apis")
      return answer(200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
    if (path === "/api/v1") {
      return answer(200, {
        kind: "APIResourceList",
        groupVersion: "v1",
        resources: [
          { name: "namespaces", namespaced: false, kind: "Namespace", verbs: ["get"] },
          { name: "secrets", namespaced: true, kind: "Secret", verbs: ["get"] },
        ],
      });
    }
    const name = path.match(/^\/api\/v1\/namespaces\/([^/]+)$/)?.[1];
    if (name && cluster.forbidden) {
      const message = `namespaces "${name}" is forbidden: User "dev" cannot get resource "namespaces" in API group "" at the cluster scope`;
      return answer(403, status(403, "Forbidden", message));
    }
    if (name && cluster.namespaces.includes(name)) {
      return answer(200, { kind: "Namespace", apiVersion: "v1", metadata: { name } });
    }
    return answer(404, status(404, "NotFound", `${path} not found`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  dir = mkdtempSync(join(tmpdir(), "skiff-kubeconfig-"));
  kubeconfig = join(dir, "config");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster: { server: `http://127.0.0.1:${port}` } }],
      users: [{ name: "dev", user: { token: "dev" } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "dev" } }],
      "current-context": "fake",
    }),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Renders against the fake cluster; resolves to the error text, or "" when helm succeeded. */
async function renderAgainst(state: Partial<FakeCluster>, values: ValueSet): Promise<string> {
  Object.assign(cluster, { namespaces: [], forbidden: false, ...state, requests: [] });
  const args = ["--dry-run=server", "--kubeconfig", kubeconfig];
  return renderChart(values, args, { fresh: true }).then(
    () => "",
    (error: Error) => error.message,
  );
}

/** Helm got past rendering: the stand-in serves no OpenAPI, so building the objects fails next. */
const RENDERED = /unable to build kubernetes objects from release manifest/;

const MISSING =
  '- ingress.gatewayApi.knativeGateway.namespace: namespace "kourier-system" does not exist, and the ReferenceGrant that lets the HTTPRoutes reach the Knative gateway Service "kourier-internal" must be created there; set ingress.gatewayApi.knativeGateway.namespace to the namespace that Service is in, or set ingress.gatewayApi.createReferenceGrant=false if the ReferenceGrant is managed elsewhere\n';

const namespaceLookups = () =>
  cluster.requests.filter((p) => /^\/api\/v1\/namespaces\/[^/]+$/.test(p));

describe("the Knative gateway's namespace, where Helm sees the cluster", {
  timeout: 60_000,
}, () => {
  it("must exist for the ReferenceGrant, or the install stops before anything is created", async () => {
    const error = await renderAgainst({ namespaces: ["kube-system", "default"] }, GATEWAY_API);
    expect(error).toContain("VALUES VALIDATION:");
    expect(error).toContain(MISSING);
    expect(namespaceLookups()).toEqual([
      "/api/v1/namespaces/kube-system",
      "/api/v1/namespaces/kourier-system",
    ]);
  });

  it("passes when it exists, and follows knativeGateway.namespace", async () => {
    const present = await renderAgainst(
      { namespaces: ["kube-system", "kourier-system"] },
      GATEWAY_API,
    );
    expect(present).toMatch(RENDERED);
    expect(present).not.toContain("VALUES VALIDATION");
    const istio = await renderAgainst(
      { namespaces: ["kube-system", "istio-system"] },
      {
        ...GATEWAY_API,
        "ingress.gatewayApi.knativeGateway": {
          name: "knative-local-gateway",
          namespace: "istio-system",
          port: 80,
        },
      },
    );
    expect(istio).toMatch(RENDERED);
    expect(namespaceLookups()).toContain("/api/v1/namespaces/istio-system");
  });

  it("is not looked up without the ReferenceGrant, nor in nginx mode", async () => {
    for (const values of [
      { ...GATEWAY_API, "ingress.gatewayApi.createReferenceGrant": false },
      {},
      { ...GATEWAY_API, "ingress.enabled": false },
    ]) {
      const error = await renderAgainst({ namespaces: ["kube-system"] }, values);
      expect(error, JSON.stringify(values)).toMatch(RENDERED);
      expect(namespaceLookups(), JSON.stringify(values)).toEqual([]);
    }
  });

  it("stops with Helm's own error for a user who may not get namespaces, unless the grant is left out", async () => {
    const error = await renderAgainst({ forbidden: true }, GATEWAY_API);
    expect(error).toContain(
      'error calling lookup: namespaces "kube-system" is forbidden: User "dev" cannot get resource "namespaces" in API group "" at the cluster scope',
    );
    expect(error).not.toMatch(RENDERED);
    const withoutGrant = await renderAgainst(
      { forbidden: true },
      { ...GATEWAY_API, "ingress.gatewayApi.createReferenceGrant": false },
    );
    expect(withoutGrant).toMatch(RENDERED);
  });

  it("is not checked with no cluster to ask (helm template, lint, --dry-run=client)", async () => {
    const objects = await renderChart(GATEWAY_API);
    expect(objects.filter((o) => o.kind === "ReferenceGrant")).toHaveLength(1);
  });
});
