/**
 * What every workload the chart renders must have, under every value set: hardened
 * containers with requests and limits, a writable /tmp on a read-only root, the release's
 * image and pull secrets; and the storage side (MinIO, bootstrap Job) and train's RBAC.
 */
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import { bootstrapEnv } from "../../functions/bootstrap/config.ts";
import { parseEnv } from "../../functions/lib/config.ts";
import {
  envByName,
  findObject,
  JOB,
  type K8sObject,
  KSVC,
  ksvcParts,
  NAMES,
  NAMESPACE,
  objectsOf,
  only,
  ROLE,
  ROLE_BINDING,
  renderChart,
  SECRET,
  SERVICE,
  SERVICE_ACCOUNT,
  STATEFUL_SET,
  typeOf,
} from "./render.ts";
import { VALUE_SETS } from "./value-sets.ts";

interface Container {
  name: string;
  image?: string;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; emptyDir?: unknown; secret?: { secretName: string } }[];
  imagePullSecrets?: { name: string }[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
}

/** Every pod spec in the rendered objects, named by its owner. */
function podSpecs(objects: K8sObject[]): [owner: string, spec: PodSpec][] {
  return objects.flatMap((o): [string, PodSpec][] => {
    const owner = `${typeOf(o)} ${o.metadata.name}`;
    const spec = o.spec as { template?: { spec?: PodSpec }; containers?: unknown } | undefined;
    if (o.kind === "Pod") return [[owner, o.spec as PodSpec]];
    if (spec?.template?.spec?.containers) return [[owner, spec.template.spec]];
    return [];
  });
}

const HARDENED = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

describe("every container, under every value set", { timeout: 120_000 }, () => {
  it.each(Object.entries(VALUE_SETS))("is hardened and bounded with %s", async (_name, values) => {
    const objects = await renderChart(values);
    const specs = podSpecs(objects);
    expect(specs.length).toBeGreaterThan(0);
    for (const [owner, spec] of specs) {
      for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
        const what = `${owner} ${container.name}`;
        expect(container.securityContext, what).toMatchObject(HARDENED);
        expect(Object.keys(container.resources?.requests ?? {}).sort(), what).toEqual([
          "cpu",
          "memory",
        ]);
        expect(Object.keys(container.resources?.limits ?? {}).sort(), what).toEqual([
          "cpu",
          "memory",
        ]);
        const tmp = container.volumeMounts?.find((m) => m.mountPath === "/tmp");
        expect(tmp, `${what} has no writable /tmp`).toBeDefined();
        expect(spec.volumes?.find((v) => v.name === tmp?.name)?.emptyDir, what).toEqual({});
      }
      // No pod names a ServiceAccount or gets a token mounted for it. Only train talks to the
      // API (it creates the Jobs), with train's ServiceAccount token from its token Secret;
      // no other pod mounts a Secret at all.
      expect(spec.serviceAccountName, owner).toBeUndefined();
      expect(spec.automountServiceAccountToken, owner).toBe(false);
      const secretVolumes = (spec.volumes ?? []).flatMap((v) => (v.secret ? [v.secret] : []));
      expect(secretVolumes, owner).toEqual(
        owner === `${KSVC} ${NAMES.train}` ? [{ secretName: NAMES.trainToken }] : [],
      );
      const pullSecrets = (values.imagePullSecrets as { name: string }[] | undefined) ?? undefined;
      expect(spec.imagePullSecrets, owner).toEqual(pullSecrets);
    }
  });

  it("runs the skiff image tagged with the chart's appVersion unless a tag is given", async () => {
    const images = (objects: K8sObject[]) =>
      new Set(
        podSpecs(objects)
          .flatMap(([, spec]) => spec.containers.map((c) => c.image ?? ""))
          .filter((image) => !image.includes("minio")),
      );
    expect(images(await renderChart())).toEqual(new Set(["ghcr.io/skiff-ml/skiff:0.1.0"]));
    expect(
      images(await renderChart({ "image.tag": "dev-42", "image.repository": "skiff" })),
    ).toEqual(new Set(["skiff:dev-42"]));
  });
});

