/**
 * @module toolchain/generate-onnx
 * Makes functions/lib/onnx/proto/onnx_pb.ts, skiff's ONNX message types, from the onnx.proto
 * checked in beside it: buf runs protoc-gen-es as buf.gen.yaml there says, both the releases
 * package-lock.json pins, and nothing is fetched. After copying in the onnx.proto of a newer
 * onnx release, run `npm run generate:onnx`; the proto-drift unit test fails for as long as the
 * checked-in onnx_pb.ts is not what this makes.
 *
 * Run with `npm run generate:onnx` (into the proto folder) or `tsx toolchain/generate-onnx.ts
 * <outDir>`.
 */
import { spawn } from "node:child_process";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "node_modules", ".bin");

/** Where onnx.proto, buf.gen.yaml and the generated onnx_pb.ts are checked in. */
export const ONNX_PROTO_DIR = join(root, "functions", "lib", "onnx", "proto");

/** The file protoc-gen-es makes from onnx.proto, under the output folder. */
export const ONNX_GENERATED_FILE = "onnx_pb.ts";

/** Generates onnx_pb.ts into `outDir`; rejects with buf's output when buf fails. */
export function generateOnnx(outDir = ONNX_PROTO_DIR): Promise<string> {
  const args = [
    "generate",
    ONNX_PROTO_DIR,
    "--template",
    join(ONNX_PROTO_DIR, "buf.gen.yaml"),
    "--output",
    outDir,
  ];
  return new Promise((done, fail) => {
    const child = spawn(join(bin, "buf"), args, {
      cwd: root,
      // buf.gen.yaml names the plugin by command, so the one in node_modules must come first.
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", fail);
    child.on("close", (code) => {
      if (code === 0) done(join(outDir, ONNX_GENERATED_FILE));
      else fail(new Error(`buf generate failed (exit ${code}):\n${output}`));
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const file = await generateOnnx(process.argv[2] ? resolve(process.argv[2]) : undefined);
    process.stdout.write(`generated ${file}\n`);
  } catch (error) {
    process.stderr.write(`skiff: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
