/**
 * Starts one real MinIO server for the whole test run, on a free loopback port with a
 * temporary data folder, and hands its address to the suites.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type RunningMinio, startMinio } from "../../minio/launcher.ts";
import { ensureTool } from "../../toolchain/tools.ts";

declare module "vitest" {
  export interface ProvidedContext {
    minio: { endpoint: string; accessKey: string; secretKey: string };
  }
}

let minio: RunningMinio | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const binary = await ensureTool("minio");
  dataDir = mkdtempSync(join(tmpdir(), "skiff-test-minio-"));
  const credentials = { accessKey: "skiff-test", secretKey: "skiff-test-secret" };
  minio = await startMinio({
    binary,
    dataDir,
    ...credentials,
    onOutput: (line) => process.stderr.write(`minio: ${line}\n`),
  });
  project.provide("minio", { endpoint: minio.endpoint, ...credentials });
}

export async function teardown(): Promise<void> {
  await minio?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
