/**
 * @module toolchain/compile-cache
 * Fills Node's on-disk compile cache for the image's bundles at image build time, so that a
 * function starting after a scale from zero reads V8's compiled code for its bundle instead of
 * parsing and compiling 2–3 MB of JavaScript first. The image sets NODE_COMPILE_CACHE (Node ≥
 * 22.1 reads it; older releases ignore it) and the Dockerfile runs
 * `node dist/toolchain/compile-cache.mjs dist [node flags…]` (this module, bundled by
 * toolchain/build.ts) in the runtime stage, once
 * per set of node flags the chart may start a bundle with: V8 keys its compiled code by its
 * flags, so a cache filled without `--single-threaded` is not read by a process started with it.
 *
 * Each bundle is started once with an empty environment: Node compiles it and everything it
 * imports, the function stops at its first step, reading its configuration, and exits, and
 * Node writes the cache on the way out. Nothing listens and nothing is contacted. Every bundle
 * is then started a second time to see that Node accepts what was written.
 *
 * Node keeps one cache folder per node build and user id, so this must run as the user the
 * containers run as (the chart's runAsUser). A container with a read-only root filesystem reads
 * the folder; under another user id Node finds no folder of its own and compiles as before.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** What every function prints when started without its settings: the sign it got that far. */
const CONFIG_REFUSED = "invalid configuration";
const START_TIMEOUT_MS = 30_000;

export interface CachedBundle {
  bundle: string;
  /** How long the filling start took. */
  millis: number;
}

interface Started {
  code: number | null;
  output: string;
  millis: number;
}

function startUnconfigured(
  node: string,
  flags: readonly string[],
  bundle: string,
  env: NodeJS.ProcessEnv,
): Promise<Started> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(node, [...flags, bundle], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output, millis: performance.now() - started });
    });
  });
}

/** The release has `module.enableCompileCache` and reads NODE_COMPILE_CACHE from 22.1 on. */
function hasCompileCache(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 1);
}

/** The `.mjs` bundles directly in `distDir`, in name order. */
export function bundlesIn(distDir: string): string[] {
  const bundles = readdirSync(distDir)
    .filter((name) => name.endsWith(".mjs"))
    .sort()
    .map((name) => join(resolve(distDir), name));
  if (bundles.length === 0) throw new Error(`${distDir} holds no .mjs bundles`);
  return bundles;
}

/**
 * Fills `cacheDir` for `bundles`, each started as `node [flags] bundle` (the release and flags
 * that will read the cache), and checks Node accepts each bundle's entry.
 */
export async function fillCompileCache(
  node: string,
  nodeVersion: string,
  bundles: readonly string[],
  cacheDir: string,
  flags: readonly string[] = [],
): Promise<CachedBundle[]> {
  if (!hasCompileCache(nodeVersion)) {
    throw new Error(`Node ${nodeVersion} has no compile cache (Node 22.1 added it)`);
  }
  const env = { PATH: process.env.PATH ?? "", NODE_COMPILE_CACHE: cacheDir };
  const cached: CachedBundle[] = [];
  for (const bundle of bundles) {
    const filled = await startUnconfigured(node, flags, bundle, env);
    if (filled.code === 0 || !filled.output.includes(CONFIG_REFUSED)) {
      throw new Error(
        `${bundle} did not stop at its configuration (exit ${filled.code}), so its cache may be partial:\n${filled.output}`,
      );
    }
    const read = await startUnconfigured(node, flags, bundle, {
      ...env,
      NODE_DEBUG_NATIVE: "COMPILE_CACHE",
    });
    const accepted = `cache for ${pathToFileURL(bundle).href} was accepted`;
    if (!read.output.includes(accepted)) {
      throw new Error(`Node did not accept the cache it wrote for ${bundle}:\n${read.output}`);
    }
    cached.push({ bundle, millis: filled.millis });
  }
  return cached;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [distDir, ...flags] = process.argv.slice(2);
  const cacheDir = process.env.NODE_COMPILE_CACHE;
  try {
    if (!distDir) throw new Error("usage: compile-cache.mjs <folder of bundles> [node flags…]");
    if (!cacheDir) throw new Error("NODE_COMPILE_CACHE names no folder to fill");
    const cached = await fillCompileCache(
      process.execPath,
      process.version,
      bundlesIn(distDir),
      cacheDir,
      flags,
    );
    const how = ["node", ...flags].join(" ");
    for (const { bundle, millis } of cached) {
      process.stdout.write(
        `compile cache: ${how} ${bundle} (first start ${Math.round(millis)} ms)\n`,
      );
    }
  } catch (error) {
    process.stderr.write(`skiff: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
