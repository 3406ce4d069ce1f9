/**
 * @module train/executors/kubernetes
 * Starts each run as a Kubernetes Job in the train function's own namespace, through the API
 * server with the function's in-cluster credentials (its ServiceAccount may create, list and
 * watch Jobs there and nothing more). With `follow` it also watches those Jobs from
 * construction to close(), so a Job that fails, or is deleted before it completes, fails its
 * run at once instead of at the watchdog's lease or queue timeout (job-outcome.ts has the rule).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../../lib/logger.ts";
import type { RunStore } from "../runs/run-store.ts";
import type { RunExecutor } from "./executor.ts";
import {
  type JobObject,
  type JobState,
  jobFailure,
  jobState,
  missingJobFailure,
  runIdOf,
} from "./job-outcome.ts";
import { buildJobSpec, type JobSpecOptions, TRAIN_JOB_SELECTOR } from "./job-spec.ts";
import { JobWatch, type JobWatchClients } from "./job-watch.ts";

export interface FollowOptions {
  runs: RunStore;
  /** How old a run must be before a listing that lacks its Job fails it. */
  missingGraceMs: number;
  /** The first retry's delay after the API server failed (default 1 s, doubling to 30 s). */
  retryMs?: number;
  /** How long the server keeps one watch open before the next (default 300 s). */
  watchSeconds?: number;
}

export interface KubernetesExecutorOptions {
  spec: Omit<JobSpecOptions, "runId">;
  logger: Logger;
  /** Defaults to the in-cluster configuration; tests pass one that points elsewhere. */
  kubeConfig?: KubeConfig;
  /** Follow the Jobs and fail the runs they end; without it the executor only creates Jobs. */
  follow?: FollowOptions;
}

export class KubernetesExecutor implements RunExecutor {
  readonly kind = "kubernetes";
  readonly #options: KubernetesExecutorOptions;
  readonly #watch: JobWatch | undefined;
  #clients: Promise<JobWatchClients> | undefined;
  #closed = false;

  constructor(options: KubernetesExecutorOptions) {
    this.#options = options;
    const follow = options.follow;
    if (follow === undefined) return;
    this.#watch = new JobWatch({
      namespace: options.spec.namespace,
      labelSelector: TRAIN_JOB_SELECTOR,
      logger: options.logger,
      connect: () => this.#connect(),
      onList: (jobs, listedAt) => this.#reconcile(follow, jobs, listedAt),
      onChange: (job, deleted) => this.#settle(follow.runs, job, jobState(job, deleted)),
      retryMs: follow.retryMs,
      watchSeconds: follow.watchSeconds,
    });
  }

  /**
   * Resolves once the first listing of the Jobs has been applied to their runs: from then on
   * every Job change is followed. Only for an executor built with `follow`.
   */
  synced(): Promise<void> {
    if (this.#watch === undefined) throw new Error("this executor does not follow its Jobs");
    return this.#watch.synced;
  }

  async start(runId: string): Promise<void> {
    if (this.#closed) throw new Error("the executor is shutting down");
    const body = buildJobSpec({ ...this.#options.spec, runId });
    const { batch } = await this.#connect();
    await batch.createNamespacedJob({ namespace: this.#options.spec.namespace, body });
    this.#options.logger.info({ runId, job: body.metadata.name }, "training job created");
  }

  /** A run's Job runs in the cluster, never in this process. */
  holds(): boolean {
    return false;
  }

  /** Stops following the Jobs (bounded: a run being failed is given a moment to land). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#watch?.close();
  }

  /** The client library is large: loaded once it is needed, never in inline mode. */
  #connect(): Promise<JobWatchClients> {
    this.#clients ??= connect(this.#options.kubeConfig).catch((error: unknown) => {
      this.#clients = undefined;
      throw error;
    });
    return this.#clients;
  }

  /** A full listing: Jobs that already failed, and runs left without a Job. */
  async #reconcile(follow: FollowOptions, jobs: JobObject[], listedAt: number): Promise<void> {
    const listed = new Set<string>();
    for (const job of jobs) {
      const runId = runIdOf(job);
      if (runId !== undefined) listed.add(runId);
      await this.#settle(follow.runs, job, jobState(job));
    }
    for (const run of await follow.runs.list()) {
      const missing = (r: typeof run) =>
        missingJobFailure(r, listed, listedAt, follow.missingGraceMs);
      if (missing(run) === undefined) continue;
      const failed = await follow.runs.failUnlessFinished(run.id, missing);
      if (failed)
        this.#options.logger.warn({ runId: run.id, error: failed.error }, "run failed: no Job");
    }
  }

  async #settle(runs: RunStore, job: JobObject, state: JobState): Promise<void> {
    const runId = runIdOf(job);
    const error = jobFailure(job, state);
    if (runId === undefined || error === undefined) return;
    const failed = await runs.failUnlessFinished(runId, () => error);
    if (failed)
      this.#options.logger.warn(
        { runId, job: job.metadata?.name, error },
        "run failed with its training Job",
      );
  }
}

async function connect(given: KubeConfig | undefined): Promise<JobWatchClients> {
  const k8s = await import("@kubernetes/client-node");
  let config = given;
  if (config === undefined) {
    config = new k8s.KubeConfig();
    config.loadFromCluster();
  }
  return { batch: config.makeApiClient(k8s.BatchV1Api), watch: new k8s.Watch(config) };
}
