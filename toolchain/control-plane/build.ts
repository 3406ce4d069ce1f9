/**
 * @module toolchain/control-plane/build
 * Builds, once, the Kubernetes control plane the chart tests install into: etcd,
 * kube-apiserver, kubectl, kube-controller-manager and kube-scheduler from their Go modules,
 * Knative Serving's webhook, controller and autoscaler, and kwok for fake nodes, at the versions
 * pinned in versions.env. Only the linked binaries and the Knative manifests they need are kept,
 * under the skiff tools cache in a folder named after those versions (a tenth of the size of Go's
 * build cache); a later run finds them there and builds nothing.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { findGo, isExecutable, runGo } from "../go.ts";
import { cacheRoot } from "../tools.ts";
import {
  type ControlPlaneVersions,
  controlPlaneVersions,
  knativeServingModuleVersion,
  kubernetesStagingVersion,
} from "./versions.ts";

export const KUBERNETES_COMMANDS = [
  "kube-apiserver",
  "kubectl",
  "kube-controller-manager",
  "kube-scheduler",
] as const;
export const KNATIVE_COMMANDS = ["webhook", "controller", "autoscaler"] as const;

export interface ControlPlaneTools {
  versions: ControlPlaneVersions;
  /** Binary path by name: etcd, kwok, the Kubernetes commands, knative-<command>. */
  bin: (name: string) => string;
  /** Knative Serving's manifests: crds/, configmaps/, webhooks/. */
  knativeDir: string;
}

export function controlPlaneDir(versions: ControlPlaneVersions = controlPlaneVersions()): string {
  const key = `kubernetes-${versions.kubernetes}_etcd-${versions.etcd}_knative-${versions.knativeServing}_kwok-${versions.kwok}`;
  return join(cacheRoot(), `control-plane-${key}`);
}

const BINARIES = [
  "etcd",
  "kwok",
  ...KUBERNETES_COMMANDS,
  ...KNATIVE_COMMANDS.map((command) => `knative-${command}`),
];

function tools(dir: string, versions: ControlPlaneVersions): ControlPlaneTools {
  return {
    versions,
    bin: (name) => join(dir, "bin", name),
    knativeDir: join(dir, "knative"),
  };
}

/** The built control plane, or undefined when it has not been built at these versions. */
export function locateControlPlane(): ControlPlaneTools | undefined {
  const versions = controlPlaneVersions();
  const dir = controlPlaneDir(versions);
  const found = tools(dir, versions);
  return BINARIES.every((name) => isExecutable(found.bin(name))) ? found : undefined;
}

interface Module {
  Dir: string;
  GoMod: string;
}

async function download(go: string, spec: string, cwd: string): Promise<Module> {
  return JSON.parse(await runGo(go, ["mod", "download", "-json", spec], { cwd, capture: true }));
}

/** A module of our own whose only job is to pin what it builds; `go mod tidy` fills in the rest. */
async function wrapperModule(
  go: string,
  dir: string,
  name: string,
  requires: string[],
  commands: string[],
  replaces: string[] = [],
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const lines = [
    `module skiff.local/control-plane/${name}`,
    "",
    "go 1.25.0",
    "",
    `require (\n${requires.map((line) => `\t${line}`).join("\n")}\n)`,
    replaces.length ? `\nreplace (\n${replaces.map((line) => `\t${line}`).join("\n")}\n)` : "",
    // tool lines keep the requirements through tidy without a Go file that imports them.
    `\ntool (\n${commands.map((line) => `\t${line}`).join("\n")}\n)`,
    "",
  ];
  writeFileSync(join(dir, "go.mod"), lines.join("\n"));
  await runGo(go, ["mod", "tidy"], { cwd: dir });
}

function versionFlags(kubernetes: string): string {
  const [major, minor] = kubernetes.replace(/^v/, "").split(".");
  // Helm and Knative read the server's version: unstamped, it says v0.0.0 and their checks fail.
  return ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${kubernetes}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(" ");
}

