/**
 * @module toolchain/control-plane/plane
 * Starts a real Kubernetes control plane on loopback for the chart tests: etcd,
 * kube-apiserver (RBAC, Pod Security and the stock admission plugins), kube-controller-manager,
 * kube-scheduler, kwok playing one node, and Knative Serving's own webhook, controller and
 * autoscaler, with Knative's CRDs and ConfigMaps from the release the project pins. Ports are
 * picked free, everything lives in one temporary folder, and stop() ends every process.
 *
 * What is not real: there is no container runtime (kwok reports pods Running) and no networking
 * layer, so the plane marks Knative's networking Ingress objects Ready itself, as Kourier would
 * once it had programmed Envoy.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../minio/launcher.ts";
import { ApiError, type Json, type KubeApi, kubeApi } from "./api.ts";
import type { ControlPlaneTools } from "./build.ts";
import { type Daemon, sleep, startDaemon } from "./daemon.ts";
import { writeKnativeSettings, yamlDocuments, yamlFiles } from "./knative-settings.ts";
import { makePki } from "./pki.ts";

export interface ControlPlane {
  dir: string;
  server: string;
  /** An admin kubeconfig (system:masters) for helm and kubectl. */
  kubeconfig: string;
  token: string;
  /** JSON lines, one per request a ServiceAccount made (audit.k8s.io/v1 Events). */
  auditLog: string;
  caPem: string;
  /** The name of the one (fake) node that pods are scheduled to. */
  nodeName: string;
  stop(): Promise<void>;
}

export interface PlaneOptions {
  tools: ControlPlaneTools;
  dir: string;
  log?: (line: string) => void;
}

const KNATIVE_NAMESPACE = "knative-serving";
const NODE_NAME = "skiff-node";
const gatewayApiCrds = fileURLToPath(new URL("../../test/chart/schemas/", import.meta.url));
const kwokStages = fileURLToPath(new URL("kwok-stages.yaml", import.meta.url));
const isolatedEntry = fileURLToPath(new URL("isolated.mjs", import.meta.url));

