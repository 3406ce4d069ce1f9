/**
 * @module train/runs/run-store
 * Runs in storage: create, read, update (read-modify-write by the one worker that owns the run)
 * and list with filters.
 */
import { randomBytes } from "node:crypto";
import { NotFoundError } from "../../lib/errors.ts";
import { layout } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { type RunRecord, type RunStatus, runRecordSchema } from "./run-record.ts";

/** Time-ordered ids, so a listing sorts by creation. */
export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

export class RunStore {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async create(run: RunRecord): Promise<void> {
    await this.#store.putJson(layout.runMeta(run.id), run, { onlyIfAbsent: true });
  }

  async find(id: string): Promise<RunRecord | undefined> {
    return this.#store.getJson(layout.runMeta(id), runRecordSchema);
  }

  async get(id: string): Promise<RunRecord> {
    const run = await this.find(id);
    if (!run) throw new NotFoundError(`run ${id} does not exist`);
    return run;
  }

  async update(id: string, patch: Partial<RunRecord>): Promise<RunRecord> {
    const run = { ...(await this.get(id)), ...patch };
    await this.#store.putJson(layout.runMeta(id), run);
    return run;
  }

  async list(filter: { model?: string; status?: RunStatus } = {}): Promise<RunRecord[]> {
    const ids = await this.#store.listChildren(layout.runsRoot);
    const runs = await Promise.all(ids.map((id) => this.find(id).catch(() => undefined)));
    return runs
      .filter((r): r is RunRecord => r !== undefined)
      .filter(
        (r) =>
          (filter.model === undefined || r.model === filter.model) &&
          (filter.status === undefined || r.status === filter.status),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
}
