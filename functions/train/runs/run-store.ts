/**
 * @module train/runs/run-store
 * Runs in storage: create, read, update (read-modify-write by the one worker that owns the run),
 * fail a run someone else owns unless it already ended, and list with filters.
 */
import { randomBytes } from "node:crypto";
import { ConflictError, NotFoundError } from "../../lib/errors.ts";
import { layout } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { isFinished, type RunRecord, type RunStatus, runRecordSchema } from "./run-record.ts";

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

  /**
   * Marks a run failed unless it already ended, as a compare-and-set on run.json: `reason` sees
   * the record as stored and gives the error, or undefined to leave the run alone, and the write
   * lands only if nothing wrote the record since that read (else it reads again). The watchdog,
   * the executors and a start that failed all end runs this way, so an outcome the job recorded
   * itself is never overwritten. Returns the failed record, or undefined when the run is
   * missing, had already ended or `reason` spared it.
   */
  async failUnlessFinished(
    id: string,
    reason: (run: RunRecord) => string | undefined,
    at = new Date(),
  ): Promise<RunRecord | undefined> {
    const key = layout.runMeta(id);
    for (let attempt = 1; ; attempt++) {
      const stored = await this.#store.getJsonTagged(key, runRecordSchema);
      if (stored === undefined || isFinished(stored.value.status)) return undefined;
      const error = reason(stored.value);
      if (error === undefined) return undefined;
      const failed: RunRecord = {
        ...stored.value,
        status: "failed",
        finishedAt: at.toISOString(),
        error,
      };
      try {
        await this.#store.putJson(key, failed, { ifMatch: stored.etag });
        return failed;
      } catch (conflict) {
        // A heartbeat landed in between; a few in a row would mean something else is wrong.
        if (!(conflict instanceof ConflictError) || attempt >= 5) throw conflict;
      }
    }
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
