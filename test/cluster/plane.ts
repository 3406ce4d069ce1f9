/**
 * @module test/cluster/plane
 * The cluster suites' view of the control plane the test setup started: an admin API client,
 * kubectl and helm bound to its kubeconfig, namespaces made per test, and the switch between
 * Knative's stock settings and the project's.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { promisify } from "node:util";
import { inject } from "vitest";
import { type KubeApi, kubeApi } from "../../toolchain/control-plane/api.ts";
import {
  type KnativeSettings,
  writeKnativeSettings,
} from "../../toolchain/control-plane/knative-settings.ts";
import { type KubectlResult, kubectlFor } from "../../toolchain/control-plane/plane.ts";
import { helmBin } from "../chart/helm.ts";

const execFileAsync = promisify(execFile);

export interface ClusterState {
  server: string;
  token: string;
  caPem: string;
  kubeconfig: string;
  /** Requests made by ServiceAccounts, one JSON audit event a line. */
  auditLog: string;
  kubectl: string;
  knativeDir: string;
  nodeName: string;
  dir: string;
}

export interface Cluster extends ClusterState {
  api: KubeApi;
  kubectlRun(args: string[], input?: string): KubectlResult;
  /** helm with the plane's kubeconfig; resolves with its exit code and both outputs. */
  helm(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A new namespace that enforces Pod Security "restricted", as a hardened cluster would. */
  namespace(prefix: string): Promise<string>;
  useKnativeSettings(settings: KnativeSettings): Promise<void>;
}

let connected: Promise<Cluster> | undefined;

async function waitForState(file: string): Promise<ClusterState> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const state = JSON.parse(readFileSync(file, "utf8")) as {
        ready?: ClusterState;
        error?: string;
      };
      if (state.error) throw new Error(`the test control plane is not running: ${state.error}`);
      if (state.ready) return state.ready;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("the test control plane did not start within 300 s");
}

let namespaces = 0;

export function cluster(): Promise<Cluster> {
  connected ??= waitForState(inject("clusterStateFile")).then((state) => {
    const api = kubeApi(state.server, state.token, state.caPem);
    const kubectlRun = kubectlFor(state.kubectl, state.kubeconfig);
    return {
      ...state,
      api,
      kubectlRun,
      async helm(args) {
        try {
          const { stdout, stderr } = await execFileAsync(
            helmBin(),
            [...args, "--kubeconfig", state.kubeconfig],
            {
              maxBuffer: 64 * 1024 * 1024,
            },
          );
          return { code: 0, stdout, stderr };
        } catch (error) {
          const failed = error as { code?: number; stdout?: string; stderr?: string };
          return {
            code: failed.code ?? 1,
            stdout: failed.stdout ?? "",
            stderr: failed.stderr ?? "",
          };
        }
      },
      async namespace(prefix) {
        const name = `${prefix}-${process.pid}-${++namespaces}`;
        await api.create("/api/v1/namespaces", {
          metadata: {
            name,
            labels: {
              "pod-security.kubernetes.io/enforce": "restricted",
              "pod-security.kubernetes.io/enforce-version": "latest",
            },
          },
        });
        // Pods need the namespace's default ServiceAccount, which the controller-manager adds.
        for (
          let i = 0;
          i < 100 && !(await api.find(`/api/v1/namespaces/${name}/serviceaccounts/default`));
          i++
        ) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return name;
      },
      async useKnativeSettings(settings) {
        const file = writeKnativeSettings(state.dir, state.knativeDir, settings);
        const result = kubectlRun(["apply", "--server-side", "--force-conflicts", "-f", file]);
        if (result.status !== 0)
          throw new Error(`applying Knative's ${settings} settings failed:\n${result.stderr}`);
        // The webhook and the controllers watch their ConfigMaps; let their informers catch up.
        await new Promise((resolve) => setTimeout(resolve, 1500));
      },
    };
  });
  return connected;
}
