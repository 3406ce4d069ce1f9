import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { describe, expect, it } from "vitest";
import { ingressesOf, reach, resolveBackend } from "./ingress-routing.ts";
import { findObject, INGRESS, NAMES, NAMESPACE, renderChart } from "./render.ts";
import {
  API_HOST,
  HOSTS_WITH_MODEL_HOST,
  INFO_HOST,
  KOURIER,
  ROUTING_CASES,
} from "./value-sets.ts";

describe("Ingress (mode nginx)", { timeout: 60_000 }, () => {
  it("routes each host and path to the right backend, the model host to its own serve", async () => {
    const objects = await renderChart({ "ingress.hosts": HOSTS_WITH_MODEL_HOST });
    for (const [host, path, service] of ROUTING_CASES) {
      expect(reach(objects, host, path, KOURIER), `${host}${path}`).toBe(service);
    }
  });

  it("sends function traffic to Knative's Service with the cluster-local Host", async () => {
    const objects = await renderChart({ "ingress.hosts": HOSTS_WITH_MODEL_HOST });
    const cases: [name: string, timeout: string][] = [
      [NAMES.info, "60"],
      [NAMES.serve, "120"],
      [NAMES.serveFor("price-prediction"), "120"],
    ];
    for (const [name, timeout] of cases) {
      const ingress = findObject<IIngress>(objects, INGRESS, name);
      expect(ingress.spec?.ingressClassName).toBe("nginx");
      // Body size is limits.requestBodyBytes; the timeouts are the function's timeoutSeconds.
      expect(ingress.metadata?.annotations).toEqual({
        "nginx.ingress.kubernetes.io/upstream-vhost": `${name}.${NAMESPACE}.svc.cluster.local`,
        "nginx.ingress.kubernetes.io/proxy-body-size": "64m",
        "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
        "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
      });
      const paths = (ingress.spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) {
        expect(path.pathType).toBe("Prefix");
        expect(path.backend.service).toEqual({ name, port: { number: 80 } });
      }
    }
  });

  it("lets dataset uploads through train's Ingress only: train.maxUploadBytes, streamed", async () => {
    const objects = await renderChart({ "train.maxUploadBytes": 3 * 1024 ** 3 });
    const train = findObject<IIngress>(objects, INGRESS, NAMES.train);
    expect(train.metadata?.annotations).toEqual({
      "nginx.ingress.kubernetes.io/upstream-vhost": `${NAMES.train}.${NAMESPACE}.svc.cluster.local`,
      "nginx.ingress.kubernetes.io/proxy-body-size": "3g",
      // Uploads stream to train instead of being spooled by nginx first.
      "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "600",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "600",
    });
    expect(train.spec?.rules).toEqual([
      {
        host: API_HOST,
        http: {
          paths: [
            {
              path: "/train",
              pathType: "Prefix",
              backend: { service: { name: NAMES.train, port: { number: 80 } } },
            },
          ],
        },
      },
    ]);
    // Every other Ingress keeps the one JSON limit, buffered as before.
    for (const name of [NAMES.info, NAMES.serve]) {
      const annotations = findObject<IIngress>(objects, INGRESS, name).metadata?.annotations;
      expect(annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"], name).toBe("64m");
      expect(annotations, name).not.toHaveProperty(
        "nginx.ingress.kubernetes.io/proxy-request-buffering",
      );
    }
  });

  it("takes the body size from limits.requestBodyBytes and the timeouts from timeoutSeconds", async () => {
    const objects = await renderChart({
      "limits.requestBodyBytes": 10 * 1024 * 1024 + 512,
      "serve.timeoutSeconds": 300,
    });
    const serve = findObject<IIngress>(objects, INGRESS, NAMES.serve);
    expect(serve.metadata?.annotations).toMatchObject({
      "nginx.ingress.kubernetes.io/proxy-body-size": String(10 * 1024 * 1024 + 512),
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "300",
    });
    const kib = await renderChart({ "limits.requestBodyBytes": 2048 });
    expect(
      findObject<IIngress>(kib, INGRESS, NAMES.info).metadata?.annotations?.[
        "nginx.ingress.kubernetes.io/proxy-body-size"
      ],
    ).toBe("2k");
  });

  it("has a rule-less catch-all so ingress-nginx sends unknown hosts to not-found", async () => {
    const catchAll = findObject<IIngress>(await renderChart(), INGRESS, NAMES.fullname);
    expect(catchAll.spec?.rules).toBeUndefined();
    expect(catchAll.spec?.defaultBackend?.service).toEqual({
      name: NAMES.notFound,
      port: { number: 80 },
    });
  });

  it("takes class, annotations and TLS from values, TLS scoped to each Ingress's hosts", async () => {
    const objects = await renderChart({
      "ingress.className": "nginx-internal",
      "ingress.annotations": {
        "example.com/team": "ml",
        "nginx.ingress.kubernetes.io/proxy-body-size": "1g",
      },
      "ingress.tls": [{ secretName: "ml-info-tls", hosts: [INFO_HOST] }],
    });
    const ingresses = ingressesOf(objects);
    expect(ingresses.map((i) => i.metadata?.name).sort()).toEqual(
      [NAMES.fullname, NAMES.info, NAMES.serve, NAMES.train, NAMES.notFound].sort(),
    );
    for (const ingress of ingresses) {
      expect(ingress.spec?.ingressClassName).toBe("nginx-internal");
      expect(ingress.metadata?.annotations).toMatchObject({ "example.com/team": "ml" });
    }
    const info = findObject<IIngress>(objects, INGRESS, NAMES.info);
    expect(info.spec?.tls).toEqual([{ secretName: "ml-info-tls", hosts: [INFO_HOST] }]);
    // The user's annotation wins over the chart's.
    expect(info.metadata?.annotations?.["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("1g");
    expect(findObject<IIngress>(objects, INGRESS, NAMES.serve).spec?.tls).toBeUndefined();
    expect(findObject<IIngress>(objects, INGRESS, NAMES.notFound).spec?.tls).toBeUndefined();
  });

  it("sends everything to not-found when the functions are disabled", async () => {
    const ingresses = ingressesOf(
      await renderChart({ "info.enabled": false, "serve.enabled": false, "train.enabled": false }),
    );
    expect(ingresses.map((ingress) => ingress.metadata?.name).sort()).toEqual(
      [NAMES.fullname, NAMES.notFound].sort(),
    );
    expect(resolveBackend(ingresses, INFO_HOST, "/")?.service).toBe(NAMES.notFound);
    expect(resolveBackend(ingresses, API_HOST, "/info")?.service).toBe(NAMES.notFound);
    expect(resolveBackend(ingresses, API_HOST, "/train")?.service).toBe(NAMES.notFound);
  });

  it("renders no Ingress when disabled, and none in Gateway API mode", async () => {
    expect(ingressesOf(await renderChart({ "ingress.enabled": false }))).toEqual([]);
    const gateway = await renderChart({
      "ingress.mode": "gatewayApi",
      "ingress.gatewayApi.parentRefs": [{ name: "public" }],
    });
    expect(ingressesOf(gateway)).toEqual([]);
  });
});
