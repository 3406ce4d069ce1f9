/**
 * @module http/metrics
 * Request count and latency by function, route pattern and status. Routes are patterns
 * (`/models/:name`), never raw paths, so the number of series stays bounded. A request whose
 * client closed the connection before its answer has status 499, so it never counts as a 5xx.
 */
import type { Context } from "hono";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<"fn" | "method" | "route" | "status">;
  duration: Histogram<"fn" | "method" | "route" | "status">;
}

/** One registry per process: in local mode all functions share it, told apart by `fn`. */
export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "skiff_" });
  const labelNames = ["fn", "method", "route", "status"] as const;
  return {
    registry,
    requests: new Counter({
      name: "skiff_http_requests_total",
      help: "HTTP requests by function, route and status (499: the client closed the connection first)",
      labelNames,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "skiff_http_request_duration_seconds",
      help: "Time to answer an HTTP request",
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export function recordRequest(
  metrics: HttpMetrics,
  fn: string,
  c: Context,
  status: number,
  durationMs: number,
): void {
  const labels = { fn, method: c.req.method, route: c.req.routePath, status: String(status) };
  metrics.requests.inc(labels);
  metrics.duration.observe(labels, durationMs / 1000);
}
