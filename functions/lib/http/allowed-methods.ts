/**
 * @module http/allowed-methods
 * Which methods an app answers on a path, for the 405 that tells a client it used the wrong
 * method on a path that exists, instead of a 404 that says the path does not.
 */
import type { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";

/**
 * A lookup of the methods `app` has routes for on a path. The table is built on first use, when
 * every route is mounted; middleware (method ALL) answers no request on its own and is left out.
 */
export function allowedMethodsOf(app: Hono): (path: string) => string[] {
  let router: TrieRouter<string> | undefined;
  return (path) => {
    if (router === undefined) {
      router = new TrieRouter<string>();
      for (const route of app.routes) {
        if (route.method !== "ALL") router.add("ALL", route.path, route.method);
      }
    }
    const methods = new Set(router.match("GET", path)[0].map(([method]) => method));
    // Hono answers HEAD wherever it answers GET.
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}
