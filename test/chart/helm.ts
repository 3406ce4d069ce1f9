import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { locateTool, TOOLS } from "../../toolchain/tools.ts";

const execFileAsync = promisify(execFile);

/** The helm binary the toolchain found or built (`npm test` ensures it before the suites run). */
export function helmBin(): string {
  const path = locateTool(TOOLS.helm);
  if (!path) throw new Error("helm is missing: run `npm run tools` to build it");
  return path;
}

/** Runs helm and returns its stdout; a non-zero exit throws with helm's output (lint reports on stdout). */
export async function helm(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(helmBin(), args, { maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr, message } = error as {
      stdout?: string;
      stderr?: string;
      message: string;
    };
    throw new Error(`helm ${args.join(" ")} failed:\n${stderr || message}\n${stdout ?? ""}`);
  }
}
