import { beforeAll, describe, expect, it } from "vitest";
import {
  ConflictError,
  InvalidRequestError,
  NotFoundError,
} from "../../../../functions/lib/errors.ts";
import { layout } from "../../../../functions/lib/storage/layout.ts";
import { listVersions, readAliases } from "../../../../functions/lib/storage/model-catalogue.ts";
import { ModelRepository } from "../../../../functions/lib/storage/model-repository.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { removeAlias, setAlias } from "../../../../functions/train/registry/aliases.ts";
import { registerUploadedModel } from "../../../../functions/train/registry/bring-your-own.ts";
import { deleteVersion, publishVersion } from "../../../../functions/train/registry/versions.ts";
import { irisRecord } from "../../../support/models.ts";
import { pythonModels } from "../../../support/serve.ts";
import { freshStore } from "../../../support/storage.ts";

const { file, expected } = pythonModels();
const record = irisRecord(expected.iris.classes);
let store: ObjectStore;
beforeAll(async () => {
  store = await freshStore();
});

describe("registry writes", () => {
  it("never gives two concurrent writers the same version, and every version is whole", async () => {
    const onnx = file("iris.onnx");
    const results = await Promise.all(
      Array.from({ length: 8 }, () => publishVersion(store, "race", onnx, record)),
    );
    const versions = results.map((r) => r.version).sort((a, b) => Number(a) - Number(b));
    expect(versions).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    const repository = new ModelRepository(store);
    for (const v of versions) {
      const stored = await repository.read("race", v);
      expect(stored.record.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("promotes and rolls back with an alias, which must name an existing version", async () => {
    await publishVersion(store, "promo", file("iris.onnx"), record);
    await publishVersion(store, "promo", file("iris-zipmap.onnx"), record);
    expect(await setAlias(store, "promo", "production", "2")).toEqual({ production: "2" });
    expect(await new ModelRepository(store).resolve("promo")).toBe("2");
    expect(await setAlias(store, "promo", "production", "1")).toEqual({ production: "1" });
    expect(await new ModelRepository(store).resolve("promo")).toBe("1");
    await expect(setAlias(store, "promo", "production", "9")).rejects.toBeInstanceOf(NotFoundError);
    await expect(setAlias(store, "ghost", "production", "1")).rejects.toThrow(
      "model ghost does not exist",
    );
    expect(await removeAlias(store, "promo", "production")).toEqual({});
    await expect(removeAlias(store, "promo", "production")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("deletes a version only when no alias points to it", async () => {
    await publishVersion(store, "gone", file("iris.onnx"), record);
    await publishVersion(store, "gone", file("iris.onnx"), record);
    await setAlias(store, "gone", "staging", "1");
    await expect(deleteVersion(store, "gone", "1")).rejects.toBeInstanceOf(ConflictError);
    await deleteVersion(store, "gone", "2");
    expect(await listVersions(store, "gone")).toEqual(["1"]);
    expect(await store.exists(layout.modelOnnx("gone", "2"))).toBe(false);
    // A deleted number is not reused: the next version is 3.
    expect((await publishVersion(store, "gone", file("iris.onnx"), record)).version).toBe("3");
    expect(await readAliases(store, "gone")).toEqual({ staging: "1" });
  });

  it("registers a model trained elsewhere after loading it, and refuses one that would not serve", async () => {
    const ok = await registerUploadedModel(store, "byo", file("iris-zipmap.onnx"), record);
    expect(ok.version).toBe("1");
    await expect(
      registerUploadedModel(store, "byo", new Uint8Array([8, 1, 2, 3]), record),
    ).rejects.toThrow(/^the model cannot be served: /);
    await expect(
      registerUploadedModel(store, "byo", file("iris.onnx"), {
        ...record,
        features: record.features.slice(0, 2),
      }),
    ).rejects.toThrow(/lists 2 features/);
    await expect(
      registerUploadedModel(store, "byo", file("iris.onnx"), { task: "clustering" }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await listVersions(store, "byo")).toEqual(["1"]);
  });

  it("keeps every alias when many are set at once", async () => {
    await publishVersion(store, "many", file("iris.onnx"), record);
    await publishVersion(store, "many", file("iris.onnx"), record);
    const names = Array.from({ length: 12 }, (_, i) => `a${i}`);
    await Promise.all(names.map((a, i) => setAlias(store, "many", a, String((i % 2) + 1))));
    const aliases = await readAliases(store, "many");
    expect(Object.keys(aliases).sort()).toEqual([...names].sort());
    for (const [i, a] of names.entries()) expect(aliases[a]).toBe(String((i % 2) + 1));
    // Removing half of them at once keeps the other half.
    await Promise.all(
      names.filter((_, i) => i % 2 === 0).map((a) => removeAlias(store, "many", a)),
    );
    expect(Object.keys(await readAliases(store, "many")).sort()).toEqual(
      names.filter((_, i) => i % 2 === 1).sort(),
    );
  });

  it("never leaves an alias on a deleted version when setting it races with the delete", async () => {
    const rounds = 12;
    for (let v = 1; v <= rounds + 1; v++) {
      await publishVersion(store, "duel", file("iris.onnx"), record);
    }
    const outcomes = new Set<string>();
    for (let round = 1; round <= rounds; round++) {
      const version = String(round);
      const [set, deleted] = await Promise.allSettled([
        setAlias(store, "duel", "production", version),
        deleteVersion(store, "duel", version),
      ]);
      // Exactly one wins: the alias (and the delete is refused with 409) or the delete (and the
      // alias is refused with 404).
      expect([set.status, deleted.status].sort()).toEqual(["fulfilled", "rejected"]);
      if (deleted.status === "rejected") expect(deleted.reason).toBeInstanceOf(ConflictError);
      if (set.status === "rejected") expect(set.reason).toBeInstanceOf(NotFoundError);
      outcomes.add(set.status === "fulfilled" ? "alias" : "delete");
      const versions = await listVersions(store, "duel");
      for (const [alias, target] of Object.entries(await readAliases(store, "duel"))) {
        expect(versions, `alias ${alias} names ${target}`).toContain(target);
      }
      // Point it away again, so the next round starts from an alias on a live version.
      await setAlias(store, "duel", "production", String(rounds + 1));
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it("refuses an alias on a version deleted before, and a deleted version stays out of aliases.json's aliases", async () => {
    await publishVersion(store, "tomb", file("iris.onnx"), record);
    await publishVersion(store, "tomb", file("iris.onnx"), record);
    await deleteVersion(store, "tomb", "1");
    await expect(setAlias(store, "tomb", "production", "1")).rejects.toThrow(
      "model tomb has no version 1",
    );
    expect(await setAlias(store, "tomb", "production", "2")).toEqual({ production: "2" });
    expect(await readAliases(store, "tomb")).toEqual({ production: "2" });
  });

  it("treats alias names as data: constructor, toString and friends are aliases like any other", async () => {
    await publishVersion(store, "proto", file("iris.onnx"), record);
    for (const alias of ["constructor", "tostring", "hasownproperty", "valueof"]) {
      await expect(removeAlias(store, "proto", alias)).rejects.toThrow(
        `model proto has no alias ${alias}`,
      );
    }
    expect(await setAlias(store, "proto", "constructor", "1")).toEqual({ constructor: "1" });
    const aliases = await readAliases(store, "proto");
    expect(aliases.constructor).toBe("1");
    expect(aliases.toString).toBeUndefined();
    expect(await removeAlias(store, "proto", "constructor")).toEqual({});
    await expect(removeAlias(store, "proto", "constructor")).rejects.toBeInstanceOf(NotFoundError);
  });
});