async function buildKubernetes(go: string, work: string, bin: string, v: ControlPlaneVersions) {
  const upstream = await download(go, `k8s.io/kubernetes@${v.kubernetes}`, work);
  // Upstream replaces its staging modules with ./staging paths, which only exist in its own
  // checkout: pin each to its published release instead.
  const staging = [
    ...readFileSync(upstream.GoMod, "utf8").matchAll(/^\s*(\S+) => \.\/staging\//gm),
  ].map((match) => `${match[1]} => ${match[1]} ${kubernetesStagingVersion(v.kubernetes)}`);
  const dir = join(work, "kubernetes");
  const commands = KUBERNETES_COMMANDS.map((command) => `k8s.io/kubernetes/cmd/${command}`);
  await wrapperModule(
    go,
    dir,
    "kubernetes",
    [`k8s.io/kubernetes ${v.kubernetes}`],
    commands,
    staging,
  );
  await runGo(
    go,
    ["build", "-trimpath", "-ldflags", versionFlags(v.kubernetes), "-o", `${bin}/`, ...commands],
    {
      cwd: dir,
    },
  );
}

async function buildEtcd(go: string, work: string, bin: string, v: ControlPlaneVersions) {
  const dir = join(work, "etcd");
  const server = "go.etcd.io/etcd/server/v3";
  await wrapperModule(go, dir, "etcd", [`${server} ${v.etcd}`], [server]);
  await runGo(go, ["build", "-trimpath", "-o", join(bin, "etcd"), server], { cwd: dir });
}

async function buildKnative(go: string, work: string, out: string, v: ControlPlaneVersions) {
  const dir = join(work, "knative");
  const serving = "knative.dev/serving";
  const version = knativeServingModuleVersion(v.knativeServing);
  const commands = KNATIVE_COMMANDS.map((command) => `${serving}/cmd/${command}`);
  await wrapperModule(go, dir, "knative", [`${serving} ${version}`], commands);
  for (const command of KNATIVE_COMMANDS) {
    await runGo(
      go,
      [
        "build",
        "-trimpath",
        "-o",
        join(out, "bin", `knative-${command}`),
        `${serving}/cmd/${command}`,
      ],
      {
        cwd: dir,
      },
    );
  }
  // The manifests come from the same module versions the binaries were built from.
  const moduleDir = async (path: string) =>
    (
      JSON.parse(
        await runGo(go, ["list", "-m", "-json", path], { cwd: dir, capture: true }),
      ) as Module
    ).Dir;
  const servingDir = await moduleDir(serving);
  const networkingDir = await moduleDir("knative.dev/networking");
  const cachingDir = await moduleDir("knative.dev/caching");
  const crds = join(out, "knative", "crds");
  const configMaps = join(out, "knative", "configmaps");
  mkdirSync(crds, { recursive: true });
  mkdirSync(configMaps, { recursive: true });
  const yamlIn = (folder: string) =>
    readdirSync(folder)
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => join(folder, file));
  // Serving's CRDs; networking's (Ingress, Certificate, ServerlessService) with its
  // config-network ConfigMap, which its config folder keeps beside them; and caching's Image,
  // which the controller watches.
  for (const file of [
    ...yamlIn(join(servingDir, "config/core/300-resources")),
    ...yamlIn(join(networkingDir, "config")),
    ...yamlIn(join(cachingDir, "config")),
  ]) {
    const text = readFileSync(file, "utf8");
    const folder = /^kind: CustomResourceDefinition$/m.test(text)
      ? crds
      : /^kind: ConfigMap$/m.test(text)
        ? configMaps
        : undefined;
    if (folder) cpSync(file, join(folder, basename(file)));
  }
  for (const folder of ["configmaps", "webhooks"]) {
    cpSync(join(servingDir, "config/core", folder), join(out, "knative", folder), {
      recursive: true,
      filter: (source) => !source.endsWith(".go") && !source.endsWith("secret.yaml"),
    });
  }
}

async function buildKwok(go: string, bin: string, v: ControlPlaneVersions) {
  await runGo(go, ["install", `sigs.k8s.io/kwok/cmd/kwok@${v.kwok}`], { env: { GOBIN: bin } });
}

/** The control plane's binaries, building them first when this machine has none at these versions. */
export async function ensureControlPlane(
  log: (line: string) => void = (line) => process.stderr.write(`skiff: ${line}\n`),
): Promise<ControlPlaneTools> {
  const found = locateControlPlane();
  if (found) return found;
  const versions = controlPlaneVersions();
  const go = findGo(
    "the test control plane",
    "build it where Go is available and copy ~/.cache/skiff/tools",
  );
  const target = controlPlaneDir(versions);
  const staging = `${target}.partial-${process.pid}`;
  const work = join(tmpdir(), `skiff-control-plane-build-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, "bin"), { recursive: true });
  log(
    `building the test control plane (Kubernetes ${versions.kubernetes}, etcd ${versions.etcd}, Knative Serving ${versions.knativeServing}, kwok ${versions.kwok}) with go build: first run only, about 10 minutes on 2 cores…`,
  );
  const started = Date.now();
  const step = async (what: string, build: () => Promise<void>) => {
    const at = Date.now();
    await build();
    log(`built ${what} in ${Math.round((Date.now() - at) / 1000)} s`);
  };
  try {
    const bin = join(staging, "bin");
    await step("etcd", () => buildEtcd(go, work, bin, versions));
    await step(KUBERNETES_COMMANDS.join(", "), () => buildKubernetes(go, work, bin, versions));
    await step("Knative Serving", () => buildKnative(go, work, staging, versions));
    await step("kwok", () => buildKwok(go, bin, versions));
    // The whole set appears at once, so an interrupted build is never mistaken for a finished one.
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
  }
  log(`built the control plane in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return tools(target, versions);
}
