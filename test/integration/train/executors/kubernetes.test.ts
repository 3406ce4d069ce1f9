import { KubeConfig } from "@kubernetes/client-node";
import { Job } from "kubernetes-models/batch/v1";
import { describe, expect, it } from "vitest";
import { buildJobSpec } from "../../../../functions/train/executors/job-spec.ts";
import { KubernetesExecutor } from "../../../../functions/train/executors/kubernetes.ts";
import { RunStore } from "../../../../functions/train/runs/run-store.ts";
import { freePort } from "../../../../minio/launcher.ts";
import { capturedLogger } from "../../../support/logs.ts";
import { freshStore } from "../../../support/storage.ts";

const spec = {
  namespace: "ml",
  image: "ghcr.io/skiff-ml/skiff:0.1.0",
  serviceAccountName: "skiff-train-job",
  secretName: "skiff-s3",
  env: { SKIFF_S3_ENDPOINT: "http://minio:9000", SKIFF_S3_BUCKET: "skiff" },
  secretEnv: {
    SKIFF_S3_ACCESS_KEY_ID: "accessKeyId",
    SKIFF_S3_SECRET_ACCESS_KEY: "secretAccessKey",
  },
  resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } },
  backoffLimit: 0,
  ttlSecondsAfterFinished: 3600,
  activeDeadlineSeconds: 21600,
};

describe("the Kubernetes Job for a run", () => {
  it("is a valid batch/v1 Job running the job entry point with credentials by reference", () => {
    const job = buildJobSpec({ ...spec, runId: "run-abc-123" });
    new Job(job as ConstructorParameters<typeof Job>[0]).validate();
    const container = job.spec.template.spec.containers[0];
    expect(container?.command).toEqual(["node", "dist/train-job.mjs", "run-abc-123"]);
    expect(job.metadata.name).toBe("skiff-run-abc-123");
    expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(job.spec.template.spec.restartPolicy).toBe("Never");
    const secret = container?.env.find((e) => e.name === "SKIFF_S3_SECRET_ACCESS_KEY");
    expect(secret).toEqual({
      name: "SKIFF_S3_SECRET_ACCESS_KEY",
      valueFrom: { secretKeyRef: { name: "skiff-s3", key: "secretAccessKey" } },
    });
    expect(JSON.stringify(job)).not.toMatch(/"value":"[^"]*secret/i);
    expect(container?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });

  it("follows its Jobs without ever crashing: an API server it cannot reach is logged and retried, and close() is prompt", async () => {
    const port = await freePort(); // nothing listens there
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "none", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "train", token: "sa-token" }],
      contexts: [{ name: "none", cluster: "none", user: "train", namespace: "ml" }],
      currentContext: "none",
    });
    const captured = capturedLogger("train");
    const executor = new KubernetesExecutor({
      spec,
      logger: captured.logger,
      kubeConfig,
      follow: { runs: new RunStore(await freshStore()), missingGraceMs: 60_000, retryMs: 50 },
    });
    const retries = () =>
      captured.lines().filter((l) => l.msg === "following the training Jobs failed; retrying");
    const deadline = Date.now() + 10_000;
    while (retries().length < 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(retries().length).toBeGreaterThanOrEqual(3);
    expect(retries()[0]).toMatchObject({ level: "warn", namespace: "ml" });
    const closing = Date.now();
    await executor.close();
    expect(Date.now() - closing).toBeLessThan(1000);
    const after = retries().length;
    await new Promise((r) => setTimeout(r, 300));
    expect(retries().length).toBe(after);
    await expect(executor.start("run-late")).rejects.toThrow("the executor is shutting down");
  });
});
