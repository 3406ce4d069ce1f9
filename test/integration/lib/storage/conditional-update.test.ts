/**
 * Conditional writes on the pinned MinIO: If-Match and If-None-Match are honoured, and the
 * read-modify-write built on them loses no update under real concurrency.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConflictError } from "../../../../functions/lib/errors.ts";
import { updateJson } from "../../../../functions/lib/storage/conditional-update.ts";
import type { ObjectStore } from "../../../../functions/lib/storage/object-store.ts";
import { freshStore } from "../../../support/storage.ts";

const counters = z.record(z.string(), z.number());
let store: ObjectStore;
beforeAll(async () => {
  store = await freshStore();
});

describe("conditional writes on MinIO", () => {
  it("writes with If-Match only while the ETag is the one read, and If-None-Match only once", async () => {
    await store.putJson("cas/doc.json", { n: 1 }, { onlyIfAbsent: true });
    await expect(
      store.putJson("cas/doc.json", { n: 9 }, { onlyIfAbsent: true }),
    ).rejects.toBeInstanceOf(ConflictError);
    const first = await store.getJsonTagged("cas/doc.json", counters);
    expect(first?.value).toEqual({ n: 1 });
    await store.putJson("cas/doc.json", { n: 2 }, { ifMatch: first?.etag });
    // The ETag read before that write no longer matches.
    await expect(
      store.putJson("cas/doc.json", { n: 3 }, { ifMatch: first?.etag }),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      store.putJson("cas/missing.json", { n: 1 }, { ifMatch: first?.etag }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(await store.getJson("cas/doc.json", counters)).toEqual({ n: 2 });
    expect(await store.exists("cas/missing.json")).toBe(false);
  });

  it("loses no update when many writers change one object at once", async () => {
    const writers = Array.from({ length: 16 }, (_, i) => `w${i}`);
    await Promise.all(
      writers.map((w) =>
        updateJson(
          store,
          "cas/counters.json",
          counters,
          (current) => ({ ...current, [w]: 1, total: (current?.total ?? 0) + 1 }),
          { what: "the counters" },
        ),
      ),
    );
    const stored = await store.getJson("cas/counters.json", counters);
    expect(stored?.total).toBe(16);
    for (const w of writers) expect(stored?.[w]).toBe(1);
  });

  it("leaves the object alone when the change says so or refuses", async () => {
    await store.putJson("cas/kept.json", { n: 1 });
    const kept = await updateJson(store, "cas/kept.json", counters, () => undefined, {
      what: "kept",
    });
    expect(kept).toEqual({ value: { n: 1 }, written: false });
    await expect(
      updateJson(
        store,
        "cas/kept.json",
        counters,
        () => {
          throw new ConflictError("no");
        },
        { what: "kept" },
      ),
    ).rejects.toThrow("no");
    expect(await store.getJson("cas/kept.json", counters)).toEqual({ n: 1 });
  });

  it("gives up after its attempts with a conflict naming what changed", async () => {
    await store.putJson("cas/busy.json", { n: 0 });
    let n = 0;
    const always = updateJson(
      store,
      "cas/busy.json",
      counters,
      async (current) => {
        // Someone else writes between every read and write.
        await store.putJson("cas/busy.json", { n: ++n + 1000 });
        return { n: (current?.n ?? 0) + 1 };
      },
      { what: "the busy object", attempts: 3, baseDelayMs: 1 },
    );
    await expect(always).rejects.toThrow(
      "the busy object changed 3 times while this update was being made; try again",
    );
  });
});
