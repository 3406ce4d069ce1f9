/**
 * @module toolchain/tools
 * Finds the real MinIO server and Helm binaries, or builds them once at pinned versions with
 * `go install` into a cache outside the checkout, so later runs start at once.
 *
 * Lookup order per tool: its env variable (SKIFF_MINIO_BIN / SKIFF_HELM_BIN), then the PATH,
 * then the cache, then a build.
 */
import { mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { findGo, isExecutable, onPath, runGo } from "./go.ts";

export interface ToolSpec {
  name: "minio" | "helm";
  envVar: string;
  module: string;
  version: string;
}

/** Pinned versions: bump here, nowhere else. */
export const TOOLS: Record<ToolSpec["name"], ToolSpec> = {
  // MinIO publishes no semver tags; this is the pseudo-version of its newest commit on the module proxy.
  minio: {
    name: "minio",
    envVar: "SKIFF_MINIO_BIN",
    module: "github.com/minio/minio",
    version: "v0.0.0-20260212201848-7aac2a2c5b7c",
  },
  helm: {
    name: "helm",
    envVar: "SKIFF_HELM_BIN",
    module: "helm.sh/helm/v4/cmd/helm",
    version: "v4.3.1",
  },
};

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "skiff", "tools");
}

export function cachedPath(spec: ToolSpec): string {
  return join(cacheRoot(), `${spec.name}-${spec.version}`, spec.name);
}

/** Where the tool is now, without building anything; undefined when it must be built. */
export function locateTool(spec: ToolSpec): string | undefined {
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv))
      throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const installed = onPath(spec.name);
  if (installed) return installed;
  const cached = cachedPath(spec);
  return isExecutable(cached) ? cached : undefined;
}

/** Builds the tool with `go install` into the cache; the build's output is shown as it runs. */
async function buildTool(spec: ToolSpec, log: (line: string) => void): Promise<string> {
  const go = findGo(spec.name, `set ${spec.envVar} to a ${spec.name} binary`);
  const target = cachedPath(spec);
  const staging = `${target}.partial-${process.pid}`;
  mkdirSync(staging, { recursive: true });
  log(`building ${spec.name} ${spec.version} with go install (first run only; a few minutes)…`);
  const started = Date.now();
  // -v prints each package as it is compiled: the progress a user sees.
  await runGo(go, ["install", "-v", `${spec.module}@${spec.version}`], {
    env: { GOBIN: staging },
  });
  // A finished build appears in the cache all at once, so an interrupted one is never mistaken for it.
  mkdirSync(join(target, ".."), { recursive: true });
  rmSync(target, { force: true });
  renameSync(join(staging, spec.name), target);
  rmSync(staging, { recursive: true, force: true });
  log(`built ${spec.name} in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return target;
}

export async function ensureTool(
  name: ToolSpec["name"],
  log: (line: string) => void = (line) => process.stderr.write(`skiff: ${line}\n`),
): Promise<string> {
  const spec = TOOLS[name];
  return locateTool(spec) ?? (await buildTool(spec, log));
}
