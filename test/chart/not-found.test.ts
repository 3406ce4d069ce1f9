import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IService } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../functions/lib/config.ts";
import { notFoundEnv } from "../../functions/not-found/config.ts";
import {
  DEPLOYMENT,
  envByName,
  findObject,
  NAMES,
  only,
  PDB,
  renderChart,
  SERVICE,
  typeOf,
} from "./render.ts";
import { HOSTS_WITH_MODEL_HOST } from "./value-sets.ts";

describe("not-found default backend", { timeout: 60_000 }, () => {
  it("is an always-on hardened Deployment behind a ClusterIP Service on port 80", async () => {
    const objects = await renderChart();
    const deployment = findObject<IDeployment>(objects, DEPLOYMENT, NAMES.notFound);
    const pod = deployment.spec?.template.spec;
    const container = only(pod?.containers, "not-found container");
    expect(deployment.spec?.replicas).toBe(1);
    expect(container.command).toEqual(["node", "dist/not-found.mjs"]);
    expect(envByName(container.env).get("PORT")?.value).toBe("8080");
    expect(container.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container.readinessProbe?.httpGet?.path).toBe("/readyz");
    // not-found answers 404 on every public path, so it is probed on its admin port.
    expect(container.livenessProbe?.httpGet?.port).toBe("admin");
    expect(container.readinessProbe?.httpGet?.port).toBe("admin");
    expect(container.ports?.find((p) => p.name === "admin")?.containerPort).toBe(9464);
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.resources?.limits).toHaveProperty("memory");

    const service = findObject<IService>(objects, SERVICE, NAMES.notFound);
    expect(service.spec?.type).toBe("ClusterIP");
    expect(service.spec?.ports).toEqual([
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
    ]);
    expect(service.spec?.selector).toEqual(deployment.spec?.selector.matchLabels);
    expect(objects.filter((o) => typeOf(o) === PDB)).toEqual([]);
  });

  it("knows the routes actually served: enabled functions' paths only", async () => {
    const routesOf = async (values: Record<string, unknown>) => {
      const objects = await renderChart(values);
      const deployment = findObject<IDeployment>(objects, DEPLOYMENT, NAMES.notFound);
      const container = only(deployment.spec?.template.spec?.containers, "not-found container");
      return JSON.parse(envByName(container.env).get("SKIFF_ROUTES")?.value ?? "") as unknown;
    };
    const api = (paths: string[]) => ({
      host: "ml-system-service-api.com",
      paths: paths.map((fn) => ({ path: `/${fn}`, function: fn })),
    });
    const infoHost = { host: "ml-info-service.com", paths: [{ path: "/", function: "info" }] };
    expect(await routesOf({})).toEqual([api(["info", "serve", "train"]), infoHost]);
    // A function that is not deployed is not listed.
    expect(await routesOf({ "train.enabled": false })).toEqual([api(["info", "serve"]), infoHost]);
  });

  it("gets a PodDisruptionBudget once it has more than one replica", async () => {
    const objects = await renderChart({ "notFound.replicas": 2 });
    const deployment = findObject<IDeployment>(objects, DEPLOYMENT, NAMES.notFound);
    const pdb = findObject<IPodDisruptionBudget>(objects, PDB, NAMES.notFound);
    expect(deployment.spec?.replicas).toBe(2);
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(pdb.spec?.selector?.matchLabels).toEqual(deployment.spec?.selector.matchLabels);
  });
});

describe("not-found's routing table", { timeout: 60_000 }, () => {
  it("is accepted by not-found's own settings schema, model hosts included", async () => {
    const objects = await renderChart({ "ingress.hosts": HOSTS_WITH_MODEL_HOST });
    const deployment = findObject<IDeployment>(objects, DEPLOYMENT, NAMES.notFound);
    const container = only(deployment.spec?.template.spec?.containers, "not-found container");
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const parsed = parseEnv(notFoundEnv, env);
    expect(parsed.SKIFF_ROUTES.map((h) => h.host)).toEqual([
      "ml-system-service-api.com",
      "ml-info-service.com",
      "models-price-prediction.io",
    ]);
    expect(parsed.SKIFF_JSON_BODY_LIMIT).toBe(64 * 1024 * 1024);
  });
});
