/**
 * @module local/gateway
 * Local mode's stand-in for the Ingress: routes each request by Host and path, with the same
 * table and the same longest-prefix rule, to the in-process function; anything else goes to
 * not-found. `localhost` counts as the API host.
 */
import { type FunctionName, type RoutingTable, resolveRoute } from "../functions/lib/routing.ts";

interface Fetcher {
  fetch: (request: Request) => Response | Promise<Response>;
}

export function createGateway(
  table: RoutingTable,
  functions: Partial<Record<FunctionName, Fetcher>>,
  notFound: Fetcher,
): (request: Request) => Response | Promise<Response> {
  return function gateway(request) {
    const path = new URL(request.url).pathname;
    const fn = resolveRoute(table, request.headers.get("host") ?? undefined, path, {
      loopbackIsApiHost: true,
    });
    const target = (fn && functions[fn]) || notFound;
    return target.fetch(request);
  };
}
