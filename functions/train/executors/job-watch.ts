/**
 * @module train/executors/job-watch
 * Follows the training Jobs of one namespace through the API server, as an informer would: a
 * full listing, then a watch resumed from the last resourceVersion seen, each watch ended by the
 * server after `watchSeconds` and opened again from there. A 410 Gone (that version is no longer
 * kept) or a handler that failed leads to a new listing; Jobs missing from it that an earlier
 * one or the watch had shown are reported deleted, with the last state seen, since their
 * DELETED events were lost. Errors are logged and retried with backoff, never thrown.
 */
import type { BatchV1Api, Watch } from "@kubernetes/client-node";
import type { Logger } from "../../lib/logger.ts";
import type { JobObject } from "./job-outcome.ts";

export interface JobWatchClients {
  batch: BatchV1Api;
  watch: Watch;
}

export interface JobWatchOptions {
  namespace: string;
  labelSelector: string;
  logger: Logger;
  connect: () => Promise<JobWatchClients>;
  /** Every Job there is, from a listing asked for at `listedAt` (epoch ms). */
  onList: (jobs: JobObject[], listedAt: number) => Promise<void>;
  /** A Job that was added or changed, or the last state of one that was deleted. */
  onChange: (job: JobObject, deleted: boolean) => Promise<void>;
  /** The first retry's delay; it doubles up to MAX_RETRY_MS while failures go on. */
  retryMs?: number;
  watchSeconds?: number;
}

const MAX_RETRY_MS = 30_000;
/** A listing the server never answers must not hold the loop forever. */
const LIST_TIMEOUT_MS = 60_000;
/** How long close() waits for a run being failed; the next start lists the Jobs again anyway. */
const CLOSE_WAIT_MS = 3000;
const CLOSED = Symbol("closed");

/** A handler failed: the watch's events since the last listing cannot be trusted as applied. */
class HandlerFailure extends Error {
  constructor(cause: unknown) {
    super("the Jobs seen could not be applied to their runs", { cause });
  }
}

type WatchEnd = { resourceVersion: string; gone: boolean };

export class JobWatch {
  /** Resolves once the first listing has been handed to onList and handled. */
  readonly synced: Promise<void>;
  readonly #o: JobWatchOptions;
  readonly #path: string;
  readonly #loop: Promise<void>;
  #known = new Map<string, JobObject>();
  #handling: Promise<void> = Promise.resolve();
  #closed = false;
  #markSynced: () => void = () => {};
  #interrupt: (() => void) | undefined;
  #stopWatch: (() => void) | undefined;

