/**
 * Which version answers: every alias is addressable wherever a version number is, and a version
 * that no longer exists stops answering within one refresh, however long it was cached.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeAlias, setAlias } from "../../../functions/train/registry/aliases.ts";
import { deleteVersion, publishVersion } from "../../../functions/train/registry/versions.ts";
import { irisRecord, publishModel } from "../../support/models.ts";
import { pythonModels, rowsAsInstances, startServe } from "../../support/serve.ts";

type Serve = Awaited<ReturnType<typeof startServe>>;
const REFRESH_MS = 200;
let serve: Serve;
const { file, expected } = pythonModels();
const record = irisRecord(expected.iris.classes);
const row = rowsAsInstances(expected.iris.features, expected.iris.rows)[0];
const infer = {
  inputs: [{ name: "float_input", shape: [1, 4], datatype: "FP32", data: expected.iris.rows[0] }],
};

beforeAll(async () => {
  serve = await startServe({ SKIFF_ALIAS_REFRESH_MS: String(REFRESH_MS) });
});
afterAll(() => serve.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every API on `version`; metadata is only "ok", as answers() takes no version from it. */
const everyApiAt = (version: string) => ({
  named: version,
  v2: version,
  metadata: "ok",
  ready: version,
});

/** The version each API answers for `ref` (a number or an alias), or its status when not 200. */
async function answers(model: string, ref: string) {
  const named = await serve.post(`/models/${model}/predict?version=${ref}`, row);
  const v2 = await serve.post(`/v2/models/${model}/versions/${ref}/infer`, infer);
  const metadata = await serve.app.request(`/v2/models/${model}/versions/${ref}`);
  const ready = await serve.app.request(`/v2/models/${model}/versions/${ref}/ready`);
  return {
    named: named.ok ? ((await named.json()) as { version: string }).version : named.status,
    v2: v2.ok ? ((await v2.json()) as { model_version: string }).model_version : v2.status,
    metadata: metadata.ok ? "ok" : metadata.status,
    ready: ready.ok ? ((await ready.json()) as { version: string }).version : ready.status,
  };
}

async function publish(model: string, count: number) {
  for (let i = 0; i < count; i++)
    await publishVersion(serve.store, model, file("iris.onnx"), record);
}

describe("aliases", () => {
  it("answer wherever a version does, saying the concrete version, and follow a move within a refresh", async () => {
    await publish("aliased", 3);
    await setAlias(serve.store, "aliased", "production", "1");
    await setAlias(serve.store, "aliased", "staging", "3");
    expect(await answers("aliased", "staging")).toEqual(everyApiAt("3"));
    expect((await answers("aliased", "production")).named).toBe("1");

    await setAlias(serve.store, "aliased", "staging", "2");
    await sleep(REFRESH_MS * 2);
    expect(await answers("aliased", "staging")).toEqual(everyApiAt("2"));
  });

  it("one set after serve first looked is found at once; one removed answers 404 after a refresh", async () => {
    await publish("late", 2);
    expect(await answers("late", "canary")).toEqual({
      named: 404,
      v2: 404,
      metadata: 404,
      ready: 404,
    });
    const missing = await serve.post("/models/late/predict?version=canary", row);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
      'model late has no version or alias "canary"',
    );
    await setAlias(serve.store, "late", "canary", "2");
    expect((await answers("late", "canary")).named).toBe("2");
    await removeAlias(serve.store, "late", "canary");
    await sleep(REFRESH_MS * 2);
    expect((await answers("late", "canary")).named).toBe(404);
  });

  it("never shadow a version number: ?version=2 is version 2 even with an alias named 2", async () => {
    await publish("numbers", 3);
    await setAlias(serve.store, "numbers", "2", "3");
    expect(await answers("numbers", "2")).toEqual(everyApiAt("2"));
  });
});

describe("a refresh", () => {
  it("keeps an alias on its version while the version it moved to cannot load, and still evicts deleted ones", async () => {
    await publish("stubborn", 2);
    await publishModel(serve.store, "stubborn", "3", file("iris.onnx"), {
      ...record,
      task: "regression",
    });
    await setAlias(serve.store, "stubborn", "staging", "1");
    expect((await answers("stubborn", "staging")).named).toBe("1");
    expect((await answers("stubborn", "2")).named).toBe("2");
    await setAlias(serve.store, "stubborn", "staging", "3");
    await deleteVersion(serve.store, "stubborn", "2");
    await sleep(REFRESH_MS + 150);
    expect((await answers("stubborn", "staging")).named).toBe("1");
    expect((await answers("stubborn", "2")).named).toBe(404);
    expect((await answers("stubborn", "3")).named).toBe(503);
  });
});

describe("a deleted version", () => {
  it("answers 404 on every API within one refresh, though it was cached", async () => {
    await publish("deleted", 3);
    expect(await answers("deleted", "2")).toEqual(everyApiAt("2"));
    await deleteVersion(serve.store, "deleted", "2");
    await sleep(REFRESH_MS + 150);
    expect(await answers("deleted", "2")).toEqual({
      named: 404,
      v2: 404,
      metadata: 404,
      ready: 404,
    });
    expect(await serve.parts.context.registry.versions("deleted")).toEqual(["1", "3"]);
    // The versions that still exist keep answering, and the default is untouched.
    expect((await answers("deleted", "1")).named).toBe("1");
    const latest = await serve.post("/models/deleted/predict", row);
    expect(((await latest.json()) as { version: string }).version).toBe("3");
  });

  it("that was the default hands the default on to the version that now is", async () => {
    await publish("newest-gone", 2);
    const before = await serve.post("/models/newest-gone/predict", row);
    expect(((await before.json()) as { version: string }).version).toBe("2");
    await deleteVersion(serve.store, "newest-gone", "2");
    await sleep(REFRESH_MS + 150);
    const after = await serve.post("/models/newest-gone/predict", row);
    expect(after.status).toBe(200);
    expect(((await after.json()) as { version: string }).version).toBe("1");
    expect((await answers("newest-gone", "2")).named).toBe(404);
  });
});
