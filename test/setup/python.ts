/**
 * @module test/setup/python
 * Gives the suites a real Python with scikit-learn, skl2onnx and the Triton HTTP client, and a
 * fresh folder of scikit-learn ONNX models with the answers scikit-learn itself gives for them.
 *
 * The virtual environment is built once per (requirements.txt, Python version) under
 * `${XDG_CACHE_HOME:-~/.cache}/skiff/python/<hash>` (toolchain/python-venv.ts) and reused by
 * every later run; the models are regenerated each run because that takes seconds and keeps
 * them in step with `make_models.py`. Every project that lists this setup shares the one folder
 * (test/setup/shared.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { ensureVenv, run } from "../../toolchain/python-venv.ts";
import { shared } from "./shared.ts";

declare module "vitest" {
  export interface ProvidedContext {
    python: {
      /** The virtual environment's interpreter: run scripts and `-m` modules with it. */
      bin: string;
      /** Holds the models make_models.py writes (iris*.onnx, diabetes.onnx, ...) and expected.json. */
      models: string;
    };
  }
}

const requirementsFile = fileURLToPath(new URL("../python/requirements.txt", import.meta.url));
const makeModelsScript = fileURLToPath(new URL("../python/make_models.py", import.meta.url));

const log = (line: string) => process.stderr.write(`python: ${line}\n`);

/** The pinned environment's interpreter, building the environment first if this machine has none. */
export function testPython(progress: (line: string) => void = log): Promise<string> {
  return ensureVenv(requirementsFile, "test environment", progress);
}

/** Runs make_models.py with `bin` into a fresh folder, and answers the folder. */
export async function makeModels(bin: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "skiff-test-models-"));
  const made = await run(bin, [makeModelsScript, dir]);
  if (made.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`make_models.py failed (exit ${made.code}):\n${made.output}`);
  }
  return dir;
}

const python = shared(
  "python",
  async () => {
    const bin = await testPython();
    return { bin, models: await makeModels(bin) };
  },
  async ({ models }) => rmSync(models, { recursive: true, force: true }),
);

export async function setup(project: TestProject): Promise<void> {
  project.provide("python", await python.acquire());
}

export function teardown(): Promise<void> {
  return python.release();
}
