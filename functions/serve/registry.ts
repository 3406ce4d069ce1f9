/**
 * @module serve/registry
 * The models held in memory, by name and version. Each version is loaded once however many
 * requests ask for it at the same time; the least recently used are evicted past a bound; a
 * failed load is reported, then retried, never cached for good. A request without a version
 * follows the model's default (production alias, else newest), which is looked up again in the
 * background so an alias move is followed without a restart: the new version is loaded before
 * requests switch to it.
 */
import { NotFoundError, NotReadyError, SkiffError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { VERSION_PATTERN } from "../lib/storage/layout.ts";
import type { ModelRepository, StoredModel } from "../lib/storage/model-repository.ts";
import type { ModelRef } from "./config.ts";
import type { ServeMetrics } from "./metrics.ts";
import { OnnxModel } from "./runtime/onnx-model.ts";

export interface RegistryOptions {
  repository: ModelRepository;
  logger: Logger;
  metrics: ServeMetrics;
  maxModels: number;
  maxBytes: number;
  aliasRefreshMs: number;
  loadTimeoutMs: number;
  retryMs: number;
  /** Most rows a shared run of one model may stack (dynamic batching); 0 or absent: off. */
  batchMaxRows?: number;
  /** How bytes become a runnable model; tests may count calls through it. */
  load?: (stored: StoredModel) => Promise<OnnxModel>;
}

export interface Lookup {
  model: OnnxModel;
  /** Milliseconds this request spent waiting for a load, when it did. */
  loadMs: number | undefined;
}

type Entry =
  | { state: "loading"; promise: Promise<OnnxModel> }
  | { state: "ready"; model: OnnxModel }
  | { state: "failed"; reason: string; at: number };

export type ModelState = "ready" | "loading" | "failed" | "absent";

const key = (name: string, version: string) => `${name}@${version}`;

/** What a failed load says to clients: only skiff's own errors carry a message meant for them. */
const reasonOf = (error: unknown) =>
  error instanceof SkiffError ? error.message : String((error as Error)?.message ?? error);

const failedToLoad = (name: string, version: string, reason: string) =>
  new NotReadyError(`model ${name} version ${version} failed to load: ${reason}`);

export class ModelRegistry {
  readonly #options: RegistryOptions;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  /** Each model's default version as last looked up. */
  readonly #defaults = new Map<string, string>();
  #refreshing: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(options: RegistryOptions) {
    this.#options = options;
    if (options.aliasRefreshMs > 0) {
      this.#timer = setInterval(() => void this.refreshDefaults(), options.aliasRefreshMs);
      this.#timer.unref();
    }
  }

  /** The model for `name` at `version`, or at its default version when none is given. */
  async get(name: string, version?: string): Promise<Lookup> {
    if (version !== undefined && !VERSION_PATTERN.test(version)) {
      throw new NotFoundError(`model ${name} has no version "${version}"`);
    }
    const resolved = version ?? (await this.#defaultVersion(name));
    return this.#getVersion(name, resolved);
  }

  /** Every stored version of `name`, oldest first. */
  versions(name: string): Promise<string[]> {
    return this.#options.repository.versions(name);
  }

  /** Whether a version is in memory, being loaded, or failed; without a version, the default's. */
  state(name: string, version?: string): ModelState {
    const v = version ?? this.#defaults.get(name);
    if (v === undefined) return "absent";
    return this.#entries.get(key(name, v))?.state ?? "absent";
  }

  /** Loads every listed model; resolves when all are in memory, rejects with the first failure. */
  async preload(refs: ModelRef[]): Promise<void> {
    await Promise.all(refs.map((ref) => this.get(ref.name, ref.version)));
  }

  /** Looks up every known model's default again and switches to a new one once it is loaded. */
  refreshDefaults(): Promise<void> {
    this.#refreshing ??= this.#refreshAll().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const entry of this.#entries.values()) if (entry.state === "ready") entry.model.retire();
    this.#entries.clear();
  }

  async #refreshAll(): Promise<void> {
    for (const [name, current] of this.#defaults) {
      try {
        const latest = await this.#options.repository.resolve(name);
        if (latest === current) continue;
        await this.#getVersion(name, latest);
        this.#defaults.set(name, latest);
        this.#options.logger.info(
          { model: name, from: current, to: latest },
          "default version changed",
        );
      } catch (error) {
        // Keep serving what we have; the next round tries again.
        this.#options.logger.warn({ model: name, err: error }, "could not refresh default version");
      }
    }
  }

  async #defaultVersion(name: string): Promise<string> {
    const known = this.#defaults.get(name);
    if (known !== undefined) return known;
    const resolved = await this.#options.repository.resolve(name);
    this.#defaults.set(name, resolved);
    return resolved;
  }

  async #getVersion(name: string, version: string): Promise<Lookup> {
    const k = key(name, version);
    const entry = this.#entries.get(k);
    if (entry?.state === "ready") {
      this.#entries.delete(k);
      this.#entries.set(k, entry);
      this.#options.metrics.cache.inc({ outcome: "hit" });
      return { model: entry.model, loadMs: undefined };
    }
    if (entry?.state === "failed" && Date.now() - entry.at < this.#options.retryMs) {
      throw failedToLoad(name, version, entry.reason);
    }
    const started = performance.now();
    let promise: Promise<OnnxModel>;
    if (entry?.state === "loading") {
      this.#options.metrics.cache.inc({ outcome: "wait" });
      promise = entry.promise;
    } else {
      this.#options.metrics.cache.inc({ outcome: "miss" });
      promise = this.#load(name, version);
    }
    const model = await this.#withTimeout(promise, name, version);
    return { model, loadMs: performance.now() - started };
  }

  #load(name: string, version: string): Promise<OnnxModel> {
    const k = key(name, version);
    const started = performance.now();
    const load =
      this.#options.load ??
      ((stored: StoredModel) =>
        OnnxModel.load(stored, {
          batchMaxRows: this.#options.batchMaxRows ?? 0,
          onRun: (rows) => this.#options.metrics.runRows.observe({ model: stored.name }, rows),
        }));
    const promise = this.#options.repository.read(name, version).then(load);
    this.#entries.set(k, { state: "loading", promise });
    promise.then(
      (model) => {
        this.#entries.delete(k);
        this.#entries.set(k, { state: "ready", model });
        this.#options.metrics.load.observe(
          { model: name, outcome: "ok" },
          (performance.now() - started) / 1000,
        );
        this.#options.logger.info(
          {
            model: name,
            version,
            ms: Math.round(performance.now() - started),
            changes: model.changes,
          },
          "model loaded",
        );
        this.#evict();
      },
      (error: unknown) => {
        this.#options.metrics.load.observe(
          { model: name, outcome: "error" },
          (performance.now() - started) / 1000,
        );
        if (error instanceof NotFoundError) {
          this.#entries.delete(k);
          return;
        }
        this.#entries.set(k, { state: "failed", reason: reasonOf(error), at: Date.now() });
        this.#options.logger.error({ model: name, version, err: error }, "model failed to load");
      },
    );
    return promise.catch((error: unknown) => {
      if (error instanceof NotFoundError) throw error;
      throw failedToLoad(name, version, reasonOf(error));
    });
  }

  async #withTimeout(
    promise: Promise<OnnxModel>,
    name: string,
    version: string,
  ): Promise<OnnxModel> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new NotReadyError(`model ${name} version ${version} is still loading`)),
        this.#options.loadTimeoutMs,
      );
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops least recently used models past the count or byte bound; defaults are kept last. */
  #evict(): void {
    let models = [...this.#entries].filter(
      (e): e is [string, Extract<Entry, { state: "ready" }>] => e[1].state === "ready",
    );
    let bytes = models.reduce((sum, [, e]) => sum + e.model.sizeBytes, 0);
    for (const [k, entry] of models) {
      if (models.length <= this.#options.maxModels && bytes <= this.#options.maxBytes) break;
      // Never evict the only model: a bound smaller than one model still serves it.
      if (models.length === 1) break;
      this.#entries.delete(k);
      entry.model.retire();
      bytes -= entry.model.sizeBytes;
      models = models.filter(([other]) => other !== k);
      this.#options.logger.info(
        { model: entry.model.name, version: entry.model.version },
        "model evicted",
      );
    }
  }
}
