/**
 * @module serve/registry
 * The models held in memory, by name and version. Each version is loaded once however many
 * requests ask for it at the same time; the least recently used are evicted past a bound; a
 * failed load is reported, then retried, never cached for good. A request names a version by
 * number or by alias; without either it follows the model's default (production alias, else
 * newest). A number always means that version (an alias named like a number is never looked up).
 * Every refresh reads each known model's catalogue again, once: a moved alias or default is
 * followed without a restart (the new version is loaded before requests switch to it), and a
 * cached version that no longer exists is evicted, so it answers 404 from then on.
 *
 * A model is loaded only if its model.json fits its graph (checkServable): one that does not
 * fails to load with the reasons, on every API alike.
 */
import { ModelNotFoundError, NotFoundError, NotReadyError, SkiffError } from "../lib/errors.ts";
import type { Logger } from "../lib/logger.ts";
import { OnnxModel } from "../lib/onnx/onnx-model.ts";
import { checkServable, UnservableModelError } from "../lib/onnx/signature.ts";
import { NAME_PATTERN, VERSION_PATTERN } from "../lib/storage/layout.ts";
import {
  defaultVersionOf,
  type ModelCatalogue,
  type ModelRepository,
  type StoredModel,
} from "../lib/storage/model-repository.ts";
import { batchedRun, type ModelRun } from "./batched-run.ts";
import type { ModelRef } from "./config.ts";
import type { ServeMetrics } from "./metrics.ts";

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
  /** Runs the model, batched with other requests' runs when batching is on. */
  run: ModelRun;
  /** Milliseconds this request spent waiting for a load, when it did. */
  loadMs: number | undefined;
}

interface Loaded {
  model: OnnxModel;
  run: ModelRun;
}

type Entry =
  | { state: "loading"; promise: Promise<Loaded> }
  | ({ state: "ready" } & Loaded)
  | { state: "failed"; reason: string; at: number };

export type ModelState = "ready" | "loading" | "failed" | "absent";

const key = (name: string, version: string) => `${name}@${version}`;
const nameOf = (k: string) => k.slice(0, k.lastIndexOf("@"));
const versionOf = (k: string) => k.slice(k.lastIndexOf("@") + 1);

/** What a failed load says to clients: only skiff's own errors carry a message meant for them. */
const reasonOf = (error: unknown) =>
  error instanceof SkiffError ? error.message : String((error as Error)?.message ?? error);

const failedToLoad = (name: string, version: string, reason: string) =>
  new NotReadyError(`model ${name} version ${version} failed to load: ${reason}`);

/** A model whose model.json does not fit its graph is released and fails to load, saying why. */
function servable(model: OnnxModel): OnnxModel {
  const reasons = checkServable(model);
  if (reasons.length === 0) return model;
  model.retire();
  throw new UnservableModelError(reasons);
}

