import { describe, expect, it } from "vitest";
import { ksvcParts, NAMES, renderChart, type ValueSet } from "./render.ts";

async function renderInfo(values: ValueSet = {}) {
  return ksvcParts(await renderChart(values), NAMES.info);
}

describe("info Knative Service", { timeout: 60_000 }, () => {
  it("puts autoscaling annotations only on the revision template, as strings", async () => {
    const { ksvc, template } = await renderInfo();
    const onService = Object.keys(ksvc.metadata?.annotations ?? {});
    expect(onService.filter((key) => key.startsWith("autoscaling.knative.dev/"))).toEqual([]);
    expect(template?.metadata?.annotations).toMatchObject({
      "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/metric": "concurrency",
      "autoscaling.knative.dev/target": "100",
      "autoscaling.knative.dev/min-scale": "0",
      "autoscaling.knative.dev/max-scale": "10",
      "autoscaling.knative.dev/initial-scale": "1",
      "autoscaling.knative.dev/scale-down-delay": "0s",
    });
  });

  it("takes the scaling knobs from values", async () => {
    const { template } = await renderInfo({
      "info.autoscaling.minScale": 1,
      "info.containerConcurrency": 8,
      "info.timeoutSeconds": 120,
    });
    expect(template?.metadata?.annotations?.["autoscaling.knative.dev/min-scale"]).toBe("1");
    expect(template?.spec?.containerConcurrency).toBe(8);
    expect(template?.spec?.timeoutSeconds).toBe(120);
  });

  it("takes Knative's autoscaling bounds at their edges: 1h of scale-down delay, initial scale 0 where the cluster allows it", async () => {
    for (const delay of ["1h", "60m", "3600s", "59m60s", "0"]) {
      const { template } = await renderInfo({ "info.autoscaling.scaleDownDelay": delay });
      expect(template?.metadata?.annotations?.["autoscaling.knative.dev/scale-down-delay"]).toBe(
        delay,
      );
    }
    const { template } = await renderInfo({
      "knative.allowZeroInitialScale": true,
      "info.autoscaling.initialScale": 0,
    });
    expect(template?.metadata?.annotations?.["autoscaling.knative.dev/initial-scale"]).toBe("0");
  });

  it("is cluster-local through a label, never an annotation", async () => {
    const { ksvc, template } = await renderInfo();
    expect(ksvc.metadata?.labels?.["networking.knative.dev/visibility"]).toBe("cluster-local");
    expect(template?.metadata?.annotations).not.toHaveProperty("networking.knative.dev/visibility");
  });

  it("exposes one http1 port and leaves PORT to Knative", async () => {
    const { container, env } = await renderInfo();
    expect(container.ports).toEqual([{ name: "http1", containerPort: 8080 }]);
    for (const reserved of ["PORT", "K_SERVICE", "K_CONFIGURATION", "K_REVISION"]) {
      expect(env.has(reserved), reserved).toBe(false);
    }
    expect(container.command).toEqual(["node", "dist/info.mjs"]);
    expect(container.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(container.livenessProbe?.httpGet?.path).toBe("/healthz");
  });

  it("reads S3 credentials from the named Secret, never from literal values", async () => {
    const { env } = await renderInfo({
      "credentials.existingSecret": "ml-s3",
      "credentials.keys": { accessKeyId: "user", secretAccessKey: "pass", apiToken: "token" },
    });
    expect(env.get("SKIFF_S3_ACCESS_KEY_ID")).toEqual({
      name: "SKIFF_S3_ACCESS_KEY_ID",
      valueFrom: { secretKeyRef: { name: "ml-s3", key: "user" } },
    });
    expect(env.get("SKIFF_S3_SECRET_ACCESS_KEY")).toEqual({
      name: "SKIFF_S3_SECRET_ACCESS_KEY",
      valueFrom: { secretKeyRef: { name: "ml-s3", key: "pass" } },
    });
    expect(env.get("SKIFF_S3_ENDPOINT")?.value).toBe(
      "http://demo-skiff-minio.ml.svc.cluster.local:9000",
    );
    expect(env.get("SKIFF_S3_REGION")?.value).toBe("us-east-1");
    expect(env.get("SKIFF_S3_BUCKET")?.value).toBe("skiff");
    expect(env.get("SKIFF_S3_FORCE_PATH_STYLE")?.value).toBe("true");
    expect(env.get("SKIFF_LOG_LEVEL")?.value).toBe("info");
    expect(env.get("SKIFF_JSON_BODY_LIMIT")?.value).toBe(String(64 * 1024 * 1024));
  });

  it("lists the public URLs of enabled functions, https where the host has TLS", async () => {
    const plain = await renderInfo();
    expect(JSON.parse(plain.env.get("SKIFF_SERVICE_URLS")?.value ?? "")).toEqual({
      info: ["http://ml-system-service-api.com/info", "http://ml-info-service.com/"],
      serve: ["http://ml-system-service-api.com/serve"],
      train: ["http://ml-system-service-api.com/train"],
    });
    const tls = await renderInfo({
      "ingress.tls": [{ secretName: "api-tls", hosts: ["ml-system-service-api.com"] }],
    });
    expect(JSON.parse(tls.env.get("SKIFF_SERVICE_URLS")?.value ?? "")).toEqual({
      info: ["https://ml-system-service-api.com/info", "http://ml-info-service.com/"],
      serve: ["https://ml-system-service-api.com/serve"],
      train: ["https://ml-system-service-api.com/train"],
    });
    const noTrain = await renderInfo({ "train.enabled": false });
    expect(JSON.parse(noTrain.env.get("SKIFF_SERVICE_URLS")?.value ?? "")).not.toHaveProperty(
      "train",
    );
  });

  it("runs hardened with container-level settings only (no Knative feature flags needed)", async () => {
    const { template, container } = await renderInfo();
    expect(template?.spec?.automountServiceAccountToken).toBe(false);
    expect(template?.spec).not.toHaveProperty("securityContext");
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(template?.spec?.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
    expect(container.resources?.limits).toHaveProperty("memory");
    expect(container.resources?.requests).toHaveProperty("cpu");
  });
});
