/**
 * @module storage/conditional-update
 * Read-modify-write of one JSON object without lost updates. The write is conditional on what
 * was read (If-Match on its ETag, or If-None-Match: * when there was nothing yet), so of two
 * writers that read the same state only one lands; the other reads again and recomputes its
 * change from what is stored now. Attempts are bounded and spread with random jitter, so writers
 * that collided do not collide again in lockstep.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { ConflictError } from "../errors.ts";
import type { ObjectStore } from "./object-store.ts";

export interface UpdateOptions {
  /** What is updated, for the error when every attempt lost, e.g. "the aliases of model iris". */
  what: string;
  attempts?: number;
  /** The first retry waits up to this long; each later one up to twice as long, to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Computes the next value from the stored one (undefined: there is none). It may throw to refuse
 * the update, or answer undefined to leave the object as it is. It runs again after every lost
 * race, so whatever it checks besides the object is checked again too.
 */
export type Change<T> = (current: T | undefined) => T | undefined | Promise<T | undefined>;

export interface UpdateResult<T> {
  /** The value stored once the update is done (undefined: there is still none). */
  value: T | undefined;
  written: boolean;
}

const DEFAULTS = { attempts: 20, baseDelayMs: 5, maxDelayMs: 250 };

export async function updateJson<S extends z.ZodType>(
  store: ObjectStore,
  key: string,
  schema: S,
  change: Change<z.infer<S>>,
  options: UpdateOptions,
): Promise<UpdateResult<z.infer<S>>> {
  const { attempts, baseDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const stored = await store.getJsonTagged(key, schema);
    const next = await change(stored?.value);
    if (next === undefined) return { value: stored?.value, written: false };
    try {
      await store.putJson(
        key,
        next,
        stored === undefined ? { onlyIfAbsent: true } : { ifMatch: stored.etag },
      );
      return { value: next, written: true };
    } catch (error) {
      // Only a failed condition means someone else wrote first; anything else is a real failure.
      if (!(error instanceof ConflictError)) throw error;
    }
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.random() * ceiling);
  }
  throw new ConflictError(
    `${options.what} changed ${attempts} times while this update was being made; try again`,
  );
}
