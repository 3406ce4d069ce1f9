/**
 * @module test/setup/shared
 * One resource per `vitest` process, however many projects list the global setup that starts it.
 *
 * vitest loads each project's global setup files through that project's own module runner, so a
 * module-level variable is per project: integration, e2e and cluster would each start a MinIO and
 * generate the models again. The resource lives on globalThis instead (every project's setup runs
 * in the same main process) and stops when the last project that took it tears down.
 */

interface Entry {
  value: Promise<unknown>;
  users: number;
  stop: (value: never) => Promise<void>;
}

const KEY = Symbol.for("skiff.test.shared-setups");
const slots = globalThis as { [KEY]?: Map<string, Entry> };
slots[KEY] ??= new Map();
const registry = slots[KEY];

export interface Shared<T> {
  /** The running resource, started by the first caller in this process. */
  acquire(): Promise<T>;
  /** Stops the resource once no project holds it any more. */
  release(): Promise<void>;
}

export function shared<T>(
  name: string,
  start: () => Promise<T>,
  stop: (value: T) => Promise<void>,
): Shared<T> {
  // vitest calls teardown for every file of a project whose setup failed part-way, so a release
  // only counts acquisitions made through this module instance.
  let held = 0;
  return {
    acquire() {
      let entry = registry.get(name);
      if (!entry) {
        entry = { value: start(), users: 0, stop };
        registry.set(name, entry);
      }
      entry.users++;
      held++;
      return entry.value as Promise<T>;
    },
    async release() {
      const entry = registry.get(name);
      if (held === 0 || !entry) return;
      held--;
      if (--entry.users > 0) return;
      registry.delete(name);
      // A start that failed has already failed its setup; there is nothing to stop.
      const value = await entry.value.catch(() => undefined);
      if (value !== undefined) await entry.stop(value as never);
    },
  };
}
