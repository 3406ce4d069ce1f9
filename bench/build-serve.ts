/**
 * The bundles the serve benchmark starts:
 *
 * - serve as the image ships it: `toolchain/build.ts` (the project's `npm run build`) bundles
 *   every entry point into dist/<name>.mjs, and the chart runs `node dist/serve.mjs`;
 * - dist/bench/bare-hono.mjs, the bare Hono baseline bundled the same way, so the two cold
 *   starts compare like with like;
 * - dist/bench/lean-ort.mjs, the lean route (bench/lean-ort.ts), bundled the same way.
 *
 * onnxruntime-node stays external everywhere: it loads a native addon relative to its package.
 * Run alone with `node --import tsx bench/build-serve.ts`; bench/serve.ts calls buildServe().
 */
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, stop as stopEsbuild } from "esbuild";
import { BUNDLE_OPTIONS, buildImage } from "../toolchain/build.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildServe();
  process.stdout.write(
    `built ${relative(process.cwd(), built.serve)}, ${relative(process.cwd(), built.bareHono)} and ${relative(process.cwd(), built.leanOrt)} in ${Math.round(built.millis)} ms\n`,
  );
}

/** Stops esbuild's service process, which would otherwise keep running through measurements. */
function doneBuilding(): Promise<void> {
  return stopEsbuild();
}
