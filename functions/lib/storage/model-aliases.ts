/**
 * @module storage/model-aliases
 * The format of `models/<name>/aliases.json`: `{"production": "2", "staging": "3"}`, one key
 * per alias. The registry also lists there, under the one key that can never be an alias
 * (aliases are DNS labels), the versions it deleted: `"$deleted": "1,4"`. Alias writes and
 * version deletes are conditional writes of this one object, so each sees the other: an alias
 * is never set on a version being deleted, and a version an alias names is never deleted. The
 * list only grows, which keeps an ETag read before a delete from ever matching again.
 *
 * Alias names come from requests and from the bucket, so they are kept in a Map and handed out
 * as objects without a prototype: `constructor` or `__proto__` is then just a name.
 */
import { z } from "zod";

/** The stored object as JSON gives it; `parseAliasesFile` reads its meaning. */
export const aliasesFileSchema = z.record(z.string(), z.string());
export type StoredAliasesFile = z.infer<typeof aliasesFileSchema>;

const DELETED_KEY = "$deleted";

export interface AliasesFile {
  aliases: Map<string, string>;
  deleted: Set<string>;
}

export function parseAliasesFile(stored: StoredAliasesFile | undefined): AliasesFile {
  const aliases = new Map<string, string>();
  const deleted = new Set<string>();
  for (const [key, value] of Object.entries(stored ?? {})) {
    if (key !== DELETED_KEY) aliases.set(key, value);
    else for (const version of value.split(",")) if (version !== "") deleted.add(version);
  }
  return { aliases, deleted };
}

export function serializeAliasesFile(file: AliasesFile): StoredAliasesFile {
  const stored = Object.fromEntries(file.aliases);
  if (file.deleted.size > 0) {
    stored[DELETED_KEY] = [...file.deleted].sort((a, b) => Number(a) - Number(b)).join(",");
  }
  return stored;
}

/** Aliases as a JSON-ready object whose lookups never reach Object.prototype. */
export function aliasesRecord(aliases: ReadonlyMap<string, string>): Record<string, string> {
  return Object.assign(Object.create(null) as Record<string, string>, Object.fromEntries(aliases));
}
