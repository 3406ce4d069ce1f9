import { describe, expect, it } from "vitest";
import { helm } from "./helm.ts";
import { CHART_DIR, valueArgs } from "./render.ts";
import { VALUE_SETS } from "./value-sets.ts";

describe("helm lint --strict", { timeout: 60_000 }, () => {
  it.each(Object.entries(VALUE_SETS))("passes with %s", async (_name, values) => {
    const output = await helm(["lint", "--strict", CHART_DIR, ...valueArgs(values)]);
    expect(output).toContain("0 chart(s) failed");
  });
});
