/**
 * @module toolchain/go
 * Runs the Go toolchain for the tools skiff builds from Go modules (MinIO, Helm, the control
 * plane): one place that finds `go`, says what to do when it is missing, and shows the build's
 * progress as it runs.
 */
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/** The `go` binary, or an error that says what `what` needs it for and how to get it. */
export function findGo(what: string, alternative: string): string {
  const go = onPath("go");
  if (!go) {
    throw new Error(
      `${what} is not installed and Go is needed to build it: install Go ≥ 1.25 (https://go.dev/doc/install or apt-get install golang), or ${alternative}`,
    );
  }
  return go;
}

export interface GoRun {
  cwd?: string;
  env?: Record<string, string>;
  /** Keep stdout to return it instead of showing it (for `go env`, `go mod download -json`). */
  capture?: boolean;
}

/** Runs `go args…`; rejects with the command line when it fails. */
export function runGo(go: string, args: string[], options: GoRun = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, {
      cwd: options.cwd,
      // A static build needs no C toolchain and runs on any Linux of the same architecture.
      env: { ...process.env, CGO_ENABLED: process.env.CGO_ENABLED ?? "0", ...options.env },
      stdio: ["ignore", options.capture ? "pipe" : "inherit", "inherit"],
    });
    let output = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`go ${args.join(" ")} failed (exit ${code})`)),
    );
  });
}
