/**
 * Starts one real MinIO server for the whole test run, on a free loopback port with a
 * temporary data folder, and hands its address to the suites of every project that lists this
 * setup (test/setup/shared.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type RunningMinio, startMinio } from "../../minio/launcher.ts";
import { ensureTool } from "../../toolchain/tools.ts";
import { shared } from "./shared.ts";

declare module "vitest" {
  export interface ProvidedContext {
    minio: { endpoint: string; accessKey: string; secretKey: string };
  }
}

interface TestMinio {
  server: RunningMinio;
  dataDir: string;
}

const credentials = { accessKey: "skiff-test", secretKey: "skiff-test-secret" };

const minio = shared<TestMinio>(
  "minio",
  async () => {
    const binary = await ensureTool("minio");
    const dataDir = mkdtempSync(join(tmpdir(), "skiff-test-minio-"));
    try {
      const server = await startMinio({
        binary,
        dataDir,
        ...credentials,
        onOutput: (line) => process.stderr.write(`minio: ${line}\n`),
      });
      return { server, dataDir };
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  },
  async ({ server, dataDir }) => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  },
);

export async function setup(project: TestProject): Promise<void> {
  const { server } = await minio.acquire();
  project.provide("minio", { endpoint: server.endpoint, ...credentials });
}

export function teardown(): Promise<void> {
  return minio.release();
}