  constructor(options: JobWatchOptions) {
    this.#o = options;
    this.#path = `/apis/batch/v1/namespaces/${encodeURIComponent(options.namespace)}/jobs`;
    this.synced = new Promise((resolve) => {
      this.#markSynced = resolve;
    });
    this.#loop = this.#run();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatch?.();
    this.#interrupt?.();
    await Promise.race([Promise.all([this.#loop, this.#handling]), delay(CLOSE_WAIT_MS)]);
  }

  async #run(): Promise<void> {
    const base = this.#o.retryMs ?? 1000;
    let retry = base;
    let resourceVersion: string | undefined;
    while (!this.#closed) {
      const began = Date.now();
      let failed = false;
      try {
        const clients = await this.#orClose(this.#o.connect());
        if (clients === CLOSED) return;
        if (resourceVersion === undefined) {
          const listed = await this.#list(clients.batch);
          if (listed === CLOSED) return;
          resourceVersion = listed;
        }
        const end = await this.#orClose(this.#watchFrom(clients.watch, resourceVersion));
        if (end === CLOSED) return;
        if (end.gone) this.#o.logger.info("the Job watch's resourceVersion expired; listing again");
        resourceVersion = end.gone ? undefined : end.resourceVersion;
      } catch (error) {
        if (this.#closed) return;
        failed = true;
        // After a handler failed, only a new listing says which Jobs still need applying.
        if (error instanceof HandlerFailure) resourceVersion = undefined;
        this.#o.logger.warn(
          { err: error, namespace: this.#o.namespace },
          "following the training Jobs failed; retrying",
        );
      }
      // Failures, and watches the server ends at once, back off instead of hammering it.
      if (!failed && Date.now() - began >= base) {
        retry = base;
        continue;
      }
      if ((await this.#orClose(delay(retry))) === CLOSED) return;
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  }

  /** Lists the Jobs, applies the listing, and gives the resourceVersion to watch from. */
  async #list(batch: BatchV1Api): Promise<string | typeof CLOSED> {
    const listedAt = Date.now();
    const list = await this.#orClose(
      withTimeout(
        batch.listNamespacedJob({
          namespace: this.#o.namespace,
          labelSelector: this.#o.labelSelector,
        }),
        LIST_TIMEOUT_MS,
        "listing the training Jobs",
      ),
    );
    if (list === CLOSED) return CLOSED;
    const resourceVersion = list.metadata?.resourceVersion;
    if (!resourceVersion) throw new Error("the Job listing carries no resourceVersion");
    const listed = new Map(list.items.map((job) => [job.metadata?.name ?? "", job]));
    const applied = this.#apply(async () => {
      for (const [name, job] of this.#known) {
        if (!listed.has(name)) await this.#o.onChange(job, true);
      }
      await this.#o.onList(list.items, listedAt);
    });
    try {
      await applied;
    } catch (error) {
      throw new HandlerFailure(error);
    }
    // Only once applied: a failed pass reports the same vanished Jobs again on the next listing.
    this.#known = listed;
    this.#markSynced();
    return resourceVersion;
  }

  /** One watch from `from` until the server ends it (or it goes quiet for too long). */
  #watchFrom(watch: Watch, from: string): Promise<WatchEnd> {
    const seconds = this.#o.watchSeconds ?? 300;
    return new Promise((resolve, reject) => {
      let resourceVersion = from;
      let gone = false;
      let settled = false;
      let handlerFailed: unknown;
      let serverError: Error | undefined;
      let controller: AbortController | undefined;
      let pending: Promise<void> = Promise.resolve();

      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(quiet);
        this.#stopWatch = undefined;
        controller?.abort();
        // Events already received are applied before the next watch or listing starts.
        void pending.then(() => {
          if (handlerFailed !== undefined) reject(new HandlerFailure(handlerFailed));
          else if (error) reject(error);
          else resolve({ resourceVersion, gone });
        });
      };
      // The server ends each watch after `seconds`; silence well past that means a dead connection.
      const quiet = setTimeout(() => finish(null), (seconds + 60) * 1000);
      quiet.unref();
      this.#stopWatch = () => finish(null);

      const onEvent = (phase: string, object: unknown) => {
        if (settled) return;
        const event = object as JobObject & {
          metadata?: { resourceVersion?: string };
          code?: number;
          reason?: string;
          message?: string;
        };
        if (phase === "ERROR") {
          // The server ends the watch after an ERROR event; the end decides what comes next.
          if (event.code === 410) gone = true;
          else
            serverError = new Error(
              `the Job watch reported ${event.code ?? "an error"}: ${event.reason ?? ""} ${event.message ?? ""}`.trim(),
            );
          return;
        }
        const version = event.metadata?.resourceVersion;
        if (version) resourceVersion = version;
        if (phase !== "ADDED" && phase !== "MODIFIED" && phase !== "DELETED") return;
        const name = event.metadata?.name ?? "";
        const deleted = phase === "DELETED";
        if (deleted) this.#known.delete(name);
        else this.#known.set(name, event);
        pending = this.#apply(async () => {
          if (handlerFailed !== undefined) return;
          try {
            await this.#o.onChange(event, deleted);
          } catch (error) {
            handlerFailed = error;
            finish(null);
          }
        });
      };
      const onDone = (error: unknown) => {
        const status = error as { statusCode?: number; code?: number } | null;
        if (status?.statusCode === 410 || status?.code === 410) {
          gone = true;
          finish(null);
        } else finish(error ?? serverError);
      };

      watch
        .watch(
          this.#path,
          {
            resourceVersion,
            labelSelector: this.#o.labelSelector,
            allowWatchBookmarks: true,
            timeoutSeconds: seconds,
          },
          onEvent,
          onDone,
        )
        .then(
          (started) => {
            controller = started;
            if (settled) started.abort();
          },
          (error: unknown) => finish(error),
        );
    });
  }

  /** Handlers run one at a time, in the order the server sent their Jobs. */
  #apply(work: () => Promise<void>): Promise<void> {
    const next = this.#handling.then(work);
    this.#handling = next.catch(() => {});
    return next;
  }

  /** `work`, or CLOSED as soon as close() is called, whichever comes first. */
  #orClose<T>(work: Promise<T>): Promise<T | typeof CLOSED> {
    if (this.#closed) return Promise.resolve(CLOSED);
    return new Promise((resolve, reject) => {
      const interrupt = () => resolve(CLOSED);
      this.#interrupt = interrupt;
      // The loop may already wait on the next piece of work; only clear what is still ours.
      void work.then(resolve, reject).finally(() => {
        if (this.#interrupt === interrupt) this.#interrupt = undefined;
      });
    });
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
