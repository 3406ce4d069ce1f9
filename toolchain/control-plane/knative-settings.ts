/**
 * @module toolchain/control-plane/knative-settings
 * Knative Serving's ConfigMaps for the test plane, in the two ways a cluster may have them: as
 * the release ships them ("stock") or with the project's knative/config merged in ("project"),
 * as knative/install.sh does on a real cluster.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { Json } from "./api.ts";

export type KnativeSettings = "project" | "stock";

const projectKnativeConfig = fileURLToPath(new URL("../../knative/config/", import.meta.url));

export function yamlDocuments(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((doc) => doc.toJSON())
    .filter((doc) => doc && typeof doc === "object");
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .map((file) => join(dir, file));
}

/** The ConfigMaps Knative ships, with the project's knative/config merged in for "project". */
export function knativeConfigMaps(knativeDir: string, settings: KnativeSettings): Json[] {
  const maps = yamlFiles(join(knativeDir, "configmaps")).flatMap(yamlDocuments);
  const own = new Map<string, Record<string, string>>();
  for (const file of yamlFiles(projectKnativeConfig)) {
    for (const doc of yamlDocuments(file)) own.set(doc.metadata.name, doc.data ?? {});
  }
  for (const map of maps) {
    map.data = { ...(map.data ?? {}) };
    if (settings === "project") Object.assign(map.data, own.get(map.metadata.name) ?? {});
    // There is no image registry to reach: tags are left as they are.
    if (map.metadata.name === "config-deployment") {
      map.data["queue-sidecar-image"] = "skiff.test/knative-queue:unused";
      map.data["registries-skipping-tag-resolving"] =
        "kind.local,ko.local,dev.local,ghcr.io,quay.io,docker.io,index.docker.io,skiff.test";
    }
  }
  return maps;
}

/** Writes those ConfigMaps as one List into `dir`, for `kubectl apply -f`, and answers its path. */
export function writeKnativeSettings(
  dir: string,
  knativeDir: string,
  settings: KnativeSettings,
): string {
  const file = join(dir, `knative-config-${settings}-${process.pid}.json`);
  const items = knativeConfigMaps(knativeDir, settings);
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  return file;
}
