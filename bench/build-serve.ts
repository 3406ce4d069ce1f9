/**
 * Bundles the serve entry (and the bare Hono baseline, so the two cold starts compare like with
 * like) into dist/ with esbuild: one file to parse instead of hundreds of modules, and no tsx
 * transform at start. onnxruntime-node stays external because it loads a native addon from
 * paths relative to its own package.
 *
 * dist/serve.mjs is a two-line launcher: it turns on Node's compile cache (Node ≥ 22.1; absent
 * on 20) before the bundle is imported, so the bundle itself is what gets cached.
 *
 * Run alone with `npm run build`; bench/serve.ts calls buildServe() itself.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Packages whose code must be loaded from node_modules as is. */
export const EXTERNAL = ["onnxruntime-node"];

// CommonJS packages inside an ESM bundle still call require() for Node's built-ins.
const banner = [
  'import { createRequire as __skiffCreateRequire } from "node:module";',
  "const require = __skiffCreateRequire(import.meta.url);",
].join("\n");

const launcher = `import module from "node:module";
// Absent before Node 22.1; the bundle then compiles from source on every start.
module.enableCompileCache?.();
await import("./serve.bundle.mjs");
`;

/**
 * skiff's own modules read files next to their source (product.ts reads package.json through
 * `import.meta.url`); inside the bundle that URL would point into dist/, so each keeps its own.
 */
const sourceUrls: Plugin = {
  name: "source-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\/functions\/.*\.ts$/ }, async ({ path }) => {
      const text = await readFile(path, "utf8");
      return {
        contents: text.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(path).href)),
        loader: "ts",
      };
    });
  },
};

export interface BuiltServe {
  /** The serve entry to run with plain `node`. */
  serve: string;
  bareHono: string;
  millis: number;
}

export async function buildServe(outDir = join(root, "dist")): Promise<BuiltServe> {
  const started = performance.now();
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: EXTERNAL,
    banner: { js: banner },
    logLevel: "warning",
    legalComments: "none",
    plugins: [sourceUrls],
  } as const;
  await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, "functions/serve/main.ts")],
      outfile: join(outDir, "serve.bundle.mjs"),
    }),
    build({
      ...common,
      entryPoints: [join(root, "bench/bare-hono.ts")],
      outfile: join(outDir, "bare-hono.mjs"),
    }),
  ]);
  const serve = join(outDir, "serve.mjs");
  mkdirSync(dirname(serve), { recursive: true });
  writeFileSync(serve, launcher);
  return {
    serve,
    bareHono: join(outDir, "bare-hono.mjs"),
    millis: performance.now() - started,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildServe();
  process.stdout.write(
    `built ${built.serve} and ${built.bareHono} in ${Math.round(built.millis)} ms\n`,
  );
}
