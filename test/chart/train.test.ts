/**
 * train as the chart deploys it: a cluster-local Knative Service that talks to the API with its
 * own ServiceAccount's token (the account the Role binds) from a token Secret, with the API
 * token and credentials from the Secret and the Kubernetes executor's Job settings from values;
 * what it is given is what trainEnv reads.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { IService as IKnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../functions/lib/config.ts";
import { trainEnv } from "../../functions/train/config.ts";
import { reach } from "./ingress-routing.ts";
import {
  findObject,
  KSVC,
  ksvcParts,
  NAMES,
  NAMESPACE,
  objectsOf,
  renderChart,
  SECRET as SECRET_TYPE,
  type ValueSet,
} from "./render.ts";
import { API_HOST, GATEWAY_API, KOURIER } from "./value-sets.ts";

type EnvEntry = {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { key: string } };
};

/** The env a pod would get: Secret references filled from `secret` by key. */
function resolvedEnv(env: Map<string, EnvEntry>, secret: Record<string, string>) {
  return Object.fromEntries(
    [...env.values()].map((e) => {
      const ref = e.valueFrom?.secretKeyRef;
      return [e.name, ref ? (secret[ref.key] ?? `missing key ${ref.key}`) : (e.value ?? "")];
    }),
  );
}

/** Where Kubernetes clients look for an in-cluster ServiceAccount token. */
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Knative Serving's own config-defaults max-revision-timeout-seconds, unless a cluster raises it. */
const STOCK_MAX_REVISION_TIMEOUT_SECONDS = 600;

const SECRET = {
  accessKeyId: "minio-user",
  secretAccessKey: "minio-password",
  apiToken: "an-api-token-of-24-chars",
};

async function render(values: ValueSet = {}) {
  return ksvcParts(await renderChart(values), NAMES.train);
}

