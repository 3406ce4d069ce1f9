/**
 * @module train/executors/job-spec
 * The Kubernetes Job that runs one training run: the same image as the functions, the job
 * entry point as its command, storage credentials from the Secret (never literal), its own
 * ServiceAccount with no API rights, the platform's hardening, a backoff limit and a TTL.
 */
import { IMAGE_JOB_COMMAND } from "./job-command.ts";

export interface JobSpecOptions {
  runId: string;
  namespace: string;
  image: string;
  serviceAccountName: string;
  /** Plain settings (S3 endpoint, bucket, region, log level). */
  env: Record<string, string>;
  /** Settings taken from the Secret: env name → key in the Secret. */
  secretEnv: Record<string, string>;
  secretName: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  backoffLimit: number;
  ttlSecondsAfterFinished: number;
  activeDeadlineSeconds: number;
  labels?: Record<string, string>;
}

/** What train finds its Jobs by: the component label every Job gets, and the run it belongs to. */
export const TRAIN_JOB_SELECTOR = "app.kubernetes.io/component=train-job";
export const RUN_ID_LABEL = "skiff.dev/run-id";

export function jobName(runId: string): string {
  return `skiff-${runId}`.slice(0, 63).replace(/-+$/, "");
}

export function buildJobSpec(o: JobSpecOptions) {
  // Extra labels go first: the two that train follows its Jobs by are never overridden.
  const labels = {
    "app.kubernetes.io/part-of": "skiff",
    ...o.labels,
    "app.kubernetes.io/component": "train-job",
    [RUN_ID_LABEL]: o.runId,
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: jobName(o.runId), namespace: o.namespace, labels },
    spec: {
      backoffLimit: o.backoffLimit,
      ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
      activeDeadlineSeconds: o.activeDeadlineSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: o.serviceAccountName,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "train",
              image: o.image,
              command: [...IMAGE_JOB_COMMAND, o.runId],
              env: [
                ...Object.entries(o.env).map(([name, value]) => ({ name, value })),
                ...Object.entries(o.secretEnv).map(([name, key]) => ({
                  name,
                  valueFrom: { secretKeyRef: { name: o.secretName, key } },
                })),
              ],
              resources: o.resources,
              securityContext: {
                runAsNonRoot: true,
                readOnlyRootFilesystem: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}
