import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { describe, expect, it } from "vitest";
import { ingressesOf, resolveBackend } from "./ingress-routing.ts";
import { findObject, INGRESS, NAMES, renderChart } from "./render.ts";

const API = "ml-system-service-api.com";
const INFO_HOST = "ml-info-service.com";

describe("Ingress", { timeout: 60_000 }, () => {
  it("routes each host and path to the right backend", async () => {
    const ingresses = ingressesOf(await renderChart());
    const serviceFor = (host: string, path: string) =>
      resolveBackend(ingresses, host, path)?.service;
    const cases: [host: string, path: string, service: string][] = [
      [API, "/info", NAMES.info],
      [API, "/info/models", NAMES.info],
      [API, "/information", NAMES.notFound],
      // serve and train are not in this chart yet: their paths fall through to not-found.
      [API, "/serve", NAMES.notFound],
      [API, "/train", NAMES.notFound],
      [API, "/nope", NAMES.notFound],
      [API, "/", NAMES.notFound],
      [INFO_HOST, "/", NAMES.info],
      [INFO_HOST, "/openapi.json", NAMES.info],
      ["unknown.example.com", "/", NAMES.notFound],
      ["unknown.example.com", "/info", NAMES.notFound],
    ];
    for (const [host, path, service] of cases) {
      expect(serviceFor(host, path), `${host}${path}`).toBe(service);
    }
  });

  it("sends function traffic to Knative's Service with the cluster-local Host (nginx)", async () => {
    const info = findObject<IIngress>(await renderChart(), INGRESS, NAMES.info);
    expect(info.spec?.ingressClassName).toBe("nginx");
    expect(info.metadata?.annotations).toEqual({
      "nginx.ingress.kubernetes.io/upstream-vhost": `${NAMES.info}.ml.svc.cluster.local`,
      "nginx.ingress.kubernetes.io/proxy-body-size": "64m",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "300",
    });
    const paths = (info.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
    expect(paths.map((p) => p.pathType)).toEqual(["Prefix", "Prefix"]);
    for (const path of paths) {
      expect(path.backend.service).toEqual({ name: NAMES.info, port: { number: 80 } });
    }
  });

  it("has a rule-less catch-all so ingress-nginx sends unknown hosts to not-found", async () => {
    const catchAll = findObject<IIngress>(await renderChart(), INGRESS, NAMES.fullname);
    expect(catchAll.spec?.rules).toBeUndefined();
    expect(catchAll.spec?.defaultBackend?.service).toEqual({
      name: NAMES.notFound,
      port: { number: 80 },
    });
  });

  it("drops nginx annotations for another class and scopes TLS to each Ingress's hosts", async () => {
    const objects = await renderChart({
      "ingress.className": "traefik",
      "ingress.annotations": { "example.com/team": "ml" },
      "ingress.tls": [{ secretName: "ml-info-tls", hosts: [INFO_HOST] }],
    });
    const ingresses = ingressesOf(objects);
    expect(ingresses).toHaveLength(3);
    for (const ingress of ingresses) {
      expect(ingress.spec?.ingressClassName).toBe("traefik");
      expect(ingress.metadata?.annotations).toEqual({ "example.com/team": "ml" });
    }
    const info = findObject<IIngress>(objects, INGRESS, NAMES.info);
    expect(info.spec?.tls).toEqual([{ secretName: "ml-info-tls", hosts: [INFO_HOST] }]);
    const notFound = findObject<IIngress>(objects, INGRESS, NAMES.notFound);
    expect(notFound.spec?.tls).toBeUndefined();
  });

  it("sends everything to not-found when info is disabled", async () => {
    const ingresses = ingressesOf(await renderChart({ "info.enabled": false }));
    expect(ingresses.map((ingress) => ingress.metadata?.name).sort()).toEqual(
      [NAMES.fullname, NAMES.notFound].sort(),
    );
    expect(resolveBackend(ingresses, INFO_HOST, "/")?.service).toBe(NAMES.notFound);
    expect(resolveBackend(ingresses, API, "/info")?.service).toBe(NAMES.notFound);
  });

  it("renders no Ingress when disabled", async () => {
    expect(ingressesOf(await renderChart({ "ingress.enabled": false }))).toEqual([]);
  });
});
