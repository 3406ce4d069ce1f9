/**
 * @module not-found/app
 * The Ingress default backend: 404 for every method and path, naming what was asked and what
 * does exist. JSON by default, a small HTML page for browsers. It has no dependencies and
 * builds its answers from a table computed once, so it is cheap and cannot fail.
 */
import { Hono } from "hono";
import { isUnderRoots } from "../lib/http/error-handler.ts";
import { createFunctionApp } from "../lib/http/function-app.ts";
import { normalizeHost, type RoutingTable } from "../lib/routing.ts";
import type { FunctionDeps } from "../lib/run-function.ts";

export interface NotFoundOptions extends FunctionDeps {
  routes: RoutingTable;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = accept.indexOf("text/html");
  const json = accept.indexOf("application/json");
  return html !== -1 && (json === -1 || html < json);
}

/**
 * Where an Open Inference Protocol client may be pointed without reaching serve: the gateway's
 * root, and wherever serve is routed on some host (asked here on a host that does not route it).
 */
function protocolRootsOf(table: RoutingTable): string[] {
  const roots = new Set(["/v2"]);
  for (const host of table) {
    for (const route of host.paths) {
      if (route.function === "serve") roots.add(`${route.path === "/" ? "" : route.path}/v2`);
    }
  }
  return [...roots];
}

export function createNotFoundApp(options: NotFoundOptions): Hono {
  const available = options.routes.flatMap((h) => h.paths.map((p) => `${h.host}${p.path}`));
  const protocolRoots = protocolRootsOf(options.routes);
  const routes = new Hono();

  routes.all("*", (c) => {
    const host = normalizeHost(c.req.header("host")) || "(no host)";
    const path = c.req.path;
    const message = `nothing is served at ${host}${path}`;
    // The protocol's clients read only a string error; anything else makes them crash.
    if (isUnderRoots(path, protocolRoots)) return c.json({ error: message }, 404);
    if (prefersHtml(c.req.header("accept"))) {
      const items = available.map((a) => `<li><code>${escapeHtml(a)}</code></li>`).join("");
      return c.html(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>404 · skiff</title></head>` +
          `<body><h1>404: not found</h1><p>Nothing is served at <code>${escapeHtml(host + path)}</code>.</p>` +
          `<p>What exists:</p><ul>${items}</ul></body></html>`,
        404,
      );
    }
    return c.json(
      {
        error: { code: "not_found", message },
        request: { method: c.req.method, host, path },
        available,
      },
      404,
    );
  });

  return createFunctionApp(routes, {
    name: "not-found",
    logger: options.logger,
    readiness: options.readiness,
    metrics: options.metrics,
    jsonBodyLimitBytes: 1024,
    protocolRoots,
    // Every public path answers 404, health included; probes use the admin port.
    publicHealth: false,
  });
}