describe("train Knative Service", { timeout: 60_000 }, () => {
  it("is cluster-local, scales on concurrency from zero, with a timeout Knative accepts", async () => {
    const { ksvc, template, container } = await render();
    expect(ksvc.metadata?.labels?.["networking.knative.dev/visibility"]).toBe("cluster-local");
    expect(ksvc.metadata?.labels?.["app.kubernetes.io/component"]).toBe("train");
    expect(Object.keys(ksvc.metadata?.annotations ?? {})).toEqual([]);
    expect(template?.metadata?.annotations).toEqual({
      "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
      "autoscaling.knative.dev/metric": "concurrency",
      "autoscaling.knative.dev/target": "10",
      "autoscaling.knative.dev/min-scale": "0",
      "autoscaling.knative.dev/max-scale": "5",
      "autoscaling.knative.dev/initial-scale": "1",
      "autoscaling.knative.dev/scale-down-delay": "0s",
      "checksum/credentials": expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // Longer than serve's (uploads, events streams), and no more than stock Knative's
    // max-revision-timeout-seconds (600), so that the default install passes its webhook.
    expect(template?.spec?.timeoutSeconds).toBe(STOCK_MAX_REVISION_TIMEOUT_SECONDS);
    expect(template?.spec?.containerConcurrency).toBe(0);
    expect(container.command).toEqual(["node", "dist/train.mjs"]);
    expect(container.ports).toEqual([{ name: "http1", containerPort: 8080 }]);
    expect(container.readinessProbe).toEqual({ httpGet: { path: "/readyz" } });
    expect(container.livenessProbe).toEqual({ httpGet: { path: "/healthz" } });
  });

  it("talks to the API as train's ServiceAccount through that account's token Secret, naming no ServiceAccount", async () => {
    const objects = await renderChart();
    const { template, container } = ksvcParts(objects, NAMES.train);
    // A named ServiceAccount that does not exist yet fails a server-side dry run of the ksvc.
    expect(template?.spec?.serviceAccountName).toBeUndefined();
    expect(template?.spec?.automountServiceAccountToken).toBe(false);
    expect(container.volumeMounts).toContainEqual({
      name: "api-token",
      mountPath: SERVICE_ACCOUNT_DIR,
      readOnly: true, // Knative accepts secret mounts only read-only
    });
    expect(template?.spec?.volumes).toContainEqual({
      name: "api-token",
      secret: { secretName: NAMES.trainToken },
    });
    const token = findObject<ISecret>(objects, SECRET_TYPE, NAMES.trainToken);
    expect(token.type).toBe("kubernetes.io/service-account-token");
    expect(token.metadata?.annotations).toEqual({
      "kubernetes.io/service-account.name": NAMES.train,
    });
    // Kubernetes' token controller writes the token; the chart writes none.
    expect(token).not.toHaveProperty("data");
    expect(token).not.toHaveProperty("stringData");
  });

  it("mounts the token where @kubernetes/client-node's loadFromCluster reads it, under the Secret's key names", async () => {
    const { container } = ksvcParts(await renderChart(), NAMES.train);
    const mount = container.volumeMounts?.find((m) => m.name === "api-token");
    const root = mkdtempSync(join(tmpdir(), "skiff-sa-"));
    try {
      // The keys Kubernetes' token controller fills in a kubernetes.io/service-account-token Secret.
      const dir = join(root, mount?.mountPath ?? "missing");
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "token"), "a-token");
      writeFileSync(join(dir, "ca.crt"), "a-ca");
      writeFileSync(join(dir, "namespace"), NAMESPACE);
      const config = new KubeConfig();
      config.loadFromCluster(root);
      expect(config.getCurrentCluster()?.caFile).toBe(join(dir, "ca.crt"));
      expect(config.getCurrentUser()?.authProvider?.config?.tokenFile).toBe(join(dir, "token"));
      expect(config.getContextObject(config.getCurrentContext())?.namespace).toBe(NAMESPACE);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads the token and the credentials from the Secret and runs each run as a Job", async () => {
    const { env } = await render();
    for (const [name, key] of [
      ["SKIFF_S3_ACCESS_KEY_ID", "accessKeyId"],
      ["SKIFF_S3_SECRET_ACCESS_KEY", "secretAccessKey"],
      ["SKIFF_API_TOKEN", "apiToken"],
    ] as const) {
      expect(env.get(name), name).toEqual({
        name,
        valueFrom: { secretKeyRef: { name: NAMES.credentials, key } },
      });
    }
    const parsed = parseEnv(trainEnv, resolvedEnv(env, SECRET));
    expect(parsed).toMatchObject({
      SKIFF_API_TOKEN: SECRET.apiToken,
      SKIFF_S3_ENDPOINT: `http://${NAMES.minio}.${NAMESPACE}.svc.cluster.local:9000`,
      SKIFF_S3_BUCKET: "skiff",
      SKIFF_RUN_EXECUTOR: "kubernetes",
      SKIFF_JOB_IMAGE: "ghcr.io/skiff-ml/skiff:0.1.0",
      // A literal: Knative rejects fieldRef env unless kubernetes.podspec-fieldref is on.
      SKIFF_JOB_NAMESPACE: NAMESPACE,
      SKIFF_JOB_SERVICE_ACCOUNT: NAMES.trainJob,
      SKIFF_JOB_SECRET_NAME: NAMES.credentials,
      SKIFF_JOB_SECRET_ACCESS_KEY_ID_KEY: "accessKeyId",
      SKIFF_JOB_SECRET_SECRET_ACCESS_KEY_KEY: "secretAccessKey",
      SKIFF_JOB_CPU: "1",
      SKIFF_JOB_MEMORY: "2Gi",
      SKIFF_JOB_BACKOFF_LIMIT: 0,
      SKIFF_JOB_TTL_SECONDS: 3600,
      SKIFF_JOB_DEADLINE_SECONDS: 21600,
      SKIFF_DATASET_MAX_BYTES: 10 * 1024 ** 3,
      SKIFF_DATASET_MAX_INFLATE_RATIO: 100,
      SKIFF_MODEL_UPLOAD_MAX_BYTES: 256 * 1024 ** 2,
      // JSON bodies keep the one end-to-end limit; only uploads get train.maxUploadBytes.
      SKIFF_JSON_BODY_LIMIT: 64 * 1024 ** 2,
    });
    // Knative sets PORT; the chart never does.
    expect(env.has("PORT")).toBe(false);
  });

  it("hands the Jobs an existing Secret by name and key, never by value", async () => {
    const keys = { accessKeyId: "user", secretAccessKey: "password", apiToken: "token" };
    const { env } = await render({
      "credentials.existingSecret": "ml-credentials",
      "credentials.keys": keys,
    });
    expect(env.get("SKIFF_API_TOKEN")?.valueFrom).toEqual({
      secretKeyRef: { name: "ml-credentials", key: "token" },
    });
    const parsed = parseEnv(
      trainEnv,
      resolvedEnv(env, { user: "u-1", password: "p-12345678", token: SECRET.apiToken }),
    );
    expect(parsed).toMatchObject({
      SKIFF_S3_ACCESS_KEY_ID: "u-1",
      SKIFF_JOB_SECRET_NAME: "ml-credentials",
      SKIFF_JOB_SECRET_ACCESS_KEY_ID_KEY: "user",
      SKIFF_JOB_SECRET_SECRET_ACCESS_KEY_KEY: "password",
    });
  });

  it("takes the Job's resources, limits, scaling and extra settings from values", async () => {
    const { template, env } = await render({
      "image.repository": "skiff",
      "image.tag": "dev",
      "knative.maxRevisionTimeoutSeconds": 3600,
      "train.timeoutSeconds": 1800,
      "train.autoscaling.maxScale": 2,
      "train.maxUploadBytes": 1024 ** 3,
      "train.maxInflateRatio": 250,
      "train.maxModelUploadBytes": 512 * 1024 ** 2,
      "train.settings": { SKIFF_RUN_LEASE_MS: "120000", SKIFF_SCHEMA_MAX_DISTINCT: "50" },
      "train.job": {
        cpu: 2,
        memory: "8Gi",
        backoffLimit: 2,
        ttlSecondsAfterFinished: 60,
        activeDeadlineSeconds: 900,
      },
    });
    expect(template?.spec?.timeoutSeconds).toBe(1800);
    expect(template?.metadata?.annotations?.["autoscaling.knative.dev/max-scale"]).toBe("2");
    expect(parseEnv(trainEnv, resolvedEnv(env, SECRET))).toMatchObject({
      SKIFF_JOB_IMAGE: "skiff:dev",
      SKIFF_JOB_CPU: "2",
      SKIFF_JOB_MEMORY: "8Gi",
      SKIFF_JOB_BACKOFF_LIMIT: 2,
      SKIFF_JOB_TTL_SECONDS: 60,
      SKIFF_JOB_DEADLINE_SECONDS: 900,
      SKIFF_DATASET_MAX_BYTES: 1024 ** 3,
      SKIFF_DATASET_MAX_INFLATE_RATIO: 250,
      SKIFF_MODEL_UPLOAD_MAX_BYTES: 512 * 1024 ** 2,
      SKIFF_RUN_LEASE_MS: 120_000,
      SKIFF_SCHEMA_MAX_DISTINCT: 50,
    });
  });

  it("is absent when disabled, and /train then falls through to not-found in both modes", async () => {
    for (const values of [{}, GATEWAY_API]) {
      const objects = await renderChart({ ...values, "train.enabled": false });
      const names = objectsOf<IKnativeService>(objects, KSVC).map((k) => k.metadata?.name);
      expect(names).not.toContain(NAMES.train);
      expect(reach(objects, API_HOST, "/train/runs", KOURIER)).toBe(NAMES.notFound);
      // No Ingress or HTTPRoute rule for it; its RBAC and token stay (rbac.train.create is its
      // own switch).
      const kinds = objects.filter((o) => o.metadata.name === NAMES.train).map((o) => o.kind);
      expect(kinds.sort()).toEqual(["Role", "RoleBinding", "ServiceAccount"]);
      expect(
        objects.filter((o) => o.metadata.name === NAMES.trainToken).map((o) => o.kind),
      ).toEqual(["Secret"]);
      expect(JSON.stringify(objects)).not.toContain(`${NAMES.train}.${NAMESPACE}.svc`);
    }
  });
});
