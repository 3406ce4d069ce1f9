import { describe, expect, it } from "vitest";
import {
  type JobObject,
  jobFailure,
  jobState,
  missingJobFailure,
  runIdOf,
} from "../../../../functions/train/executors/job-outcome.ts";
import {
  buildJobSpec,
  TRAIN_JOB_SELECTOR,
} from "../../../../functions/train/executors/job-spec.ts";
import type { RunRecord } from "../../../../functions/train/runs/run-record.ts";

const NAME = "skiff-run-abc-123";

function job(conditions: Array<Record<string, string>> = []): JobObject {
  return {
    metadata: { name: NAME, labels: { "skiff.dev/run-id": "run-abc-123" } },
    status: { conditions: conditions as Array<{ type: string; status: string }> },
  };
}

function run(patch: Partial<RunRecord> = {}): RunRecord {
  return {
    id: "run-abc-123",
    status: "queued",
    model: "m",
    dataset: "d",
    datasetVersion: "1",
    target: "y",
    features: ["x"],
    task: "regression",
    algorithm: "linear_regression",
    params: {},
    testFraction: 0.2,
    seed: 1,
    executor: "kubernetes",
    progress: { fraction: 0, message: "queued" },
    createdAt: new Date(1_000_000).toISOString(),
    ...patch,
  };
}

describe("a training Job's state", () => {
  it("is going until a terminal condition is true", () => {
    expect(jobState({ metadata: { name: NAME } })).toEqual({ state: "going" });
    expect(jobState(job([{ type: "Suspended", status: "True" }]))).toEqual({ state: "going" });
    // Kubernetes sets FailureTarget first and Failed only once the pods are gone.
    expect(jobState(job([{ type: "FailureTarget", status: "True" }]))).toEqual({ state: "going" });
    expect(jobState(job([{ type: "Failed", status: "False" }]))).toEqual({ state: "going" });
  });

  it("succeeded on Complete, failed with the condition's reason and message on Failed", () => {
    expect(jobState(job([{ type: "Complete", status: "True" }]))).toEqual({ state: "succeeded" });
    expect(
      jobState(
        job([
          { type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded" },
          {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
          },
        ]),
      ),
    ).toEqual({
      state: "failed",
      reason: "BackoffLimitExceeded",
      message: "Job has reached the specified backoff limit",
    });
  });

  it("deleted when the last state seen of a gone Job had not ended; a gone Job keeps its end", () => {
    expect(jobState(job(), true)).toEqual({ state: "deleted" });
    const deleting = job();
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: "2030-01-01T00:00:00Z" };
    expect(jobState(deleting)).toEqual({ state: "deleted" });
    expect(jobState(job([{ type: "Complete", status: "True" }]), true)).toEqual({
      state: "succeeded",
    });
    expect(
      jobState(job([{ type: "Failed", status: "True", reason: "DeadlineExceeded" }]), true),
    ).toMatchObject({ state: "failed", reason: "DeadlineExceeded" });
  });
});

describe("the error a Job's state gives its run", () => {
  it("says why the Job failed, from its condition", () => {
    const failed = job([
      {
        type: "Failed",
        status: "True",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
      },
    ]);
    expect(jobFailure(failed, jobState(failed))).toBe(
      `the training Job ${NAME} failed: BackoffLimitExceeded: Job has reached the specified backoff limit`,
    );
    expect(jobFailure(job(), { state: "failed", reason: "DeadlineExceeded" })).toBe(
      `the training Job ${NAME} failed: DeadlineExceeded`,
    );
    expect(jobFailure(job(), { state: "failed" })).toBe(`the training Job ${NAME} failed`);
  });

  it("says the Job was deleted, and is nothing while it goes on or once it completed", () => {
    expect(jobFailure(job(), { state: "deleted" })).toBe(
      `the training Job ${NAME} was deleted before it finished`,
    );
    expect(jobFailure(job(), { state: "going" })).toBeUndefined();
    expect(jobFailure(job(), { state: "succeeded" })).toBeUndefined();
  });
});

describe("a run that a listing shows no Job for", () => {
  const listedAt = 1_000_000 + 120_000;
  const grace = 60_000;

  it("fails once older than the grace, if the Kubernetes executor started it and it has not ended", () => {
    expect(missingJobFailure(run(), new Set(), listedAt, grace)).toBe(
      "no training Job skiff-run-abc-123 exists (it was deleted or never created) and the run had not finished",
    );
    expect(missingJobFailure(run({ status: "running" }), new Set(), listedAt, grace)).toBeDefined();
  });

  it("is left alone when listed, young, ended, or not run as a Job", () => {
    expect(missingJobFailure(run(), new Set(["run-abc-123"]), listedAt, grace)).toBeUndefined();
    expect(missingJobFailure(run(), new Set(), listedAt, 120_000)).toBeUndefined();
    expect(missingJobFailure(run({ status: "succeeded" }), new Set(), listedAt, grace)).toBe(
      undefined,
    );
    expect(missingJobFailure(run({ status: "failed" }), new Set(), listedAt, grace)).toBe(
      undefined,
    );
    expect(missingJobFailure(run({ executor: "inline" }), new Set(), listedAt, grace)).toBe(
      undefined,
    );
  });
});

describe("the labels train follows its Jobs by", () => {
  it("are on every Job it builds, whatever extra labels it is given", () => {
    const spec = buildJobSpec({
      runId: "run-abc-123",
      namespace: "ml",
      image: "skiff:dev",
      serviceAccountName: "skiff-train-job",
      env: {},
      secretEnv: {},
      secretName: "skiff-s3",
      resources: { requests: {}, limits: {} },
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      activeDeadlineSeconds: 60,
      labels: { "app.kubernetes.io/component": "other", "skiff.dev/run-id": "other", team: "a" },
    });
    const [key, value] = TRAIN_JOB_SELECTOR.split("=");
    expect(spec.metadata.labels[key as keyof typeof spec.metadata.labels]).toBe(value);
    expect(runIdOf(spec)).toBe("run-abc-123");
    expect(spec.metadata.labels).toMatchObject({ team: "a" });
    expect(spec.spec.template.metadata.labels).toEqual(spec.metadata.labels);
  });
});
