import { describe, expect, it } from "vitest";
import { validateObject } from "./models.ts";
import { describe as describeObject, renderChart } from "./render.ts";
import { VALUE_SETS } from "./value-sets.ts";

describe("every rendered object matches its schema", { timeout: 60_000 }, () => {
  it.each(Object.entries(VALUE_SETS))("with %s", async (_name, values) => {
    const objects = await renderChart(values);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) validateObject(object);
    const names = objects.map(describeObject);
    expect(new Set(names).size, `duplicate objects: ${names.join(", ")}`).toBe(names.length);
  });

  it("fails on a kind it has no model for instead of skipping it", () => {
    const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } };
    expect(() => validateObject(configMap)).toThrow(/v1\/ConfigMap x: no schema model/);
  });

  it("fails on an object its model rejects", () => {
    const ingress = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "x" },
      spec: { rules: [{ host: "a.com", http: { paths: [{ path: "/", pathType: "Prefix" }] } }] },
    };
    expect(() => validateObject(ingress)).toThrow(/Ingress x is invalid/);
  });

  it("checks HTTPRoutes against the Gateway API CRD, unknown fields included", () => {
    const route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "r" },
      spec: { parentRefs: [{ name: "gw" }], rules: [{ backendRef: [{ name: "x", port: 80 }] }] },
    };
    expect(() => validateObject(route)).toThrow(
      /HTTPRoute r is invalid: \/spec\/rules\/0 must NOT have additional properties 'backendRef'/,
    );
    const grant = {
      apiVersion: "gateway.networking.k8s.io/v1beta1",
      kind: "ReferenceGrant",
      metadata: { name: "g" },
      spec: { from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }], to: [] },
    };
    expect(() => validateObject(grant)).toThrow(/ReferenceGrant g is invalid: .*namespace/);
  });
});
