/**
 * @module train/registry/aliases
 * Aliases (`production`, `staging`, ...) name a version of a model: promote by pointing one at
 * a newer version, roll back by pointing it at an older one. serve follows `production`.
 *
 * Every change is a conditional write of aliases.json (storage/conditional-update), so
 * concurrent changes to different aliases all land. The version an alias is set to is checked
 * after aliases.json is read and before it is written, and a delete marks its version in that
 * same object first, so a delete and an alias set on the same version never both succeed.
 */
import { AliasNotFoundError, ModelNotFoundError } from "../../lib/errors.ts";
import { updateJson } from "../../lib/storage/conditional-update.ts";
import { layout } from "../../lib/storage/layout.ts";
import {
  type AliasesFile,
  aliasesFileSchema,
  aliasesRecord,
  parseAliasesFile,
  serializeAliasesFile,
} from "../../lib/storage/model-aliases.ts";
import { listVersions } from "../../lib/storage/model-catalogue.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";

/**
 * Applies `change` to the model's aliases.json as a conditional write, retried on a lost race;
 * `change` answers false to leave it as it is. Answers the file as stored afterwards.
 */
export async function changeAliasesFile(
  store: ObjectStore,
  name: string,
  change: (file: AliasesFile) => boolean | Promise<boolean>,
): Promise<AliasesFile> {
  const { value } = await updateJson(
    store,
    layout.modelAliases(name),
    aliasesFileSchema,
    async (stored) => {
      const file = parseAliasesFile(stored);
      return (await change(file)) ? serializeAliasesFile(file) : undefined;
    },
    { what: `the aliases of model ${name}` },
  );
  return parseAliasesFile(value);
}

async function requireVersion(store: ObjectStore, name: string, version: string): Promise<void> {
  if (await store.exists(layout.modelMeta(name, version))) return;
  if ((await listVersions(store, name)).length === 0) {
    throw new ModelNotFoundError(name);
  }
  throw new ModelNotFoundError(name, version);
}

export async function setAlias(
  store: ObjectStore,
  name: string,
  alias: string,
  version: string,
): Promise<Record<string, string>> {
  const file = await changeAliasesFile(store, name, async (current) => {
    if (current.deleted.has(version)) {
      throw new ModelNotFoundError(name, version, "deleted version");
    }
    await requireVersion(store, name, version);
    if (current.aliases.get(alias) === version) return false;
    current.aliases.set(alias, version);
    return true;
  });
  return aliasesRecord(file.aliases);
}

export async function removeAlias(
  store: ObjectStore,
  name: string,
  alias: string,
): Promise<Record<string, string>> {
  const file = await changeAliasesFile(store, name, (current) => {
    if (!current.aliases.delete(alias)) {
      throw new AliasNotFoundError(name, alias);
    }
    return true;
  });
  return aliasesRecord(file.aliases);
}
