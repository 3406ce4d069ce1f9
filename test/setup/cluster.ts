/**
 * @module test/setup/cluster
 * Starts one real control plane (toolchain/control-plane/plane.ts) for the whole test run, on
 * loopback in a temporary folder, and stops every process of it when the run ends.
 *
 * It starts in the background, so that the suites that do not need it run meanwhile; the cluster
 * suites wait for it through test/cluster/plane.ts, which reads the state file named here. Only
 * the `cluster` project lists this setup, and vitest runs a project's setups only when the run
 * holds one of its test files, so a run of other tiers (`vitest run --project unit`,
 * `vitest run test/chart`) does not start it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureControlPlane } from "../../toolchain/control-plane/build.ts";
import { type ControlPlane, startControlPlane } from "../../toolchain/control-plane/plane.ts";

declare module "vitest" {
  export interface ProvidedContext {
    /** Where the plane writes {ready: ClusterState} or {error} once it has started or failed. */
    clusterStateFile: string;
  }
}

let dir: string | undefined;
let starting: Promise<ControlPlane | undefined> | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "skiff-test-cluster-"));
  const stateFile = join(dir, "state.json");
  project.provide("clusterStateFile", stateFile);
  const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);
  const tools = await ensureControlPlane(log);
  const started = Date.now();
  starting = startControlPlane({ tools, dir, log }).then(
    (plane) => {
      log(
        `control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${plane.server}`,
      );
      writeFileSync(
        stateFile,
        JSON.stringify({
          ready: {
            server: plane.server,
            token: plane.token,
            caPem: plane.caPem,
            kubeconfig: plane.kubeconfig,
            auditLog: plane.auditLog,
            kubectl: tools.bin("kubectl"),
            knativeDir: tools.knativeDir,
            nodeName: plane.nodeName,
            dir,
          },
        }),
      );
      return plane;
    },
    (error: Error) => {
      log(`control plane failed to start: ${error.message}`);
      writeFileSync(stateFile, JSON.stringify({ error: error.message }));
      return undefined;
    },
  );
}

export async function teardown(): Promise<void> {
  const plane = await starting;
  await plane?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
