/**
 * @module train/executors/kubernetes
 * Starts each run as a Kubernetes Job in the train function's own namespace, through the API
 * server with the function's in-cluster credentials (its ServiceAccount may create Jobs there
 * and nothing more).
 */
import { BatchV1Api, KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../../lib/logger.ts";
import type { RunExecutor } from "./executor.ts";
import { buildJobSpec, type JobSpecOptions } from "./job-spec.ts";

export interface KubernetesExecutorOptions {
  spec: Omit<JobSpecOptions, "runId">;
  logger: Logger;
  /** Defaults to the in-cluster configuration; tests pass one that points elsewhere. */
  kubeConfig?: KubeConfig;
}

export class KubernetesExecutor implements RunExecutor {
  readonly kind = "kubernetes";
  readonly #options: KubernetesExecutorOptions;
  readonly #api: BatchV1Api;

  constructor(options: KubernetesExecutorOptions) {
    this.#options = options;
    const config = options.kubeConfig ?? inClusterConfig();
    this.#api = config.makeApiClient(BatchV1Api);
  }

  async start(runId: string): Promise<void> {
    const body = buildJobSpec({ ...this.#options.spec, runId });
    await this.#api.createNamespacedJob({ namespace: this.#options.spec.namespace, body });
    this.#options.logger.info({ runId, job: body.metadata.name }, "training job created");
  }

  async close(): Promise<void> {}
}

function inClusterConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromCluster();
  return config;
}
