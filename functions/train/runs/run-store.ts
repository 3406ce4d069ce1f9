/**
 * @module train/runs/run-store
 * Runs in storage: create, read, change and list with filters. Every change after the create is
 * a compare-and-set on run.json's ETag, and an ended run (succeeded or failed) never changes
 * again: of two writers that end a run, whichever comes second loses and writes nothing.
 */
import { randomBytes } from "node:crypto";
import { NotFoundError } from "../../lib/errors.ts";
import { updateJson } from "../../lib/storage/conditional-update.ts";
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

  /**
   * Changes a run that has not ended, as a compare-and-set on run.json: `change` sees the record
   * as stored and gives the fields to write, or undefined to leave it alone, and the write lands
   * only if nothing wrote the record since that read (else it reads and asks again, a bounded
   * number of times). Returns the record written, or undefined when the run is missing, had
   * already ended or `change` spared it. The job's own writes (start, heartbeats, outcome) and
   * every failing of a run go this way.
   */
  async change(
    id: string,
    change: (run: RunRecord) => Partial<RunRecord> | undefined,
  ): Promise<RunRecord | undefined> {
    const { value, written } = await updateJson(
      this.#store,
      layout.runMeta(id),
      runRecordSchema,
      (stored) => {
        if (stored === undefined || isFinished(stored.status)) return undefined;
        const patch = change(stored);
        return patch === undefined ? undefined : { ...stored, ...patch };
      },
      { what: `run ${id}` },
    );
    return written ? value : undefined;
  }

  /**
   * Marks a run failed unless it already ended: `reason` sees the record as stored and gives the
   * error, or undefined to leave the run alone. The watchdog, the executors, a restart and a
   * start that failed all end runs this way, so an outcome the job recorded itself always
   * stands. Returns the failed record, or undefined when the run is missing, had already ended
   * or `reason` spared it.
   */
  async failUnlessFinished(
    id: string,
    reason: (run: RunRecord) => string | undefined,
    at = new Date(),
  ): Promise<RunRecord | undefined> {
    return this.change(id, (run) => {
      const error = reason(run);
      if (error === undefined) return undefined;
      return { status: "failed", finishedAt: at.toISOString(), error };
    });
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
