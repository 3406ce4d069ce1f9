/**
 * train on Kubernetes, against the real API server: its RBAC as the server enforces it, and
 * training runs as Jobs. train runs here with the chart's own env and with the token the chart's
 * token Secret holds once Kubernetes has filled it, laid out as its pod mounts it; each run's
 * Job is created, scheduled to the kwok node and its pod started by the real controllers, and
 * test/cluster/node.ts runs the pod's command against the test MinIO. The audit log then shows
 * every request train made, which must be exactly what its Role allows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseEnv } from "../../functions/lib/config.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { createMetrics } from "../../functions/lib/http/metrics.ts";
import { ensureBucket } from "../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { type BuiltTrain, buildTrain } from "../../functions/train/build.ts";
import { type TrainEnv, trainEnv } from "../../functions/train/config.ts";
import { buildImage } from "../../toolchain/build.ts";
import { ApiError, type Json, type KubeApi } from "../../toolchain/control-plane/api.ts";
import { type K8sObject, ksvcParts } from "../chart/render.ts";
import { capturedLogger } from "../support/logs.ts";
import { startServe } from "../support/serve.ts";
import { type NodeAction, type PlayedNode, playNode, type TrainingPod } from "./node.ts";
import { type Cluster, cluster } from "./plane.ts";
import { renderFor, until } from "./releases.ts";

const RELEASE = "skiff";
const TRAIN = `${RELEASE}-train`;
const S3_SECRET = "skiff-s3";
const API_TOKEN = "train-jobs-test-token";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const IRIS = readFileSync(join(ROOT, "examples/iris.csv"));

let c: Cluster;
let namespace: string;
let other: string;
let objects: K8sObject[];
let env: TrainEnv;
let store: ObjectStore;
let parts: BuiltTrain;
let train: BuiltTrain["app"];
let node: PlayedNode;
let appDir: string;
/** The token train reads from its mounted token Secret. */
let mountedToken: string;
/** What the node does with each run's pod, by run id; runs not named here are run. */
const actions = new Map<string, NodeAction>();

const asAdmin = () => c.api;

async function tokenFor(serviceAccount: string): Promise<string> {
  const answer = await c.api.create<{ status: { token: string } }>(
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    },
  );
  return answer.status.token;
}

