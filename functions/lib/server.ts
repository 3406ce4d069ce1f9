/**
 * @module server
 * Serves a fetch handler on a port and shuts it down gracefully: on SIGTERM it stops accepting,
 * lets in-flight requests finish (bounded by a drain timeout), then runs the shutdown hooks
 * (flush logs, close sessions) and only then lets the process exit.
 */
import { createServer, type Server } from "node:http";
import { type ServerType, serve } from "@hono/node-server";
import type { Registry } from "prom-client";
import type { Readiness } from "./http/health.ts";
import type { Logger } from "./logger.ts";

export type ShutdownHook = () => Promise<void> | void;

export interface HttpServerOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname?: string;
  logger: Logger;
  /** Flipped to draining the moment shutdown starts, so probes stop sending traffic. */
  readiness?: Readiness;
  drainTimeoutMs: number;
}

export interface RunningServer {
  /** The port actually bound (useful when asked for port 0). */
  port: number;
  /** Stops accepting, drains in-flight requests, then resolves. Safe to call twice. */
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const server: ServerType = serve({
    fetch: options.fetch,
    port: options.port,
    hostname: options.hostname ?? "0.0.0.0",
  });
  const http = server as Server;
  await new Promise<void>((resolve, reject) => {
    if (http.listening) return resolve();
    http.once("listening", resolve);
    http.once("error", reject);
  });
  const address = http.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  options.readiness?.markStarted();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= drain(http, options);
    return closing;
  };
  return { port, close };
}

async function drain(http: Server, options: HttpServerOptions): Promise<void> {
  options.readiness?.markDraining();
  const closed = new Promise<void>((resolve) => http.close(() => resolve()));
  // Keep-alive sockets go idle between requests; close them as they do so close() can finish.
  const reaper = setInterval(() => http.closeIdleConnections(), 50);
  http.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.drainTimeoutMs);
  });
  const outcome = await Promise.race([closed, timedOut]);
  clearInterval(reaper);
  clearTimeout(timer);
  if (outcome === "timeout") {
    options.logger.warn(
      { drainTimeoutMs: options.drainTimeoutMs },
      "drain timed out; closing connections",
    );
    http.closeAllConnections();
    await closed;
  }
}

/**
 * The admin port: Prometheus metrics and health, on a port of their own that no Ingress routes
 * to. The not-found function, which answers 404 to everything public, is probed here.
 */
export async function startAdminServer(options: {
  registry: Registry;
  readiness: Readiness;
  port: number;
}): Promise<RunningServer> {
  const { registry, readiness } = options;
  const server = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.url === "/healthz") return json(200, { status: "ok" });
    if (req.url === "/readyz") {
      const reason = readiness.reason();
      return reason === undefined
        ? json(200, { status: "ready" })
        : json(503, { status: "not_ready", reason });
    }
    if (req.url !== "/metrics")
      return json(404, { error: { code: "not_found", message: "no such admin path" } });
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => json(500, { error: { code: "internal", message: "metrics failed" } }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "0.0.0.0", resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * On SIGTERM or SIGINT: run `shutdown` once, then exit 0 (1 if it threw). A second signal
 * while shutting down exits at once, so Ctrl-C twice always works.
 */
export function exitOnSignals(logger: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal; exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    shutdown().then(
      () => finish(logger, 0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        finish(logger, 1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

function finish(logger: Logger, code: number): void {
  logger.info({ code }, "stopped");
  logger.flush(() => process.exit(code));
}

/** Runs hooks in order; one failing hook is logged and does not stop the others. */
export async function runHooks(hooks: ShutdownHook[], logger: Logger): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (error) {
      logger.error({ err: error }, "shutdown hook failed");
    }
  }
}
