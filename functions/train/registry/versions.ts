/**
 * @module train/registry/versions
 * Write side of the model registry. A version is created race-free: the writer first claims the
 * version number with a create-only object, so two concurrent writers never share a version;
 * then model.onnx is written, and model.json last, because its presence is what makes the
 * version exist for readers.
 */
import { createHash } from "node:crypto";
import { ConflictError, ModelNotFoundError } from "../../lib/errors.ts";
import { layout } from "../../lib/storage/layout.ts";
import { listVersions } from "../../lib/storage/model-catalogue.ts";
import type { ModelRecord, NewModelRecord } from "../../lib/storage/model-record.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { claimNextVersion } from "../../lib/storage/version-claims.ts";
import { changeAliasesFile } from "./aliases.ts";

function claimVersion(store: ObjectStore, name: string): Promise<string> {
  return claimNextVersion(store, {
    label: `model ${name}`,
    root: layout.modelRoot(name),
    metaFile: "model.json",
    claimKey: (v) => layout.modelClaim(name, v),
  });
}

/** Publishes a new version and answers its number. */
export async function publishVersion(
  store: ObjectStore,
  name: string,
  onnx: Uint8Array,
  record: NewModelRecord,
): Promise<{ version: string; record: ModelRecord }> {
  const version = await claimVersion(store, name);
  await store.putBytes(layout.modelOnnx(name, version), onnx, "application/octet-stream");
  const full: ModelRecord = {
    ...record,
    sha256: createHash("sha256").update(onnx).digest("hex"),
    createdAt: new Date().toISOString(),
  };
  await store.putJson(
    layout.modelMeta(name, version),
    { name, version, ...full },
    { onlyIfAbsent: true },
  );
  return { version, record: full };
}

/**
 * Deletes a version that no alias points to. The version is first marked deleted in
 * aliases.json, by the same conditional write that checks no alias names it, so an alias set
 * racing with the delete either lands first (and the delete is refused) or sees the mark (and
 * is refused). Then model.json goes, so readers stop seeing the version, then model.onnx. The
 * claim stays as a tombstone: a number is never reused, so no cache can confuse a new version
 * with a deleted one. A delete cut short after the mark is finished by deleting again.
 */
export async function deleteVersion(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<void> {
  const versions = await listVersions(store, name);
  if (!versions.includes(version)) throw new ModelNotFoundError(name, version);
  await changeAliasesFile(store, name, (file) => {
    const pointing = [...file.aliases].filter(([, v]) => v === version).map(([alias]) => alias);
    if (pointing.length > 0) {
      throw new ConflictError(
        `version ${version} of model ${name} is aliased as ${pointing.join(", ")}; move the alias first`,
      );
    }
    if (file.deleted.has(version)) return false;
    file.deleted.add(version);
    return true;
  });
  await store.delete(layout.modelMeta(name, version));
  await store.delete(layout.modelOnnx(name, version));
}
