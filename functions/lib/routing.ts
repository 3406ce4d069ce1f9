/**
 * @module routing
 * The public routing table: which host and path prefix reach which function. Its one source is
 * the `ingress.hosts` section of chart/values.yaml; the chart's Ingress and the local gateway
 * both follow it, and a request that matches nothing goes to the not-found function.
 */
import { z } from "zod";

export const FUNCTION_NAMES = ["info", "serve", "train"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

const hostName = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/,
    "must be a lower-case DNS host name",
  );

export const routeSchema = z.object({
  path: z
    .string()
    .regex(
      /^\/([A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*)?$/,
      "must start with / and have no trailing /",
    ),
  function: z.enum(FUNCTION_NAMES),
});

export const hostRoutesSchema = z.object({
  host: hostName,
  paths: z.array(routeSchema),
});

export const routingTableSchema = z
  .array(hostRoutesSchema)
  .min(1, "needs at least one host")
  .superRefine((hosts, ctx) => {
    const seen = new Set<string>();
    hosts.forEach((h, i) => {
      if (seen.has(h.host))
        ctx.addIssue({ code: "custom", path: [i, "host"], message: `duplicate host ${h.host}` });
      seen.add(h.host);
      const paths = new Set<string>();
      h.paths.forEach((p, j) => {
        if (paths.has(p.path)) {
          ctx.addIssue({
            code: "custom",
            path: [i, "paths", j],
            message: `duplicate path ${p.path} on ${h.host}`,
          });
        }
        paths.add(p.path);
      });
    });
  });

export type RoutingTable = z.infer<typeof routingTableSchema>;

/** Host names that mean "this machine"; they are answered as the API host (the first one). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/** `Example.com:8080` → `example.com`; IPv6 literals keep their brackets. */
export function normalizeHost(hostHeader: string | undefined): string {
  if (!hostHeader) return "";
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/** Ingress `Prefix` semantics: `/info` matches `/info` and `/info/x`, not `/infox`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

/**
 * The function that serves `host` + `path`, or undefined (→ not-found). Loopback hosts count as
 * the API host when `loopbackIsApiHost` is set (local mode). The longest matching prefix wins,
 * as with an Ingress.
 */
export function resolveRoute(
  table: RoutingTable,
  hostHeader: string | undefined,
  path: string,
  options: { loopbackIsApiHost?: boolean } = {},
): FunctionName | undefined {
  let host = normalizeHost(hostHeader);
  if (options.loopbackIsApiHost && LOOPBACK_HOSTS.has(host)) host = table[0]?.host ?? host;
  const entry = table.find((h) => h.host === host);
  if (!entry) return undefined;
  let best: { length: number; fn: FunctionName } | undefined;
  for (const route of entry.paths) {
    if (prefixMatches(route.path, path) && (!best || route.path.length > best.length)) {
      best = { length: route.path.length, fn: route.function };
    }
  }
  return best?.fn;
}

/** Keeps only the routes whose function is running; the rest fall through to not-found. */
export function onlyFunctions(table: RoutingTable, running: ReadonlySet<string>): RoutingTable {
  return table.map((h) => ({
    host: h.host,
    paths: h.paths.filter((p) => running.has(p.function)),
  }));
}

/** Each function's public URLs: `<scheme>://<host><path>` for every route that reaches it. */
export function serviceUrls(
  table: RoutingTable,
  baseUrlOf: (host: string) => string,
): Partial<Record<FunctionName, string[]>> {
  const urls: Partial<Record<FunctionName, string[]>> = {};
  for (const h of table) {
    for (const route of h.paths) {
      const base = baseUrlOf(h.host).replace(/\/$/, "");
      const url = route.path === "/" ? `${base}/` : `${base}${route.path}`;
      urls[route.function] = [...(urls[route.function] ?? []), url];
    }
  }
  return urls;
}
