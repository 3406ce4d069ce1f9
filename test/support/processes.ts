/**
 * Runs a TypeScript entry point (or any command) as a real child process and waits for it to
 * listen; the train function and the local platform started that way.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { freePort } from "../../minio/launcher.ts";
import { testStorageProcessEnv } from "./storage.ts";

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnEntry(entry: string, env: Record<string, string>): Spawned {
  return spawnProcess(process.execPath, ["--import", "tsx", entry], {
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
  });
}

/** `command` with exactly `env` (nothing inherited), its stdout and stderr captured together. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Spawned {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  // A process that cannot be started reports an error (then closes); keep it with the output.
  child.once("error", (error) => {
    text += `${error.message}\n`;
  });
  // "close", not "exit": by then its output has been read to the end.
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => resolve(code)),
  );
  return { child, output: () => text, exited };
}

/** Polls `url` until it answers `status`, or fails with what the process printed. */
export async function waitFor(
  url: string,
  spawned: Spawned,
  status = 200,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null)
      throw new Error(`process exited early:\n${spawned.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      last = `${res.status} ${await res.text()}`;
      if (res.status === status) return;
    } catch (error) {
      last = String(error); // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} in time (last: ${last}):\n${spawned.output()}`);
}

/** `url` answering 200; a process that never gets there is killed, as no caller holds it yet. */
async function listening(url: string, spawned: Spawned): Promise<void> {
  try {
    await waitFor(url, spawned);
  } catch (error) {
    spawned.child.kill("SIGKILL");
    throw error;
  }
}

/** functions/train/main.ts over the test run's MinIO bucket `bucket`, ready; `settings` over it. */
export async function startTrainProcess(
  bucket: string,
  settings: Record<string, string>,
): Promise<{ spawned: Spawned; port: number }> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const spawned = spawnEntry("functions/train/main.ts", {
    ...testStorageProcessEnv(bucket),
    PORT: String(port),
    SKIFF_ADMIN_PORT: String(adminPort),
    ...settings,
  });
  await listening(`http://127.0.0.1:${adminPort}/readyz`, spawned);
  return { spawned, port };
}

/** local/start.ts keeping its storage in `dataDir`, answering at `base`; `settings` over it. */
export async function startLocalPlatform(
  dataDir: string,
  settings: Record<string, string> = {},
): Promise<{ spawned: Spawned; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const spawned = spawnEntry("local/start.ts", {
    PORT: String(port),
    SKIFF_ADMIN_PORT: "0",
    SKIFF_DATA_DIR: dataDir,
    ...settings,
  });
  await listening(`${base}/info`, spawned);
  return { spawned, base };
}

/** Pids of processes whose command line contains `needle` (Linux /proc). */
export function pidsMatching(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
