/**
 * @module train/executors/kubernetes
 * Starts each run as a Kubernetes Job in the train function's own namespace, through the API
 * server with the function's in-cluster credentials (its ServiceAccount may create Jobs there
 * and nothing more).
 */
import type { BatchV1Api, KubeConfig } from "@kubernetes/client-node";
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
  #api: Promise<BatchV1Api> | undefined;

  constructor(options: KubernetesExecutorOptions) {
    this.#options = options;
  }

  async start(runId: string): Promise<void> {
    const body = buildJobSpec({ ...this.#options.spec, runId });
    this.#api ??= apiClient(this.#options.kubeConfig);
    await (await this.#api).createNamespacedJob({ namespace: this.#options.spec.namespace, body });
    this.#options.logger.info({ runId, job: body.metadata.name }, "training job created");
  }

  async close(): Promise<void> {}
}

/** The client library is large; it is loaded on the first run, never in inline mode. */
async function apiClient(given: KubeConfig | undefined): Promise<BatchV1Api> {
  const k8s = await import("@kubernetes/client-node");
  let config = given;
  if (config === undefined) {
    config = new k8s.KubeConfig();
    config.loadFromCluster();
  }
  return config.makeApiClient(k8s.BatchV1Api);
}
