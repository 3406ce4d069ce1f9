/**
 * @module test/cluster/releases
 * Installing the chart into the test control plane as a user would, with what a cluster
 * provides beside it: a namespace of its own per release, the PersistentVolumes a provisioner
 * would make (none exists here), and the Secrets a value set names.
 */
import {
  CHART_DIR,
  type K8sObject,
  parseObjects,
  type ValueSet,
  valueArgs,
} from "../chart/render.ts";
import type { Cluster } from "./plane.ts";

export interface Release {
  name: string;
  namespace: string;
}

export const KNATIVE_SERVICES = "/apis/serving.knative.dev/v1/namespaces";

/** `helm template` for this release, as the objects a real install would create (hooks included). */
export async function renderFor(
  c: Cluster,
  release: Release,
  values: ValueSet,
  extra: string[] = [],
) {
  const result = await c.helm([
    "template",
    release.name,
    CHART_DIR,
    "--namespace",
    release.namespace,
    ...valueArgs(values),
    ...extra,
  ]);
  if (result.code !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return { yaml: result.stdout, objects: parseObjects(result.stdout) };
}

/**
 * What the cluster would have ready for these objects: a bound-ready PersistentVolume for each
 * claim a StatefulSet will make, and the Secret named by `credentials.existingSecret`.
 */
export async function provide(
  c: Cluster,
  release: Release,
  objects: K8sObject[],
  values: ValueSet,
) {
  for (const set of objects.filter((o) => o.kind === "StatefulSet")) {
    const spec = set.spec as {
      replicas?: number;
      volumeClaimTemplates?: {
        metadata: { name: string };
        spec: { resources: { requests: { storage: string } } };
      }[];
    };
    for (const claim of spec.volumeClaimTemplates ?? []) {
      for (let i = 0; i < (spec.replicas ?? 1); i++) {
        const pvc = `${claim.metadata.name}-${set.metadata.name}-${i}`;
        await c.api.create("/api/v1/persistentvolumes", {
          metadata: { name: `${release.namespace}-${pvc}` },
          spec: {
            capacity: { storage: claim.spec.resources.requests.storage },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: "Delete",
            hostPath: { path: `/nonexistent/${release.namespace}/${pvc}` },
            claimRef: { namespace: release.namespace, name: pvc },
          },
        });
      }
    }
  }
  const existing = values["credentials.existingSecret"];
  if (typeof existing === "string") {
    const keys = (values["credentials.keys"] ?? {
      accessKeyId: "accessKeyId",
      secretAccessKey: "secretAccessKey",
      apiToken: "apiToken",
    }) as Record<string, string>;
    await c.api.create(`/api/v1/namespaces/${release.namespace}/secrets`, {
      metadata: { name: existing },
      stringData: {
        [keys.accessKeyId ?? "accessKeyId"]: "user-of-the-team",
        [keys.secretAccessKey ?? "secretAccessKey"]: "a-secret-the-team-made",
        [keys.apiToken ?? "apiToken"]: "a-token-the-team-made",
      },
    });
  }
}

export async function install(
  c: Cluster,
  release: Release,
  values: ValueSet,
  extra: string[] = [],
) {
  const { objects } = await renderFor(c, release, values, extra);
  await provide(c, release, objects, values);
  return c.helm([
    "install",
    release.name,
    CHART_DIR,
    "--namespace",
    release.namespace,
    "--wait",
    "--timeout",
    "180s",
    ...valueArgs(values),
    ...extra,
  ]);
}

export async function knativeServices(c: Cluster, namespace: string) {
  const list = await c.api.get<{ items: K8sObject[] }>(`${KNATIVE_SERVICES}/${namespace}/services`);
  return list.items;
}

export async function revisions(c: Cluster, namespace: string) {
  const list = await c.api.get<{ items: K8sObject[] }>(
    `/apis/serving.knative.dev/v1/namespaces/${namespace}/revisions`,
  );
  return list.items;
}

/** Objects the release left in its namespace, by kind, after an uninstall. */
export async function remaining(c: Cluster, namespace: string, kinds: string[]) {
  const result = c.kubectlRun(["get", kinds.join(","), "-n", namespace, "-o", "json"]);
  if (result.status !== 0) throw new Error(result.stderr);
  return (JSON.parse(result.stdout) as { items: K8sObject[] }).items;
}

/** Reads until `done` holds or `ms` pass, and answers the last read. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}