/** The status code the API server answers a request with, 2xx included. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

function trainRequest(
  method: string,
  path: string,
  body?: string | Uint8Array,
  type = "application/json",
) {
  return train.request(path, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": type },
    body,
  });
}

async function startRun(
  model: string,
  action: NodeAction = "run",
  request: Record<string, unknown> = {},
): Promise<string> {
  const answer = await trainRequest(
    "POST",
    "/runs",
    JSON.stringify({ dataset: "iris", model, target: "species", ...request }),
  );
  expect(answer.status, await answer.clone().text()).toBe(202);
  const run = (await answer.json()) as { id: string; executor?: string };
  actions.set(run.id, action);
  return run.id;
}

const runOf = (id: string) => parts.runs.get(id);
const ended = (run: { status: string }) => run.status === "succeeded" || run.status === "failed";

beforeAll(async () => {
  c = await cluster();
  namespace = await c.namespace("train");
  other = await c.namespace("train-other");
  const minio = inject("minio");
  const bucket = `train-jobs-${Date.now().toString(36)}`;
  const rendered = await renderFor(
    c,
    { name: RELEASE, namespace },
    {
      "minio.enabled": false,
      "s3.endpoint": minio.endpoint,
      "s3.bucket": bucket,
      "credentials.existingSecret": S3_SECRET,
      "train.job": { backoffLimit: 0 },
    },
  );
  objects = rendered.objects;
  // What the release gives train on Kubernetes: its accounts, Role, binding and token Secret.
  const rbac = objects.filter(
    (o) =>
      ["ServiceAccount", "Role", "RoleBinding"].includes(o.kind) ||
      (o as { type?: string }).type?.includes("service-account-token"),
  );
  expect(rbac.map((o) => o.kind).sort()).toEqual([
    "Role",
    "RoleBinding",
    "Secret",
    "ServiceAccount",
    "ServiceAccount",
  ]);
  const applied = c.kubectlRun(
    ["apply", "-n", namespace, "-f", "-"],
    JSON.stringify({ apiVersion: "v1", kind: "List", items: rbac }),
  );
  expect(applied.status, applied.stderr).toBe(0);
  await c.api.create(`/api/v1/namespaces/${namespace}/secrets`, {
    metadata: { name: S3_SECRET },
    stringData: {
      accessKeyId: minio.accessKey,
      secretAccessKey: minio.secretKey,
      apiToken: API_TOKEN,
    },
  });

  // The token Secret as Kubernetes fills it, mounted where train's pod has it.
  const tokenSecret = rbac.find((o) => o.kind === "Secret")?.metadata.name as string;
  const filled = await until(
    () =>
      c.api.get<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/${namespace}/secrets/${tokenSecret}`,
      ),
    (s) => Boolean(s.data?.token),
    30_000,
  );
  const mount = mkdtempSync(join(tmpdir(), "skiff-train-pod-"));
  const accountDir = join(mount, "var/run/secrets/kubernetes.io/serviceaccount");
  mkdirSync(accountDir, { recursive: true });
  for (const key of ["token", "ca.crt", "namespace"]) {
    writeFileSync(join(accountDir, key), Buffer.from(filled.data?.[key] ?? "", "base64"));
  }
  mountedToken = readFileSync(join(accountDir, "token"), "utf8");
  const kubeConfig = new KubeConfig();
  const server = new URL(c.server);
  process.env.KUBERNETES_SERVICE_HOST = server.hostname;
  process.env.KUBERNETES_SERVICE_PORT = server.port;
  kubeConfig.loadFromCluster(mount);

  // train's env exactly as the chart renders it, the Secret's values filled in.
  const { container } = ksvcParts(objects, TRAIN);
  const secretValues: Record<string, string> = {
    accessKeyId: minio.accessKey,
    secretAccessKey: minio.secretKey,
    apiToken: API_TOKEN,
  };
  const plain = Object.fromEntries(
    (container.env ?? []).map((e) => [
      e.name,
      e.value ?? secretValues[e.valueFrom?.secretKeyRef?.key ?? ""] ?? "",
    ]),
  );
  env = parseEnv(trainEnv, { ...plain, SKIFF_JOB_MISSING_GRACE_MS: "600000" });
  expect(env.SKIFF_RUN_EXECUTOR).toBe("kubernetes");
  store = ObjectStore.fromEnv(env);
  await ensureBucket(store);
  const logger = capturedLogger("train").logger;
  const deps = { logger, readiness: new Readiness(), metrics: createMetrics() };
  parts = buildTrain(env, store, deps, { kubeConfig });
  train = parts.app;

  // The image's layout: its bundles, with the packages they leave external.
  appDir = mkdtempSync(join(tmpdir(), "skiff-train-image-"));
  await buildImage(join(appDir, "dist"));
  symlinkSync(join(ROOT, "node_modules"), join(appDir, "node_modules"));
  node = playNode(
    c.api,
    namespace,
    appDir,
    (pod: TrainingPod) => actions.get(pod.metadata.labels["skiff.dev/run-id"] ?? "") ?? "run",
  );

  const uploaded = await trainRequest("PUT", "/datasets/iris", IRIS, "text/csv");
  expect(uploaded.status, await uploaded.clone().text()).toBe(201);
}, 300_000);

afterAll(async () => {
  await node?.stop();
  await parts?.executor.close();
  if (appDir) rmSync(appDir, { recursive: true, force: true });
});

describe("training runs as Kubernetes Jobs", () => {
  it("a run becomes a Job created with train's own token, its pod runs on the node, the run succeeds and its model serves", async () => {
    const id = await startRun("iris");
    const job = await until(
      () =>
        asAdmin().find<K8sObject & { spec: Record<string, unknown> }>(
          `/apis/batch/v1/namespaces/${namespace}/jobs/skiff-${id}`,
        ),
      (j) => j !== undefined,
      30_000,
    );
    // The Job exactly as job-spec.ts builds it, after the API server's defaulting.
    if (!job) throw new Error(`train created no Job for ${id}`);
    const pod = (job.spec.template as { spec: Json }).spec;
    expect(pod.serviceAccountName).toBe(`${RELEASE}-train-job`);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].command).toEqual(["node", "dist/train-job.mjs", id]);
    expect(job?.spec.backoffLimit).toBe(0);
    expect(job?.metadata.labels).toMatchObject({
      "skiff.dev/run-id": id,
      "app.kubernetes.io/component": "train-job",
    });
    const run = await until(() => runOf(id), ended, 120_000);
    expect(run.status, `${run.error}\n${node.ran.map((r) => r.output).join("\n")}`).toBe(
      "succeeded",
    );
    expect(run.executor).toBe("kubernetes");
    expect(node.ran.find((r) => r.pod.startsWith(`skiff-${id}`))?.code).toBe(0);
    // The Job controller saw the pod succeed.
    const done = await until(
      () => asAdmin().get(`/apis/batch/v1/namespaces/${namespace}/jobs/skiff-${id}`),
      (j) => j.status?.succeeded === 1,
      30_000,
    );
    expect(done.status?.conditions?.map((cond: { type: string }) => cond.type)).toContain(
      "Complete",
    );

    const serve = await startServe({}, store);
    try {
      const answer = await serve.post(`/models/iris/predict?version=${run.modelVersion}`, {
        sepal_length: 5.1,
        sepal_width: 3.5,
        petal_length: 1.4,
        petal_width: 0.2,
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({
        model: "iris",
        version: run.modelVersion,
        label: "setosa",
      });
    } finally {
      await serve.close();
    }
  }, 180_000);

  it("a gradient boosting run trains in its Job as any run does, and the tree model serves", async () => {
    const id = await startRun("iris-trees", "run", {
      algorithm: "gradient_boosting",
      params: { max_iter: 20 },
    });
    const run = await until(() => runOf(id), ended, 120_000);
    expect(run.status, `${run.error}\n${node.ran.map((r) => r.output).join("\n")}`).toBe(
      "succeeded",
    );
    expect(run.executor).toBe("kubernetes");
    expect(run.training?.rounds).toBe(20);
    const serve = await startServe({}, store);
    try {
      const answer = await serve.post(`/models/iris-trees/predict?version=${run.modelVersion}`, {
        sepal_length: 5.1,
        sepal_width: 3.5,
        petal_length: 1.4,
        petal_width: 0.2,
      });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toMatchObject({ model: "iris-trees", label: "setosa" });
    } finally {
      await serve.close();
    }
  }, 180_000);

  it("a Job whose pod exits non-zero without a word ends its run failed with the Job's reason", async () => {
    const id = await startRun("killed", { exitCode: 137 });
    const run = await until(() => runOf(id), ended, 90_000);
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(
      new RegExp(`^the training Job skiff-${id} failed: BackoffLimitExceeded`),
    );
  }, 120_000);

  it("a Job deleted before it finished ends its run failed", async () => {
    const id = await startRun("deleted", "hold");
    const path = `/apis/batch/v1/namespaces/${namespace}/jobs/skiff-${id}`;
    await until(
      () =>
        asAdmin().find(`/api/v1/namespaces/${namespace}/pods?labelSelector=skiff.dev/run-id=${id}`),
      (pods) => (pods?.items ?? []).some((p: TrainingPod) => p.status?.phase === "Running"),
      30_000,
    );
    await asAdmin().delete(path, { propagationPolicy: "Background" });
    const run = await until(() => runOf(id), ended, 60_000);
    expect(run.status).toBe("failed");
    expect(run.error).toBe(`the training Job skiff-${id} was deleted before it finished`);
  }, 120_000);

  it("train used exactly the verbs its Role grants, and nothing else", async () => {
    const role = objects.find(
      (o) => o.kind === "Role" && o.metadata.name === TRAIN,
    ) as K8sObject & {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = new Set(
      role.rules.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}`))),
    );
    // This runs before the RBAC probes below, so every allowed request so far is train's own.
    const used = new Set<string>();
    for (const line of readFileSync(c.auditLog, "utf8").split("\n")) {
      if (!line) continue;
      const event = JSON.parse(line) as {
        user: { username: string };
        verb: string;
        objectRef?: { resource?: string; namespace?: string };
        annotations?: Record<string, string>;
      };
      if (event.user.username !== `system:serviceaccount:${namespace}:${TRAIN}`) continue;
      if (event.annotations?.["authorization.k8s.io/decision"] !== "allow") continue;
      if (event.objectRef?.namespace !== namespace) continue;
      used.add(`${event.verb} ${event.objectRef.resource}`);
    }
    expect([...used].sort()).toEqual([...granted].sort());
  });
});

describe("train's RBAC, as the API server enforces it", () => {
  it("train's token, as its pod mounts it from the token Secret, is train's ServiceAccount", async () => {
    const review = await c.api
      .as(mountedToken)
      .create<{ status: { userInfo: { username: string } } }>(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {
          apiVersion: "authentication.k8s.io/v1",
          kind: "SelfSubjectReview",
        },
      );
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${namespace}:${TRAIN}`);
  });

  it("may create, list and watch Jobs in its namespace, and cannot read Secrets, create Pods or touch another namespace", async () => {
    const asTrain: KubeApi = c.api.as(await tokenFor(TRAIN));
    const jobs = `/apis/batch/v1/namespaces/${namespace}/jobs`;
    expect(await statusOf(asTrain.get(jobs))).toBe(200);
    expect(await statusOf(asTrain.get(`${jobs}?watch=true&timeoutSeconds=1`))).toBe(200);
    const denied = {
      "read a Secret": () => asTrain.get(`/api/v1/namespaces/${namespace}/secrets/${S3_SECRET}`),
      "list Secrets": () => asTrain.get(`/api/v1/namespaces/${namespace}/secrets`),
      "create a Pod": () =>
        asTrain.create(`/api/v1/namespaces/${namespace}/pods`, {
          metadata: { name: "escape" },
          spec: { containers: [{ name: "x", image: "busybox" }] },
        }),
      "list Pods": () => asTrain.get(`/api/v1/namespaces/${namespace}/pods`),
      "create a Job in another namespace": () =>
        asTrain.create(`/apis/batch/v1/namespaces/${other}/jobs`, {
          metadata: { name: "elsewhere" },
          spec: {
            template: {
              spec: { restartPolicy: "Never", containers: [{ name: "x", image: "busybox" }] },
            },
          },
        }),
      "list Jobs in another namespace": () =>
        asTrain.get(`/apis/batch/v1/namespaces/${other}/jobs`),
      "delete Jobs": () => asTrain.delete(`${jobs}/anything`),
      "create a Deployment": () =>
        asTrain.create(`/apis/apps/v1/namespaces/${namespace}/deployments`, {
          metadata: { name: "x" },
        }),
      "grant itself more": () =>
        asTrain.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
          metadata: { name: "more" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" },
          subjects: [{ kind: "ServiceAccount", name: TRAIN, namespace }],
        }),
    };
    for (const [what, call] of Object.entries(denied))
      expect(await statusOf(call()), what).toBe(403);
  });
});
