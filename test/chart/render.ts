import { fileURLToPath } from "node:url";
import type { IService as IKnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { parseAllDocuments } from "yaml";
import { helm } from "./helm.ts";

export const CHART_DIR = fileURLToPath(new URL("../../chart", import.meta.url));
export const RELEASE = "demo";
export const NAMESPACE = "ml";

/** Value overrides by dotted path; each is passed whole with --set-json. */
export type ValueSet = Record<string, unknown>;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export function valueArgs(values: ValueSet): string[] {
  return Object.entries(values).flatMap(([path, value]) => [
    "--set-json",
    `${path}=${JSON.stringify(value)}`,
  ]);
}

/** helm's output by argument list: a test file renders the same values once. */
const rendered = new Map<string, Promise<string>>();

/**
 * `helm template` of the chart, parsed into objects (empty documents dropped). Test hooks
 * (helm test pods) are rendered too; `extraArgs` go to helm as they are. helm runs once per
 * distinct values and arguments in a test file (each call gets objects of its own) unless
 * `fresh` is set: generated credentials then differ from other renders'.
 */
export async function renderChart(
  values: ValueSet = {},
  extraArgs: readonly string[] = [],
  { fresh = false }: { fresh?: boolean } = {},
): Promise<K8sObject[]> {
  const args = ["template", RELEASE, CHART_DIR, "--namespace", NAMESPACE];
  args.push(...valueArgs(values), ...extraArgs);
  if (fresh) return parseObjects(await helm(args));
  const key = JSON.stringify(args);
  let stdout = rendered.get(key);
  if (!stdout) {
    stdout = helm(args);
    rendered.set(key, stdout);
  }
  return parseObjects(await stdout);
}

/** Multi-document YAML into objects, empty documents dropped. */
export function parseObjects(stdout: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) throw new Error(`unparsable helm output: ${doc.errors[0]?.message}`);
    const object: unknown = doc.toJS();
    if (object != null) objects.push(object as K8sObject);
  }
  return objects;
}

/** `apiVersion/kind`, e.g. "serving.knative.dev/v1/Service". */
export function typeOf(object: K8sObject): string {
  return `${object.apiVersion}/${object.kind}`;
}

export function describe(object: K8sObject): string {
  return `${typeOf(object)} ${object.metadata.name}`;
}

/** The one object of that type and name, typed by the caller (validateObject checks the shape). */
export function findObject<T>(objects: readonly K8sObject[], type: string, name: string): T {
  const found = objects.find((o) => typeOf(o) === type && o.metadata.name === name);
  if (!found) throw new Error(`no ${type} ${name} among: ${objects.map(describe).join(", ")}`);
  return found as unknown as T;
}

/** Object names the chart gives release RELEASE. */
export const NAMES = {
  fullname: `${RELEASE}-skiff`,
  info: `${RELEASE}-skiff-info`,
  serve: `${RELEASE}-skiff-serve`,
  serveFor: (model: string) => `${RELEASE}-skiff-serve-${model}`,
  notFound: `${RELEASE}-skiff-not-found`,
  minio: `${RELEASE}-skiff-minio`,
  credentials: `${RELEASE}-skiff-credentials`,
  bootstrap: `${RELEASE}-skiff-bootstrap`,
  train: `${RELEASE}-skiff-train`,
  trainToken: `${RELEASE}-skiff-train-token`,
  trainJob: `${RELEASE}-skiff-train-job`,
} as const;

/** The cluster-local host Knative answers for a Knative Service of this release. */
export const clusterLocal = (ksvc: string) => `${ksvc}.${NAMESPACE}.svc.cluster.local`;

export const KSVC = "serving.knative.dev/v1/Service";
export const SERVICE = "v1/Service";
export const SECRET = "v1/Secret";
export const SERVICE_ACCOUNT = "v1/ServiceAccount";
export const POD = "v1/Pod";
export const DEPLOYMENT = "apps/v1/Deployment";
export const STATEFUL_SET = "apps/v1/StatefulSet";
export const JOB = "batch/v1/Job";
export const ROLE = "rbac.authorization.k8s.io/v1/Role";
export const ROLE_BINDING = "rbac.authorization.k8s.io/v1/RoleBinding";
export const INGRESS = "networking.k8s.io/v1/Ingress";
export const PDB = "policy/v1/PodDisruptionBudget";
export const HTTP_ROUTE = "gateway.networking.k8s.io/v1/HTTPRoute";

/** The single element of a list, failing loudly when there are none or several. */
export function only<T>(items: readonly T[] | undefined, what: string): T {
  if (items?.length !== 1)
    throw new Error(`expected exactly one ${what}, got ${items?.length ?? 0}`);
  return items[0] as T;
}

/** A Knative Service of the release: its revision template, its one container and that env by name. */
export function ksvcParts(objects: readonly K8sObject[], name: string) {
  const ksvc = findObject<IKnativeService>(objects, KSVC, name);
  const template = ksvc.spec?.template;
  const container = only(template?.spec?.containers, `${name} container`);
  return { ksvc, template, container, env: envByName(container.env) };
}

/** Every object of one type. */
export function objectsOf<T>(objects: readonly K8sObject[], type: string): T[] {
  return objects.filter((o) => typeOf(o) === type) as unknown as T[];
}

/** A container's env entries by name. */
export function envByName<E extends { name: string }>(
  env: readonly E[] | undefined,
): Map<string, E> {
  return new Map((env ?? []).map((entry) => [entry.name, entry]));
}
