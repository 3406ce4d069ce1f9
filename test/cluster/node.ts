/**
 * @module test/cluster/node
 * The test harness plays the node's part for training pods: kwok reports a scheduled pod
 * Running, then this runs the pod's command with the pod's environment (Secret references
 * resolved through the API server) in a folder laid out as the image is, and writes the exit
 * code into the pod's skiff.dev/exit-code annotation, from which kwok reports the pod's end
 * (toolchain/control-plane/kwok-stages.yaml).
 */
import { spawn } from "node:child_process";
import type { KubeApi } from "../../toolchain/control-plane/api.ts";
import { sleep } from "../../toolchain/control-plane/daemon.ts";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface TrainingPod {
  metadata: {
    name: string;
    uid: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: { containers: { command: string[]; args?: string[]; env?: EnvVar[] }[] };
  status?: { phase?: string };
}

/** What the node does with a pod: run its command, end it with this code unrun, or leave it. */
export type NodeAction = "run" | { exitCode: number } | "hold";

export interface Ran {
  pod: string;
  code: number;
  output: string;
}

async function resolveEnv(
  api: KubeApi,
  namespace: string,
  env: EnvVar[],
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const entry of env) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = await api.get<{ data?: Record<string, string> }>(
        `/api/v1/namespaces/${namespace}/secrets/${ref.name}`,
      );
      const value = secret.data?.[ref.key];
      if (value === undefined) throw new Error(`Secret ${ref.name} has no key ${ref.key}`);
      resolved[entry.name] = Buffer.from(value, "base64").toString("utf8");
    } else {
      resolved[entry.name] = entry.value ?? "";
    }
  }
  return resolved;
}

function runCommand(
  command: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = command;
    if (!file) return reject(new Error("the pod has no command"));
    // A container sees its own env and the image's PATH, nothing of the harness's.
    const child = spawn(file, args, {
      cwd,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code: code ?? (signal ? 128 + 15 : 1), output }));
  });
}

export interface PlayedNode {
  ran: Ran[];
  /** What went wrong while playing the node (failed polls, pods it could not run). */
  failures: Error[];
  stop(): Promise<void>;
}

/** Plays the node for the training pods of `namespace` until stop(). */
export function playNode(
  api: KubeApi,
  namespace: string,
  appDir: string,
  decide: (pod: TrainingPod) => NodeAction,
): PlayedNode {
  const seen = new Set<string>();
  const ran: Ran[] = [];
  const busy: Promise<void>[] = [];
  let running = true;
  const end = (pod: TrainingPod, code: number) =>
    api.patch(`/api/v1/namespaces/${namespace}/pods/${pod.metadata.name}`, {
      metadata: { annotations: { "skiff.dev/exit-code": String(code) } },
    });
  const handle = async (pod: TrainingPod) => {
    const action = decide(pod);
    if (action === "hold") return;
    if (action !== "run") return void (await end(pod, action.exitCode));
    const container = pod.spec.containers[0];
    if (!container) throw new Error(`pod ${pod.metadata.name} has no container`);
    const env = await resolveEnv(api, namespace, container.env ?? []);
    const result = await runCommand([...container.command, ...(container.args ?? [])], env, appDir);
    ran.push({ pod: pod.metadata.name, ...result });
    await end(pod, result.code);
  };
  const failures: Error[] = [];
  const loop = (async () => {
    while (running) {
      try {
        const pods = await api.get<{ items: TrainingPod[] }>(
          `/api/v1/namespaces/${namespace}/pods?labelSelector=skiff.dev/run-id`,
        );
        for (const pod of pods.items) {
          if (pod.status?.phase !== "Running" || seen.has(pod.metadata.uid)) continue;
          seen.add(pod.metadata.uid);
          busy.push(handle(pod).catch((error: Error) => void failures.push(error)));
        }
      } catch (error) {
        // A poll that failed is tried again; a node does not stop over one answer.
        failures.push(error as Error);
      }
      await sleep(250);
    }
  })();
  return {
    ran,
    failures,
    async stop() {
      running = false;
      await loop;
      await Promise.all(busy);
    },
  };
}
