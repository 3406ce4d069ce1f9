/**
 * @module toolchain/build
 * Bundles each deployed entry point into `dist/<name>.mjs` with esbuild, for the image: plain
 * `node dist/<name>.mjs` starts a function with no TypeScript transform and one file to parse.
 * The chart's container commands are exactly `["node", "dist/<name>.mjs"]`; a training Job's is
 * `["node", "dist/train-job.mjs", <run id>]`, and the train function's inline executor starts
 * the same file as a child process, found next to its own bundle.
 *
 * Kept out of the bundles, loaded from the image's `node_modules` (installed with
 * `npm ci --omit=dev`): onnxruntime-node (a native addon found relative to its package) and
 * swagger-ui-dist (info serves its files from its own folder, found through `__dirname`).
 *
 * Beside them goes `toolchain/compile-cache.mjs`, the image build's own step (it fills Node's
 * compile cache for the bundles), so that the runtime stage needs no TypeScript transform.
 *
 * Run with `npm run build` (into ./dist) or `tsx toolchain/build.ts <outDir>`.
 */
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Entry points baked into the image, by the name the chart runs them under. */
export const IMAGE_ENTRIES = {
  info: "functions/info/main.ts",
  serve: "functions/serve/main.ts",
  "not-found": "functions/not-found/main.ts",
  bootstrap: "functions/bootstrap/main.ts",
  train: "functions/train/main.ts",
  "train-job": "functions/train/runs/job-main.ts",
} as const;

export type ImageEntry = keyof typeof IMAGE_ENTRIES;

/** Packages that must be loaded from node_modules as they are. */
export const EXTERNAL_PACKAGES = ["onnxruntime-node", "swagger-ui-dist"];

/**
 * How every bundle is built, the image's and the benchmarks' alike: one ES module for Node 20+,
 * EXTERNAL_PACKAGES left to node_modules. Bundled CommonJS packages still call require() for
 * Node's built-ins, so the banner gives the module one.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: EXTERNAL_PACKAGES,
  banner: {
    js: [
      'import { createRequire as __skiffCreateRequire } from "node:module";',
      "const require = __skiffCreateRequire(import.meta.url);",
    ].join("\n"),
  },
  legalComments: "none",
  logLevel: "warning",
} satisfies BuildOptions;

/**
 * Modules that locate other bundles through `import.meta.url` and so must keep the bundle's own
 * URL: train's job-command.ts finds `train-job.mjs` next to the bundle it runs in (from the
 * sources it sees its `.ts` URL and starts job-main.ts with tsx instead).
 */
export const BUNDLE_RELATIVE_MODULES = ["functions/train/executors/job-command.ts"];

/**
 * skiff's modules find files next to their source through `import.meta.url` (product.ts reads
 * package.json). In a bundle that URL is dist/<name>.mjs, so each module gets back its own
 * source location, computed at run time from the bundle's place: the checkout root is always
 * the bundle's parent folder, in the image as here. BUNDLE_RELATIVE_MODULES are left as they are.
 */
const sourceRelativeUrls: Plugin = {
  name: "source-relative-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /[\\/]functions[\\/].*\.ts$/ }, async ({ path }) => {
      const fromRoot = relative(root, path).split("\\").join("/");
      if (BUNDLE_RELATIVE_MODULES.includes(fromRoot)) return undefined;
      const text = await readFile(path, "utf8");
      const url = `new URL(${JSON.stringify(fromRoot)}, new URL("../", import.meta.url)).href`;
      return { contents: text.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

/** The image build's compile-cache step, under outDir but not among the bundles it caches. */
export const COMPILE_CACHE_SCRIPT = "toolchain/compile-cache.mjs";

export interface BuildResult {
  outDir: string;
  files: Record<ImageEntry, string>;
  /** The bundled compile-cache step: `node <it> <outDir> [node flags…]`. */
  compileCache: string;
  millis: number;
}

/** Builds every image entry into `outDir` (default: ./dist). */
export async function buildImage(outDir = join(root, "dist")): Promise<BuildResult> {
  const started = performance.now();
  const names = Object.keys(IMAGE_ENTRIES) as ImageEntry[];
  const files = Object.fromEntries(
    names.map((name) => [name, join(outDir, `${name}.mjs`)]),
  ) as Record<ImageEntry, string>;
  await build({
    entryPoints: names.map((name) => ({ in: join(root, IMAGE_ENTRIES[name]), out: name })),
    outdir: outDir,
    outExtension: { ".js": ".mjs" },
    ...BUNDLE_OPTIONS,
    splitting: false,
    plugins: [sourceRelativeUrls],
  });
  const compileCache = join(outDir, COMPILE_CACHE_SCRIPT);
  await build({
    entryPoints: [join(root, "toolchain/compile-cache.ts")],
    outfile: compileCache,
    ...BUNDLE_OPTIONS,
  });
  return { outDir, files, compileCache, millis: performance.now() - started };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await buildImage(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(
    `built ${[...Object.values(result.files), result.compileCache]
      .map((file) => relative(process.cwd(), file))
      .join(", ")} in ${Math.round(result.millis)} ms\n`,
  );
}
