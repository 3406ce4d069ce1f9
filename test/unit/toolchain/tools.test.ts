import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cachedPath, ensureTool, locateTool, TOOLS } from "../../../toolchain/tools.ts";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function executable(dir: string, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
  return path;
}

describe("toolchain", () => {
  it("prefers the tool's env variable, then PATH, then the cache", () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-tools-"));
    process.env.XDG_CACHE_HOME = join(dir, "cache");
    process.env.PATH = join(dir, "bin");
    expect(locateTool(TOOLS.helm)).toBeUndefined();

    const cached = cachedPath(TOOLS.helm);
    expect(cached).toBe(join(dir, "cache", "skiff", "tools", `helm-${TOOLS.helm.version}`, "helm"));
    mkdirSync(join(cached, ".."), { recursive: true });
    executable(join(cached, ".."), "helm");
    expect(locateTool(TOOLS.helm)).toBe(cached);

    mkdirSync(join(dir, "bin"));
    const onPath = executable(join(dir, "bin"), "helm");
    expect(locateTool(TOOLS.helm)).toBe(onPath);

    const pinned = executable(dir, "my-helm");
    process.env.SKIFF_HELM_BIN = pinned;
    expect(locateTool(TOOLS.helm)).toBe(pinned);
  });

  it("refuses an env variable that does not point at an executable", () => {
    process.env.SKIFF_MINIO_BIN = "/nonexistent/minio";
    expect(() => locateTool(TOOLS.minio)).toThrow(
      "SKIFF_MINIO_BIN=/nonexistent/minio is not an executable file",
    );
  });

  it("says in one line that Go is needed when the tool must be built and Go is absent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiff-tools-"));
    process.env.XDG_CACHE_HOME = dir;
    process.env.PATH = dir;
    await expect(ensureTool("minio", () => {})).rejects.toThrow(
      /^minio is not installed and Go is needed to build it: install Go/,
    );
  });
});