export class ModelRegistry {
  readonly #options: RegistryOptions;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Entry>();
  /** Each model's default version as last looked up. */
  readonly #defaults = new Map<string, string>();
  /** Per model, the aliases requests have used, alias → version, as last looked up. */
  readonly #aliases = new Map<string, Map<string, string>>();
  #refreshing: Promise<void> | undefined;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(options: RegistryOptions) {
    this.#options = options;
    if (options.aliasRefreshMs > 0) {
      this.#timer = setInterval(() => void this.refreshDefaults(), options.aliasRefreshMs);
      this.#timer.unref();
    }
  }

  /**
   * The model for `name` at `ref`: a version number or an alias; without one, the default
   * version. The model's `version` is always the concrete version that answers.
   */
  async get(name: string, ref?: string): Promise<Lookup> {
    const version =
      ref === undefined
        ? await this.#defaultVersion(name)
        : VERSION_PATTERN.test(ref)
          ? ref
          : await this.#aliasVersion(name, ref);
    return this.#getVersion(name, version);
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
    const names = new Set([
      ...this.#defaults.keys(),
      ...this.#aliases.keys(),
      ...[...this.#entries.keys()].map(nameOf),
    ]);
    for (const name of names) {
      try {
        await this.#refreshModel(name, await this.#options.repository.catalogue(name));
      } catch (error) {
        // Keep serving what we have; the next round tries again.
        this.#options.logger.warn({ model: name, err: error }, "could not refresh model versions");
      }
    }
  }

  /**
   * Follows moved defaults and aliases, each new version loaded before requests switch to it,
   * then drops cached versions that no longer exist. One move that fails to load leaves the
   * rest of the refresh to go ahead.
   */
  async #refreshModel(name: string, catalogue: ModelCatalogue): Promise<void> {
    const current = this.#defaults.get(name);
    if (current !== undefined && catalogue.versions.length === 0) this.#defaults.delete(name);
    else if (current !== undefined) {
      const latest = defaultVersionOf(name, catalogue);
      await this.#follow(name, "default", current, latest, () => this.#defaults.set(name, latest));
    }
    const aliases = this.#aliases.get(name);
    for (const [alias, from] of aliases ?? []) {
      const to = catalogue.aliases[alias];
      if (to === undefined || !catalogue.versions.includes(to)) {
        // Gone: the next request for it reads the catalogue and is told so.
        aliases?.delete(alias);
      } else await this.#follow(name, alias, from, to, () => aliases?.set(alias, to));
    }
    const exists = new Set(catalogue.versions);
    for (const [k, entry] of this.#entries) {
      if (nameOf(k) !== name || exists.has(versionOf(k)) || entry.state === "loading") continue;
      this.#entries.delete(k);
      if (entry.state === "ready") entry.model.retire();
      this.#options.logger.info({ model: name, version: versionOf(k) }, "deleted version evicted");
    }
  }

  async #follow(name: string, ref: string, from: string, to: string, switchTo: () => void) {
    if (from === to) return;
    try {
      await this.#getVersion(name, to);
    } catch (error) {
      // Keep answering with what we have; the next round tries again.
      this.#options.logger.warn({ model: name, ref, to, err: error }, "could not load new version");
      return;
    }
    switchTo();
    this.#options.logger.info({ model: name, ref, from, to }, "version moved");
  }

  async #defaultVersion(name: string): Promise<string> {
    const known = this.#defaults.get(name);
    if (known !== undefined) return known;
    const resolved = await this.#options.repository.resolve(name);
    this.#defaults.set(name, resolved);
    return resolved;
  }

  /** An alias's version as last looked up; one not seen yet is read from storage. */
  async #aliasVersion(name: string, alias: string): Promise<string> {
    if (!NAME_PATTERN.test(alias)) throw new ModelNotFoundError(name, alias, "version or alias");
    const known = this.#aliases.get(name)?.get(alias);
    if (known !== undefined) return known;
    const catalogue = await this.#options.repository.catalogue(name);
    if (catalogue.versions.length === 0) throw new ModelNotFoundError(name);
    const version = catalogue.aliases[alias];
    if (version === undefined || !catalogue.versions.includes(version)) {
      throw new ModelNotFoundError(name, alias, "version or alias");
    }
    const aliases = this.#aliases.get(name) ?? new Map<string, string>();
    aliases.set(alias, version);
    this.#aliases.set(name, aliases);
    return version;
  }

  async #getVersion(name: string, version: string): Promise<Lookup> {
    const k = key(name, version);
    const entry = this.#entries.get(k);
    if (entry?.state === "ready") {
      this.#entries.delete(k);
      this.#entries.set(k, entry);
      this.#options.metrics.cache.inc({ outcome: "hit" });
      return { model: entry.model, run: entry.run, loadMs: undefined };
    }
    if (entry?.state === "failed" && Date.now() - entry.at < this.#options.retryMs) {
      throw failedToLoad(name, version, entry.reason);
    }
    const started = performance.now();
    let promise: Promise<Loaded>;
    if (entry?.state === "loading") {
      this.#options.metrics.cache.inc({ outcome: "wait" });
      promise = entry.promise;
    } else {
      this.#options.metrics.cache.inc({ outcome: "miss" });
      promise = this.#load(name, version);
    }
    const { model, run } = await this.#withTimeout(promise, name, version);
    return { model, run, loadMs: performance.now() - started };
  }

  #load(name: string, version: string): Promise<Loaded> {
    const k = key(name, version);
    const started = performance.now();
    const load = this.#options.load ?? ((stored: StoredModel) => OnnxModel.load(stored));
    const batched = (model: OnnxModel): Loaded => ({
      model,
      run: batchedRun(model, {
        maxRows: this.#options.batchMaxRows ?? 0,
        onRun: (rows) => this.#options.metrics.runRows.observe({ model: name }, rows),
      }),
    });
    const promise = this.#options.repository
      .read(name, version)
      .then(load)
      .then(servable)
      .then(batched);
    this.#entries.set(k, { state: "loading", promise });
    promise.then(
      ({ model, run }) => {
        this.#entries.delete(k);
        this.#entries.set(k, { state: "ready", model, run });
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

  async #withTimeout(promise: Promise<Loaded>, name: string, version: string): Promise<Loaded> {
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
