/**
 * @module toolchain/control-plane/versions
 * The pinned releases of the control plane the chart tests run: read from versions.env beside
 * this file and, for Knative Serving, from knative/versions.env, so each is written once.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface ControlPlaneVersions {
  kubernetes: string;
  etcd: string;
  kwok: string;
  /** Knative Serving's release, as knative/versions.env pins it (v1.23.0). */
  knativeServing: string;
}

function readEnvFile(url: URL): Record<string, string> {
  const path = fileURLToPath(url);
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = line.match(/^([A-Z_]+)=(\S+)$/);
    if (match?.[1] && match[2]) values[match[1]] = match[2];
  }
  return values;
}

function pick(values: Record<string, string>, key: string, file: string): string {
  const value = values[key];
  if (!value?.match(/^v\d+\.\d+\.\d+$/)) throw new Error(`${file} pins no ${key} (vX.Y.Z)`);
  return value;
}

export function controlPlaneVersions(): ControlPlaneVersions {
  const own = readEnvFile(new URL("versions.env", import.meta.url));
  const knative = readEnvFile(new URL("../../knative/versions.env", import.meta.url));
  const file = "toolchain/control-plane/versions.env";
  return {
    kubernetes: pick(own, "KUBERNETES_VERSION", file),
    etcd: pick(own, "ETCD_VERSION", file),
    kwok: pick(own, "KWOK_VERSION", file),
    knativeServing: pick(knative, "KNATIVE_SERVING_VERSION", "knative/versions.env"),
  };
}

/** Knative tags release v1.N as the Go module knative.dev/serving v0.(N+27).x. */
export function knativeServingModuleVersion(release: string): string {
  const match = release.match(/^v1\.(\d+)\.(\d+)$/);
  if (!match) throw new Error(`Knative Serving release ${release} is not v1.N.P`);
  return `v0.${Number(match[1]) + 27}.${match[2]}`;
}

/** k8s.io/kubernetes vX.Y.Z publishes its staging modules (client-go, api, …) as v0.Y.Z. */
export function kubernetesStagingVersion(kubernetes: string): string {
  return kubernetes.replace(/^v1\./, "v0.");
}
