/**
 * @module train/registry/aliases
 * Aliases (`production`, `staging`, ...) name a version of a model: promote by pointing one at
 * a newer version, roll back by pointing it at an older one. serve follows `production`.
 */
import { NotFoundError } from "../../lib/errors.ts";
import { layout } from "../../lib/storage/layout.ts";
import { listVersions, readAliases } from "../../lib/storage/model-catalogue.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";

export async function setAlias(
  store: ObjectStore,
  name: string,
  alias: string,
  version: string,
): Promise<Record<string, string>> {
  const versions = await listVersions(store, name);
  if (versions.length === 0) throw new NotFoundError(`model ${name} does not exist`);
  if (!versions.includes(version))
    throw new NotFoundError(`model ${name} has no version ${version}`);
  const aliases = { ...(await readAliases(store, name)), [alias]: version };
  await store.putJson(layout.modelAliases(name), aliases);
  return aliases;
}

export async function removeAlias(
  store: ObjectStore,
  name: string,
  alias: string,
): Promise<Record<string, string>> {
  const aliases = await readAliases(store, name);
  if (!(alias in aliases)) throw new NotFoundError(`model ${name} has no alias ${alias}`);
  delete aliases[alias];
  await store.putJson(layout.modelAliases(name), aliases);
  return aliases;
}
