/**
 * @module toolchain/python-venv
 * Python virtual environments built from a pinned requirements file, once per (file contents,
 * Python version), under `${XDG_CACHE_HOME:-~/.cache}/skiff/python/<hash>`, and reused by every
 * later run. The test setup and the benchmarks against Python model servers both build theirs
 * here, so each requirements file has exactly one cached environment on a machine.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface Run {
  code: number | null;
  output: string;
}

/** Runs a command; with `show`, its output goes straight to our stderr as it happens. */
export function run(command: string, args: string[], show = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      // fd 2 for both: progress belongs on stderr, and pip draws its bars only on a terminal.
      stdio: show ? ["ignore", 2, 2] : ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

async function basePythonVersion(): Promise<string> {
  const probe = "import sys; print(sys.version_info >= (3, 11)); print(sys.version)";
  let result: Run;
  try {
    result = await run("python3", ["-c", probe]);
  } catch {
    throw new Error(
      "python3 is not on the PATH: skiff's Python tools need Python ≥ 3.11 with venv",
    );
  }
  const [recent, version] = result.output.trim().split("\n");
  if (result.code !== 0 || !version) {
    throw new Error(`python3 -c failed (exit ${result.code}):\n${result.output}`);
  }
  if (recent !== "True")
    throw new Error(`skiff's Python tools need Python ≥ 3.11, found ${version}`);
  return version;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes staging folders that a killed run left behind; a live run's stays untouched. */
function removeAbandoned(root: string, name: string): void {
  const prefix = `${name}.partial-`;
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length));
    if (Number.isInteger(pid) && !isAlive(pid)) {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
}

/**
 * A venv records its folder's absolute path: in pip's and the other scripts' shebangs, in the
 * activate scripts, and in pyvenv.cfg. Rewriting them before the rename keeps the finished venv
 * usable from a shell too, not only through its python.
 */
function retarget(staging: string, target: string): void {
  const bin = join(staging, "bin");
  const files = [join(staging, "pyvenv.cfg"), ...readdirSync(bin).map((entry) => join(bin, entry))];
  for (const file of files) {
    if (!lstatSync(file).isFile()) continue;
    const bytes = readFileSync(file);
    if (bytes.includes(0) || !bytes.includes(staging)) continue;
    writeFileSync(file, bytes.toString("utf8").replaceAll(staging, target));
  }
}

/**
 * The interpreter of the environment `requirementsFile` describes, building it first when this
 * machine has none yet. `purpose` names it in the progress lines (`log`).
 */
export async function ensureVenv(
  requirementsFile: string,
  purpose: string,
  log: (line: string) => void,
): Promise<string> {
  const version = await basePythonVersion();
  const requirements = readFileSync(requirementsFile);
  const key = createHash("sha256")
    .update(requirements)
    .update("\0")
    .update(version)
    .digest("hex")
    .slice(0, 12);
  const root = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "skiff", "python");
  const target = join(root, key);
  const python = join(target, "bin", "python");
  // The finished venv only ever appears by rename, so its existence means it is complete.
  if (existsSync(python)) return python;

  mkdirSync(root, { recursive: true });
  removeAbandoned(root, key);
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  log(`creating the ${purpose} for Python ${version.split(" ")[0]} (first run only)…`);
  const started = Date.now();
  const venv = await run("python3", ["-m", "venv", staging], true);
  if (venv.code !== 0) {
    throw new Error(`python3 -m venv failed (exit ${venv.code}); Debian needs python3-venv`);
  }
  const pip = await run(
    join(staging, "bin", "python"),
    [
      "-m",
      "pip",
      "install",
      "--disable-pip-version-check",
      "--no-input",
      // Wheels only: a source build would need compilers and make the resolve machine-specific.
      "--only-binary=:all:",
      "-r",
      requirementsFile,
    ],
    true,
  );
  if (pip.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`pip install -r ${requirementsFile} failed (exit ${pip.code}); see above`);
  }
  retarget(staging, target);
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another run finished the same environment first; theirs is as good as ours.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(python)) throw error;
  }
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s → ${target}`);
  return python;
}
