/**
 * Child processes pinned to one core, and a minimal HTTP client to poll them. The client is
 * node:http without keep-alive, so each poll is one connect, as a first request after a scale
 * from zero is, and no connection pool is warmed by earlier polls.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";

export interface Pinned {
  child: ChildProcess;
  /** What the process wrote on stderr (and stdout when not sent elsewhere), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface PinOptions {
  core: number;
  /** The program to run: this node unless given (a Python server's interpreter, say). */
  command?: string;
  /** Arguments after the program. */
  args: string[];
  env: Record<string, string>;
  /** A file descriptor for stdout, or "ignore"; "pipe" (the default) keeps it for output(). */
  stdout?: number | "ignore" | "pipe";
  /** As stdout: a server that logs every request on stderr would otherwise feed it to us. */
  stderr?: number | "pipe";
  cwd: string;
}

/** A fixed, small environment so nothing from the caller's shell changes what is measured. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "XDG_CACHE_HOME"]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

const live = new Set<ChildProcess>();

/** Remembers `child` until it exits, so stopAllChildren() can end it. */
export function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/** Ends every tracked child still running: for an orchestrator that is told to stop. */
export function stopAllChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}

export function spawnPinned(options: PinOptions): Pinned {
  const command = options.command ?? process.execPath;
  const child = spawn("taskset", ["-c", String(options.core), command, ...options.args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", options.stdout ?? "pipe", options.stderr ?? "pipe"],
  });
  track(child);
  let text = "";
  const keep = (chunk: Buffer) => {
    // Bounded: a long run's output would otherwise pile up in the orchestrator.
    if (text.length < 64_000) text += chunk.toString();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, output: () => text, stop };
}

/**
 * Runs a pinned child to its end and answers its stdout; fails with its stderr unless it exits 0
 * (or when `timeoutMs` passes first: it is killed then).
 */
export function runPinned(
  core: number,
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  timeoutMs?: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("taskset", ["-c", String(core), command, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < 64_000) err += chunk.toString();
    });
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    // "close", not "exit": only then has all of stdout been read.
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${err}`));
    });
  });
}

/** The last line of a child's stdout, as JSON. */
export function lastJsonLine<T>(out: string): T {
  const line = out.trim().split("\n").at(-1);
  if (!line) throw new Error("the child printed nothing");
  return JSON.parse(line) as T;
}

export interface Answer {
  status: number;
  body: string;
}

export function send(
  method: "GET" | "POST",
  url: string,
  body?: string,
  timeoutMs = 30_000,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Milliseconds from `since` until `url` answers 200 (and, with `accept`, an answer it accepts),
 * polling every `pollMs`. A request the server holds (serve keeps a request for a model that is
 * still loading) counts until it answers.
 */
export async function untilOk(
  pinned: Pinned,
  method: "GET" | "POST",
  url: string,
  body: string | undefined,
  since: number,
  pollMs = 5,
  timeoutMs = 60_000,
  accept: (body: string) => boolean = () => true,
): Promise<number> {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (pinned.child.exitCode !== null)
      throw new Error(`process exited with ${pinned.child.exitCode}:\n${pinned.output()}`);
    try {
      const answer = await send(method, url, body);
      if (answer.status === 200 && accept(answer.body)) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(pollMs);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${pinned.output()}`);
}
