/**
 * @module product
 * The product's name and version, read once from package.json so there is one source of truth.
 */
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  name: string;
  version: string;
};

export const product = { name: pkg.name, version: pkg.version } as const;
