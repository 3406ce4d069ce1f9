import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/minio.ts", "test/setup/python.ts", "test/setup/cluster.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: keep suites from starving each other of CPU while MinIO runs too.
    maxWorkers: 2,
  },
});