describe("storage", { timeout: 60_000 }, () => {
  it("runs MinIO as a hardened StatefulSet with a PVC, probes and a Service", async () => {
    const objects = await renderChart();
    const minio = findObject<IStatefulSet>(objects, STATEFUL_SET, NAMES.minio);
    const pod = minio.spec?.template.spec;
    const container = only(pod?.containers, "minio container");
    expect(container.image).toBe("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    expect(container.readinessProbe?.httpGet).toEqual({ path: "/minio/health/ready", port: "s3" });
    expect(container.livenessProbe?.httpGet).toEqual({ path: "/minio/health/live", port: "s3" });
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 1000,
    });
    expect(container.volumeMounts).toContainEqual({ name: "data", mountPath: "/data" });
    const claim = only(minio.spec?.volumeClaimTemplates, "volume claim");
    expect(claim.metadata?.name).toBe("data");
    expect(claim.spec?.resources?.requests).toEqual({ storage: "10Gi" });
    const service = findObject<IService>(objects, SERVICE, NAMES.minio);
    expect(service.spec?.ports).toEqual([
      { name: "s3", port: 9000, targetPort: "s3", protocol: "TCP" },
    ]);
    expect(service.spec?.selector).toEqual(minio.spec?.selector.matchLabels);
    // The functions talk to it by its cluster DNS name.
    const info = objects.find((o) => typeOf(o) === KSVC && o.metadata.name === NAMES.info);
    expect(JSON.stringify(info)).toContain(
      `http://${NAMES.minio}.${NAMESPACE}.svc.cluster.local:9000`,
    );
  });

  it("uses the external endpoint and renders no MinIO when minio.enabled is false", async () => {
    const objects = await renderChart(VALUE_SETS["external S3 without MinIO"]);
    expect(objects.filter((o) => o.metadata.name === NAMES.minio)).toEqual([]);
    const job = findObject<IJob>(objects, JOB, NAMES.bootstrap);
    const env = envByName(only(job.spec?.template.spec?.containers, "bootstrap").env);
    expect(env.get("SKIFF_S3_ENDPOINT")?.value).toBe("https://s3.eu-west-1.amazonaws.com");
    expect(env.get("SKIFF_S3_REGION")?.value).toBe("eu-west-1");
    expect(env.get("SKIFF_S3_FORCE_PATH_STYLE")?.value).toBe("false");
  });

  it("bootstraps the bucket in an idempotent post-install/post-upgrade hook Job that retries", async () => {
    const objects = await renderChart({ "s3.predictionsExpiryDays": 14 });
    const job = findObject<IJob>(objects, JOB, NAMES.bootstrap);
    expect(job.metadata?.annotations).toEqual({
      "helm.sh/hook": "post-install,post-upgrade",
      "helm.sh/hook-weight": "0",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    expect(job.spec?.backoffLimit).toBe(4);
    expect(job.spec?.activeDeadlineSeconds).toBe(900);
    const pod = job.spec?.template.spec;
    expect(pod?.restartPolicy).toBe("Never");
    const container = only(pod?.containers, "bootstrap container");
    expect(container.command).toEqual(["node", "dist/bootstrap.mjs"]);
    const env = envByName(container.env);
    expect(env.get("SKIFF_PREDICTIONS_EXPIRY_DAYS")?.value).toBe("14");
    expect(env.get("SKIFF_BOOTSTRAP_RETRY_SECONDS")?.value).toBe("120");
    const parsed = parseEnv(
      bootstrapEnv,
      Object.fromEntries(
        (container.env ?? []).map((e) => [e.name, e.value ?? `from-secret-${e.name}`]),
      ),
    );
    expect(parsed.SKIFF_PREDICTIONS_EXPIRY_DAYS).toBe(14);
    expect(parsed.SKIFF_S3_BUCKET).toBe("skiff");
  });
});

describe("train RBAC", { timeout: 60_000 }, () => {
  it("lets train create, list and watch Jobs in its own namespace, and nothing more", async () => {
    const objects = await renderChart();
    expect(objects.filter((o) => o.kind.startsWith("Cluster"))).toEqual([]);
    const role = findObject<IRole>(objects, ROLE, NAMES.train);
    expect(role.metadata?.namespace).toBeUndefined(); // the release namespace
    expect(role.rules).toEqual([
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "list", "watch"] },
    ]);
    const binding = findObject<IRoleBinding>(objects, ROLE_BINDING, NAMES.train);
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: NAMES.train,
    });
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: NAMES.train, namespace: NAMESPACE },
    ]);
    const train = findObject<IServiceAccount>(objects, SERVICE_ACCOUNT, NAMES.train);
    expect(train.automountServiceAccountToken).toBeUndefined();
    const jobs = findObject<IServiceAccount>(objects, SERVICE_ACCOUNT, NAMES.trainJob);
    expect(jobs.automountServiceAccountToken).toBe(false);
    expect(
      objectsOf<IRoleBinding>(objects, ROLE_BINDING).flatMap((b) => b.subjects ?? []),
    ).not.toContainEqual(expect.objectContaining({ name: NAMES.trainJob }));
    // The binding's subject is the ServiceAccount whose token train's pods mount; the Jobs it
    // creates run as the rightless one.
    const token = findObject<ISecret>(objects, SECRET, NAMES.trainToken);
    expect(token.type).toBe("kubernetes.io/service-account-token");
    expect(token.metadata?.annotations?.["kubernetes.io/service-account.name"]).toBe(NAMES.train);
    const { template, env } = ksvcParts(objects, NAMES.train);
    expect(template?.spec?.volumes).toContainEqual({
      name: "api-token",
      secret: { secretName: NAMES.trainToken },
    });
    expect(env.get("SKIFF_JOB_SERVICE_ACCOUNT")?.value).toBe(NAMES.trainJob);
    expect(env.get("SKIFF_JOB_NAMESPACE")?.value).toBe(NAMESPACE);
  });

  it("gives the Jobs' ServiceAccount the image pull secrets (train's Jobs name none)", async () => {
    const plain = findObject<IServiceAccount>(await renderChart(), SERVICE_ACCOUNT, NAMES.trainJob);
    expect(plain.imagePullSecrets).toBeUndefined();
    const objects = await renderChart({ imagePullSecrets: [{ name: "regcred" }] });
    const jobs = findObject<IServiceAccount>(objects, SERVICE_ACCOUNT, NAMES.trainJob);
    expect(jobs.imagePullSecrets).toEqual([{ name: "regcred" }]);
  });

  it("is left out when rbac.train.create is false (with train off, which needs it)", async () => {
    const objects = await renderChart({ "rbac.train.create": false, "train.enabled": false });
    expect(
      objects.filter((o) => [ROLE, ROLE_BINDING, SERVICE_ACCOUNT].includes(typeOf(o))),
    ).toEqual([]);
    expect(objects.filter((o) => o.metadata.name === NAMES.trainToken)).toEqual([]);
  });
});