function healthy(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { rejectUnauthorized: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.setTimeout(2000, () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

export interface KubectlResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** kubectl bound to one kubeconfig, answering its exit code and both outputs. */
export function kubectlFor(bin: string, kubeconfig: string) {
  return (args: string[], input?: string): KubectlResult => {
    const result = spawnSync(bin, [`--kubeconfig=${kubeconfig}`, ...args], {
      input,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  };
}

/** Marks Knative's networking Ingresses Ready, as a networking layer would once it serves them. */
function markIngressesReady(api: KubeApi, log: (line: string) => void): () => Promise<void> {
  let running = true;
  const path = "/apis/networking.internal.knative.dev/v1alpha1/ingresses";
  const loop = (async () => {
    while (running) {
      try {
        const list = await api.get<{ items: Json[] }>(path);
        for (const ingress of list.items) {
          const { name, namespace, generation } = ingress.metadata;
          const ready = ingress.status?.conditions?.find((c: Json) => c.type === "Ready");
          if (ingress.status?.observedGeneration === generation && ready?.status === "True")
            continue;
          const now = new Date().toISOString();
          const condition = (type: string) => ({ type, status: "True", lastTransitionTime: now });
          const balancer = {
            ingress: [{ domainInternal: "kourier-internal.kourier-system.svc.cluster.local" }],
          };
          await api.patch(
            `/apis/networking.internal.knative.dev/v1alpha1/namespaces/${namespace}/ingresses/${name}/status`,
            {
              status: {
                observedGeneration: generation,
                conditions: [
                  condition("LoadBalancerReady"),
                  condition("NetworkConfigured"),
                  condition("Ready"),
                ],
                privateLoadBalancer: balancer,
                publicLoadBalancer: balancer,
              },
            },
          );
        }
      } catch (error) {
        if (running) log(`ingress marker: ${(error as Error).message}`);
      }
      await sleep(300);
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

/** How to enter a network namespace of one's own: directly as root, else as a mapped root user. */
function unshareArgs(): string[] {
  return process.getuid?.() === 0 ? ["--net"] : ["--user", "--map-root-user", "--net"];
}

export async function startControlPlane(options: PlaneOptions): Promise<ControlPlane> {
  const { tools, dir } = options;
  const log = options.log ?? (() => {});
  const daemons: Daemon[] = [];
  const closers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    // Knative's processes drain for ~30 s on SIGTERM; nothing is left to drain in a test run.
    for (const daemon of daemons.reverse())
      await daemon.stop(daemon.name.startsWith("knative-") ? 1000 : 10_000);
  };
  try {
    const pki = makePki(dir);
    const token = `skiff-admin-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, "tokens.csv"), `${token},skiff-admin,skiff-admin,system:masters\n`);
    // Every request a ServiceAccount makes is recorded, so that tests can hold a Role to exactly
    // the verbs the code uses.
    const auditLog = join(dir, "audit.log");
    writeFileSync(
      join(dir, "audit-policy.json"),
      JSON.stringify({
        apiVersion: "audit.k8s.io/v1",
        kind: "Policy",
        omitStages: ["RequestReceived"],
        rules: [{ level: "Metadata", userGroups: ["system:serviceaccounts"] }, { level: "None" }],
      }),
    );

    const etcdPort = await freePort();
    const etcdPeer = await freePort();
    daemons.push(
      await startDaemon({
        name: "etcd",
        dir,
        command: tools.bin("etcd"),
        args: [
          "--name=skiff",
          `--data-dir=${join(dir, "etcd")}`,
          `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
          `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
          `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `--initial-cluster=skiff=http://127.0.0.1:${etcdPeer}`,
          "--log-level=warn",
        ],
        ready: async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok,
      }),
    );

    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiCert = pki.serving("kube-apiserver", [
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
    ]);
    daemons.push(
      await startDaemon({
        name: "kube-apiserver",
        dir,
        command: tools.bin("kube-apiserver"),
        args: [
          "--bind-address=127.0.0.1",
          "--advertise-address=127.0.0.1",
          `--secure-port=${apiPort}`,
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          `--cert-dir=${join(dir, "apiserver-certs")}`,
          `--tls-cert-file=${apiCert.certFile}`,
          `--tls-private-key-file=${apiCert.keyFile}`,
          `--client-ca-file=${pki.caFile}`,
          `--token-auth-file=${join(dir, "tokens.csv")}`,
          `--service-account-key-file=${pki.serviceAccountPub}`,
          `--service-account-signing-key-file=${pki.serviceAccountKey}`,
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--service-cluster-ip-range=10.96.0.0/16",
          "--authorization-mode=RBAC",
          // The kubernetes Service's endpoint would be 127.0.0.1, which EndpointSlices refuse.
          "--endpoint-reconciler-type=none",
          "--profiling=false",
          `--audit-policy-file=${join(dir, "audit-policy.json")}`,
          `--audit-log-path=${auditLog}`,
          "--audit-log-format=json",
          "--audit-log-mode=blocking",
        ],
        ready: () => healthy(`${server}/readyz`, { authorization: `Bearer ${token}` }),
        timeoutMs: 90_000,
      }),
    );
    const api = kubeApi(server, token, pki.caPem);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "skiff-test", cluster: { server, "certificate-authority": pki.caFile } },
        ],
        users: [{ name: "skiff-admin", user: { token } }],
        contexts: [{ name: "skiff-test", context: { cluster: "skiff-test", user: "skiff-admin" } }],
        "current-context": "skiff-test",
      }),
    );
    const kubectl = kubectlFor(tools.bin("kubectl"), kubeconfig);
    const apply = (files: string[], what: string) => {
      const result = kubectl([
        "apply",
        "--server-side",
        "--force-conflicts",
        ...files.flatMap((f) => ["-f", f]),
      ]);
      if (result.status !== 0) throw new Error(`applying ${what} failed:\n${result.stderr}`);
    };

    const controllerManagerPort = await freePort();
    const schedulerPort = await freePort();
    const [controllerManager, scheduler] = await Promise.all([
      startDaemon({
        name: "kube-controller-manager",
        dir,
        command: tools.bin("kube-controller-manager"),
        args: [
          `--kubeconfig=${kubeconfig}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${controllerManagerPort}`,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caFile}`,
          "--leader-elect=false",
          // kwok keeps the fake node's lease; nothing should evict its pods meanwhile.
          "--controllers=*,-node-lifecycle-controller",
        ],
        ready: () => healthy(`https://127.0.0.1:${controllerManagerPort}/healthz`),
      }),
      startDaemon({
        name: "kube-scheduler",
        dir,
        command: tools.bin("kube-scheduler"),
        args: [
          `--kubeconfig=${kubeconfig}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${schedulerPort}`,
          "--leader-elect=false",
        ],
        ready: () => healthy(`https://127.0.0.1:${schedulerPort}/healthz`),
      }),
    ]);
    daemons.push(controllerManager, scheduler);

    const kwokPort = await freePort();
    daemons.push(
      await startDaemon({
        name: "kwok",
        dir,
        command: tools.bin("kwok"),
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--config=${kwokStages}`,
          "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
          // A documentation-and-benchmarking range: these addresses belong to nothing real.
          "--cidr=198.18.0.0/16",
          "--node-ip=198.19.0.1",
          `--server-address=127.0.0.1:${kwokPort}`,
        ],
      }),
    );
    await api.create("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: NODE_NAME,
        annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
        labels: {
          "kubernetes.io/hostname": NODE_NAME,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          type: "kwok",
        },
      },
      spec: { podCIDR: "198.18.0.0/24", podCIDRs: ["198.18.0.0/24"] },
    });
    // A new node is created tainted not-ready; with the node lifecycle controller off, nothing
    // lifts that taint once kwok reports the node Ready, so it is lifted here.
    for (let i = 0; ; i++) {
      const node = await api.get(`/api/v1/nodes/${NODE_NAME}`);
      if (
        node.status?.conditions?.some(
          (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
        )
      )
        break;
      if (i === 150)
        throw new Error(
          `kwok did not report ${NODE_NAME} Ready within 30 s:\n${daemons.at(-1)?.tail()}`,
        );
      await sleep(200);
    }
    await api.patch(`/api/v1/nodes/${NODE_NAME}`, { spec: { taints: null } });

    // Knative Serving: its CRDs, namespace and ConfigMaps, then its webhook.
    apply([...yamlFiles(join(tools.knativeDir, "crds")), ...yamlFiles(gatewayApiCrds)], "the CRDs");
    await api.create("/api/v1/namespaces", { metadata: { name: KNATIVE_NAMESPACE } });
    // The project's settings to start with; suites switch with test/cluster/plane.ts.
    apply([writeKnativeSettings(dir, tools.knativeDir, "project")], "Knative's ConfigMaps");

    const webhookCert = pki.serving("knative-webhook", [`webhook.${KNATIVE_NAMESPACE}.svc`]);
    await api.create(`/api/v1/namespaces/${KNATIVE_NAMESPACE}/secrets`, {
      metadata: { name: "webhook-certs" },
      data: {
        "server-cert.pem": Buffer.from(readFileSync(webhookCert.certFile)).toString("base64"),
        "server-key.pem": Buffer.from(readFileSync(webhookCert.keyFile)).toString("base64"),
        "ca-cert.pem": Buffer.from(pki.caPem).toString("base64"),
      },
    });
    const knativeEnv = (podName: string, extra: Record<string, string> = {}) => ({
      SYSTEM_NAMESPACE: KNATIVE_NAMESPACE,
      POD_NAME: podName,
      CONFIG_LOGGING_NAME: "config-logging",
      CONFIG_OBSERVABILITY_NAME: "config-observability",
      ...extra,
    });
    const webhookPort = await freePort();
    daemons.push(
      await startDaemon({
        name: "knative-webhook",
        dir,
        command: tools.bin("knative-webhook"),
        args: [`--kubeconfig=${kubeconfig}`],
        env: knativeEnv("webhook-0", {
          WEBHOOK_NAME: "webhook",
          WEBHOOK_PORT: String(webhookPort),
          PROFILING_PORT: String(await freePort()),
        }),
        // Knative answers a kubelet's probe on any path once it serves.
        ready: () =>
          healthy(`https://127.0.0.1:${webhookPort}/`, { "user-agent": "kube-probe/1.35" }),
        timeoutMs: 60_000,
      }),
    );
    await registerWebhooks(api, apply, tools.knativeDir, webhookPort, pki.caPem, log);

    // Knative's controller and autoscaler dial pods and Services by their (fake) addresses:
    // each runs in a network namespace of its own, reaching only the API server.
    const socketPath = join(dir, "apiserver.sock");
    const open = new Set<Socket>();
    const tunnel: Server = createServer((outside) => {
      const inside = connect(apiPort, "127.0.0.1");
      outside.pipe(inside).pipe(outside);
      for (const socket of [outside, inside]) {
        open.add(socket);
        socket.on("close", () => open.delete(socket));
        socket.on("error", () => {
          outside.destroy();
          inside.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => tunnel.listen(socketPath, resolve));
    // close() waits for every connection to end, and watches never do: end them here.
    closers.push(async () => {
      const closed = new Promise<void>((resolve) => tunnel.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    });
    const isolated = (name: string, command: string, env: Record<string, string>) =>
      startDaemon({
        name,
        dir,
        command: "unshare",
        args: [
          ...unshareArgs(),
          "--",
          process.execPath,
          isolatedEntry,
          socketPath,
          String(apiPort),
          command,
          `--kubeconfig=${kubeconfig}`,
        ],
        env,
      });
    daemons.push(
      await isolated(
        "knative-controller",
        tools.bin("knative-controller"),
        knativeEnv("controller-0"),
      ),
    );
    // The autoscaler publishes its own address in an EndpointSlice, which refuses loopback.
    daemons.push(
      await isolated(
        "knative-autoscaler",
        tools.bin("knative-autoscaler"),
        knativeEnv("autoscaler-0", { POD_IP: "198.19.0.2" }),
      ),
    );
    closers.push(markIngressesReady(api, log));

    // The controller-manager creates each namespace's default ServiceAccount: wait for the first.
    for (
      let i = 0;
      i < 150 && !(await api.find("/api/v1/namespaces/default/serviceaccounts/default"));
      i++
    )
      await sleep(200);

    return {
      dir,
      server,
      kubeconfig,
      token,
      auditLog,
      caPem: pki.caPem,
      nodeName: NODE_NAME,
      async stop() {
        await stop();
        rmSync(join(dir, "etcd"), { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Knative's reconcilers fill in the rules of the webhook configurations it ships (the ConfigMap
 * validation webhook has none until then); once they have, each is pointed at the webhook on
 * loopback, after which the reconcilers leave them alone.
 */
async function registerWebhooks(
  api: KubeApi,
  apply: (files: string[], what: string) => void,
  knativeDir: string,
  port: number,
  caPem: string,
  log: (line: string) => void,
): Promise<void> {
  const files = yamlFiles(join(knativeDir, "webhooks")).filter(
    (file) => !file.endsWith("secret.yaml"),
  );
  apply(files, "Knative's webhook configurations");
  const configs = files.flatMap(yamlDocuments);
  const caBundle = Buffer.from(caPem).toString("base64");
  for (const config of configs) {
    const kind =
      config.kind === "MutatingWebhookConfiguration"
        ? "mutatingwebhookconfigurations"
        : "validatingwebhookconfigurations";
    const path = `/apis/admissionregistration.k8s.io/v1/${kind}/${config.metadata.name}`;
    let live: Json = {};
    for (let i = 0; i < 150; i++) {
      live = await api.get(path);
      if (live.webhooks.every((hook: Json) => (hook.rules ?? []).length > 0)) break;
      await sleep(200);
    }
    if (!live.webhooks.every((hook: Json) => (hook.rules ?? []).length > 0)) {
      throw new Error(`Knative did not fill in the rules of ${config.metadata.name} within 30 s`);
    }
    const webhooks = live.webhooks.map((hook: Json) => ({
      ...hook,
      clientConfig: {
        url: `https://127.0.0.1:${port}${hook.clientConfig.service?.path ?? "/"}`,
        caBundle,
      },
    }));
    try {
      await api.patch(path, { webhooks }, "merge");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      throw new Error(`pointing ${config.metadata.name} at the webhook failed: ${error.message}`);
    }
    log(`webhook ${config.metadata.name}: ${webhooks.length} hook(s) on 127.0.0.1:${port}`);
  }
}
