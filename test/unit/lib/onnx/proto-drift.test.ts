/**
 * @module test/unit/lib/onnx/proto-drift
 * The checked-in onnx_pb.ts is exactly what the checked-in onnx.proto and buf.gen.yaml make:
 * an edited proto, template or plugin release without `npm run generate:onnx`, or a hand edit
 * of the generated file, fails here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  generateOnnx,
  ONNX_GENERATED_FILE,
  ONNX_PROTO_DIR,
} from "../../../../toolchain/generate-onnx.ts";

const outDir = mkdtempSync(join(tmpdir(), "skiff-onnx-pb-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("functions/lib/onnx/proto", () => {
  it("onnx_pb.ts is what npm run generate:onnx makes from onnx.proto", async () => {
    const generated = await generateOnnx(outDir);
    expect(generated).toBe(join(outDir, ONNX_GENERATED_FILE));
    const fresh = readFileSync(generated, "utf8");
    const checkedIn = readFileSync(join(ONNX_PROTO_DIR, ONNX_GENERATED_FILE), "utf8");
    // A plain equality, so a failure shows the difference and not only that there is one.
    expect(checkedIn, "run `npm run generate:onnx` and commit onnx_pb.ts").toEqual(fresh);
  });
});
