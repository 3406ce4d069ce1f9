/**
 * @module http/health
 * Liveness says the process can answer; readiness says it should get traffic. Readiness turns
 * false while the function is starting (e.g. preloading models) and once it starts draining.
 */
import type { Hono } from "hono";

/** A function's readiness: the server flips it, and a function may add its own check. */
export class Readiness {
  #draining = false;
  #started = false;
  readonly #checks: Array<() => string | undefined> = [];

  /** Adds a check that returns why the function is not ready yet, or undefined when it is. */
  addCheck(check: () => string | undefined): void {
    this.#checks.push(check);
  }

  markStarted(): void {
    this.#started = true;
  }

  markDraining(): void {
    this.#draining = true;
  }

  /** Why traffic should not come here now, or undefined when it may. */
  reason(): string | undefined {
    if (this.#draining) return "shutting down";
    if (!this.#started) return "starting";
    for (const check of this.#checks) {
      const reason = check();
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
}

export function mountHealth(app: Hono, readiness: Readiness): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const reason = readiness.reason();
    return reason === undefined
      ? c.json({ status: "ready" })
      : c.json({ status: "not_ready", reason }, 503);
  });
}
