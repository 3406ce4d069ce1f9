/**
 * @module minio/launcher
 * Starts a real MinIO server as a child process on a loopback port and stops it cleanly. Used
 * by local mode (data kept in a folder across restarts) and by the test setup (temp folder).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";

export interface MinioOptions {
  binary: string;
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  accessKey: string;
  secretKey: string;
  /** Called with each line MinIO prints (it is quiet unless something is wrong). */
  onOutput?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface RunningMinio {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A port that was free a moment ago; MinIO binds it itself. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`minio exited with code ${child.exitCode} while starting`);
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`, {
        signal: AbortSignal.timeout(1000),
      });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`minio did not become ready within ${timeoutMs} ms`);
}

export async function startMinio(options: MinioOptions): Promise<RunningMinio> {
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port || (await freePort());
  const consolePort = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    options.binary,
    [
      "server",
      options.dataDir,
      "--address",
      `127.0.0.1:${port}`,
      "--console-address",
      `127.0.0.1:${consolePort}`,
      "--quiet",
    ],
    {
      env: {
        ...process.env,
        MINIO_ROOT_USER: options.accessKey,
        MINIO_ROOT_PASSWORD: options.secretKey,
        MINIO_BROWSER: "off",
        MINIO_UPDATE: "off",
        MINIO_CI_CD: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim()) options.onOutput?.(line);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(endpoint, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, process: child, stop };
}
