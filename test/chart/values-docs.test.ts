import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CHART_DIR } from "./render.ts";

/** Dotted paths of every key, descending into maps but not into lists. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(child, path)];
  });
}

describe("values.yaml", () => {
  it("documents every key with ## @param (a documented map covers its children)", async () => {
    const text = await readFile(join(CHART_DIR, "values.yaml"), "utf8");
    const params = [...text.matchAll(/^\s*## @param (\S+)/gm)].map((match) => match[1] ?? "");
    const paths = keyPaths(parse(text));
    const isDocumented = (path: string) =>
      params.some((param) => path === param || path.startsWith(`${param}.`));
    const isParent = (path: string) => params.some((param) => param.startsWith(`${path}.`));
    expect(paths.filter((path) => !isDocumented(path) && !isParent(path))).toEqual([]);
    expect(params.filter((param) => !paths.includes(param))).toEqual([]);
  });
});
