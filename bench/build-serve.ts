/**
 * The bundles the serve benchmark starts:
 *
 * - serve as the image ships it: `toolchain/build.ts` (the project's `npm run build`) bundles
 *   every entry point into dist/<name>.mjs, and the chart runs `node dist/serve.mjs`;
 * - dist/bench/bare-hono.mjs, the bare Hono baseline bundled the same way, so the two cold
 *   starts compare like with like;
 * - what-if bundles of serve with source rewrites (bench/profile-serve.ts uses them to measure a
 *   proposed change to functions/ without editing it).
 *
 * onnxruntime-node stays external everywhere: it loads a native addon relative to its package.
 * Run alone with `node --import tsx bench/build-serve.ts`; bench/serve.ts calls buildServe().
 */
import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin, stop as stopEsbuild } from "esbuild";
import { BUNDLE_OPTIONS, buildImage } from "../toolchain/build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Source rewrites by repository path, for what-if builds. Empty for every real bundle.
 */
export type Rewrites = Record<string, (source: string) => string>;

/**
 * skiff's own modules read files next to their source (product.ts reads package.json through
 * `import.meta.url`); inside a bench bundle, which may sit deeper than dist/, that URL would
 * point elsewhere, so each keeps its source's.
 */
export function ownSources(rewrites: Rewrites = {}): Plugin {
  return {
    name: "skiff-sources",
    setup(b) {
      b.onLoad({ filter: /\/functions\/.*\.ts$/ }, async ({ path }) => {
        let text = await readFile(path, "utf8");
        const rewrite = rewrites[relative(root, path)];
        if (rewrite) text = rewrite(text);
        return {
          contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)),
          loader: "ts",
        };
      });
    },
  };
}

export interface BuiltServe {
  /** The serve bundle the image runs, to start with plain `node`. */
  serve: string;
  bareHono: string;
  /** Hono + zod + onnxruntime-node and nothing else (bench/lean-ort.ts). */
  leanOrt: string;
  millis: number;
}

export async function buildServe(): Promise<BuiltServe> {
  const started = performance.now();
  const image = await buildImage(join(root, "dist"));
  const outDir = join(root, "dist", "bench");
  mkdirSync(outDir, { recursive: true });
  const bareHono = join(outDir, "bare-hono.mjs");
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, "bench/bare-hono.ts")],
    outfile: bareHono,
  });
  const leanOrt = join(outDir, "lean-ort.mjs");
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, "bench/lean-ort.ts")],
    outfile: leanOrt,
  });
  await doneBuilding();
  return {
    serve: image.files.serve,
    bareHono,
    leanOrt,
    millis: performance.now() - started,
  };
}

/**
 * serve bundled with `rewrites` applied, as dist/bench/<name>/serve.mjs: inside the checkout, so
 * the bundle finds onnxruntime-node in node_modules. Call doneBuilding() after the last one.
 */
export async function buildWhatIf(name: string, rewrites: Rewrites): Promise<string> {
  const outfile = join(root, "dist", "bench", name, "serve.mjs");
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, "functions/serve/main.ts")],
    outfile,
    plugins: [ownSources(rewrites)],
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildServe();
  process.stdout.write(
    `built ${relative(process.cwd(), built.serve)}, ${relative(process.cwd(), built.bareHono)} and ${relative(process.cwd(), built.leanOrt)} in ${Math.round(built.millis)} ms\n`,
  );
}

/** Stops esbuild's service process, which would otherwise keep running through measurements. */
export function doneBuilding(): Promise<void> {
  return stopEsbuild();
}
