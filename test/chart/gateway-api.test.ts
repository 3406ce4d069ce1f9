import { describe, expect, it } from "vitest";
import { type HttpRoute, httpRoutesOf, reach } from "./ingress-routing.ts";
import { validateObject } from "./models.ts";
import { NAMES, NAMESPACE, renderChart } from "./render.ts";
import {
  API_HOST,
  GATEWAY_API,
  HOSTS_WITH_MODEL_HOST,
  INFO_HOST,
  KOURIER,
  MODEL_HOST,
  ROUTING_CASES,
} from "./value-sets.ts";

const REFERENCE_GRANT = "ReferenceGrant";

function routeFor(routes: HttpRoute[], host: string): HttpRoute {
  const route = routes.find((r) => r.spec.hostnames?.includes(host));
  if (!route) throw new Error(`no HTTPRoute for ${host}`);
  return route;
}

describe("HTTPRoutes (mode gatewayApi)", { timeout: 60_000 }, () => {
  it("routes each host and path like the Ingress does, model host included", async () => {
    const objects = await renderChart({ ...GATEWAY_API, "ingress.hosts": HOSTS_WITH_MODEL_HOST });
    for (const [host, path, service] of ROUTING_CASES) {
      expect(reach(objects, host, path, KOURIER), `${host}${path}`).toBe(service);
    }
  });

  it("rewrites the Host to the ksvc's cluster-local name and sends it to Kourier", async () => {
    const routes = httpRoutesOf(await renderChart(GATEWAY_API));
    const api = routeFor(routes, API_HOST);
    expect(api.metadata.name).toBe(`${NAMES.fullname}-${API_HOST}`);
    expect(api.spec).toMatchObject({
      parentRefs: [{ name: "public", namespace: "gateway-system" }],
      hostnames: [API_HOST],
    });
    expect(api.spec.rules?.[0]).toEqual({
      matches: [{ path: { type: "PathPrefix", value: "/info" } }],
      filters: [
        {
          type: "URLRewrite",
          urlRewrite: { hostname: `${NAMES.info}.${NAMESPACE}.svc.cluster.local` },
        },
      ],
      backendRefs: [
        {
          group: "",
          kind: "Service",
          name: "kourier-internal",
          namespace: "kourier-system",
          port: 80,
        },
      ],
    });
    // info, serve, train, then the not-found rule; train's path goes to train's host.
    expect(api.spec.rules?.map((r) => r.matches?.[0]?.path?.value)).toEqual([
      "/info",
      "/serve",
      "/train",
      "/",
    ]);
    expect(api.spec.rules?.[2]?.filters?.[0]?.urlRewrite?.hostname).toBe(
      `${NAMES.train}.${NAMESPACE}.svc.cluster.local`,
    );
  });

  it("ends every host with a PathPrefix / rule to not-found, since there is no default backend", async () => {
    const routes = httpRoutesOf(
      await renderChart({ ...GATEWAY_API, "ingress.hosts": HOSTS_WITH_MODEL_HOST }),
    );
    const notFoundRule = {
      matches: [{ path: { type: "PathPrefix", value: "/" } }],
      backendRefs: [{ name: NAMES.notFound, port: 80 }],
    };
    expect(routeFor(routes, API_HOST).spec.rules?.at(-1)).toEqual(notFoundRule);
    // Where a function owns "/", that function's rule is the last word.
    for (const host of [INFO_HOST, MODEL_HOST]) {
      const rules = routeFor(routes, host).spec.rules ?? [];
      expect(rules).toHaveLength(1);
      expect(rules[0]?.matches?.[0]?.path?.value).toBe("/");
    }
    const catchAll = routes.find((r) => r.metadata.name === NAMES.notFound);
    expect(catchAll?.spec.hostnames).toBeUndefined();
    expect(catchAll?.spec.rules).toEqual([notFoundRule]);
  });

  it("grants the routes access to the Knative gateway Service in its namespace only", async () => {
    const objects = await renderChart(GATEWAY_API);
    const grants = objects.filter((o) => o.kind === REFERENCE_GRANT);
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({
      // helm template has no cluster to ask, so the grant uses the version every release serves.
      apiVersion: "gateway.networking.k8s.io/v1beta1",
      metadata: { name: `${NAMES.fullname}-from-${NAMESPACE}`, namespace: "kourier-system" },
      spec: {
        from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: NAMESPACE }],
        to: [{ group: "", kind: "Service", name: "kourier-internal" }],
      },
    });
  });

  it("uses ReferenceGrant v1 where the cluster serves it, and follows a custom gateway", async () => {
    const objects = await renderChart(
      {
        ...GATEWAY_API,
        "ingress.gatewayApi.knativeGateway": {
          name: "knative-local-gateway",
          namespace: "istio-system",
          port: 80,
        },
      },
      ["--api-versions", "gateway.networking.k8s.io/v1/ReferenceGrant"],
    );
    for (const object of objects) validateObject(object);
    const grant = objects.find((o) => o.kind === REFERENCE_GRANT);
    expect(grant).toMatchObject({
      apiVersion: "gateway.networking.k8s.io/v1",
      metadata: { namespace: "istio-system" },
      spec: { to: [{ name: "knative-local-gateway" }] },
    });
    const istio = {
      name: "knative-local-gateway",
      namespace: "istio-system",
      releaseNamespace: NAMESPACE,
    };
    expect(reach(objects, API_HOST, "/serve/v2", istio)).toBe(NAMES.serve);
  });

  it("leaves the ReferenceGrant out when asked", async () => {
    const objects = await renderChart({
      ...GATEWAY_API,
      "ingress.gatewayApi.createReferenceGrant": false,
    });
    expect(objects.filter((o) => o.kind === REFERENCE_GRANT)).toEqual([]);
    expect(httpRoutesOf(objects).length).toBeGreaterThan(0);
  });
});
