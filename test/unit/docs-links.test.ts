/**
 * Every relative link in README.md and docs/*.md names a file that exists, and every #anchor
 * names a heading of the file it points into, slugged as GitHub slugs headings.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DOCS = join(ROOT, "docs");

const documents = [
  join(ROOT, "README.md"),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(DOCS, name)),
];

/** The text outside fenced code blocks, with inline code spans blanked out. */
function prose(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const opening = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence === undefined && opening) {
      fence = opening;
      lines.push("");
    } else if (fence !== undefined) {
      if (line.trim().startsWith(fence)) fence = undefined;
      lines.push("");
    } else {
      lines.push(line.replace(/(`+)[\s\S]*?\1/g, "code"));
    }
  }
  return lines.join("\n");
}

/** GitHub's heading anchor: lower case, punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The anchors a markdown file defines, numbered like GitHub's for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const opening = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (fence === undefined && opening) fence = opening;
    else if (fence !== undefined && line.trim().startsWith(fence)) fence = undefined;
    else if (fence === undefined) {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
      if (heading === undefined) continue;
      const base = slug(heading);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      found.add(count === 0 ? base : `${base}-${count}`);
    }
  }
  return found;
}

/** Inline links and images: [text](target) and ![alt](target "title"). */
function links(markdown: string): string[] {
  const pattern = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  return [...prose(markdown).matchAll(pattern)].map((match) => match[1] ?? "");
}

interface Broken {
  file: string;
  link: string;
  problem: string;
}

function check(file: string): Broken[] {
  const broken: Broken[] = [];
  const name = relative(ROOT, file);
  for (const link of links(readFileSync(file, "utf8"))) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto:, ...
    const hash = link.indexOf("#");
    const path = decodeURIComponent(hash === -1 ? link : link.slice(0, hash));
    const anchor = hash === -1 ? undefined : decodeURIComponent(link.slice(hash + 1));
    const target = path === "" ? file : resolve(dirname(file), path);
    if (!existsSync(target)) {
      broken.push({ file: name, link, problem: `${relative(ROOT, target)} does not exist` });
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(target).isDirectory() || !target.endsWith(".md")) {
      broken.push({ file: name, link, problem: "an anchor into a file that is not markdown" });
    } else if (!anchors(readFileSync(target, "utf8")).has(anchor)) {
      broken.push({
        file: name,
        link,
        problem: `no heading of ${relative(ROOT, target)} has the anchor #${anchor}`,
      });
    }
  }
  return broken;
}

describe("documentation links", () => {
  it("slugs headings as GitHub does", () => {
    expect(slug("Install on Kubernetes (minikube)")).toBe("install-on-kubernetes-minikube");
    expect(slug("Against MLServer, KServe and FastAPI + scikit-learn")).toBe(
      "against-mlserver-kserve-and-fastapi--scikit-learn",
    );
    expect(slug("Loading, caching, following aliases")).toBe("loading-caching-following-aliases");
    expect(slug("train's settings")).toBe("trains-settings");
    expect(slug("The `serve` function")).toBe("the-serve-function");
    expect(slug("Ünïcode and snake_case")).toBe("ünïcode-and-snake_case");
    expect([...anchors("# A\n## A\n```\n# not a heading\n```\n### A")]).toEqual([
      "a",
      "a-1",
      "a-2",
    ]);
  });

  it("finds links outside code only", () => {
    const text = '[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n![d](img.svg "t") [`e`](f.md#g)';
    expect(links(text)).toEqual(["x.md", "img.svg", "f.md#g"]);
  });

  it("resolves every relative link and anchor in README.md and docs/", () => {
    expect(documents.length).toBeGreaterThan(1);
    expect(documents.flatMap(check)).toEqual([]);
  });

  it("links every file in docs/ from the README", () => {
    const linked = new Set(
      links(readFileSync(join(ROOT, "README.md"), "utf8")).map((link) => link.split("#")[0]),
    );
    const unlinked = documents
      .filter((file) => file.startsWith(DOCS))
      .map((file) => relative(ROOT, file))
      .filter((path) => !linked.has(path));
    expect(unlinked).toEqual([]);
  });
});
