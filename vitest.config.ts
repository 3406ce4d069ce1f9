import { defineConfig } from "vitest/config";

const MINIO = "test/setup/minio.ts";
const PYTHON = "test/setup/python.ts";
const CLUSTER = "test/setup/cluster.ts";

/**
 * One project per tier, each with only the global setups its suites inject: a run of one tier
 * (`vitest run --project unit`, or paths inside one tier) starts nothing the others need, and a
 * setup runs only when its project has a test file in the run.
 */
const tier = (name: string, globalSetup: string[] = []) => ({
  extends: true as const,
  test: { name, include: [`test/${name}/**/*.test.ts`], globalSetup },
});

export default defineConfig({
  test: {
    projects: [
      tier("unit"),
      tier("integration", [MINIO, PYTHON]),
      tier("e2e", [MINIO, PYTHON]),
      tier("chart"),
      // train's Jobs run against the test MinIO and serve loads Python's models; the plane boots
      // in the background while the other tiers run.
      tier("cluster", [MINIO, PYTHON, CLUSTER]),
    ],
    // Every project extends these; a globalSetup here would start with every tier.
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: keep suites from starving each other of CPU while MinIO runs too.
    maxWorkers: 2,
  },
});
