/**
 * @module toolchain/control-plane/daemon
 * One long-running process of the control plane: started with its output in a log file of the
 * run's folder (these servers are chatty), waited on until it answers, and stopped with SIGTERM,
 * then SIGKILL, so that no process outlives the test run.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Daemon {
  name: string;
  logFile: string;
  child: ChildProcess;
  /** The last lines of its log, for an error message. */
  tail(lines?: number): string;
  stop(graceMs?: number): Promise<void>;
}

export interface DaemonOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  dir: string;
  /** Resolves true once the process serves; polled until timeoutMs. */
  ready?: () => Promise<boolean>;
  timeoutMs?: number;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const logFile = join(options.dir, `${options.name}.log`);
  const fd = openSync(logFile, "a");
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => {});
  const tail = (lines = 30) => {
    try {
      return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "";
    }
  };
  const daemon: Daemon = {
    name: options.name,
    logFile,
    child,
    tail,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  if (!options.ready) return daemon;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${options.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail()}`,
      );
    }
    if (await options.ready().catch(() => false)) return daemon;
    await sleep(200);
  }
  await daemon.stop(1000);
  throw new Error(`${options.name} did not become ready within ${timeoutMs} ms:\n${tail()}`);
}
