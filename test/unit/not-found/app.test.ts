import { describe, expect, it } from "vitest";
import { Readiness } from "../../../functions/lib/http/health.ts";
import type { RoutingTable } from "../../../functions/lib/routing.ts";
import { createNotFoundApp } from "../../../functions/not-found/app.ts";
import { capturedLogger } from "../../support/logs.ts";

const routes: RoutingTable = [
  {
    host: "api.example",
    paths: [
      { path: "/info", function: "info" },
      { path: "/serve", function: "serve" },
    ],
  },
  { host: "info.example", paths: [{ path: "/", function: "info" }] },
];

function app() {
  const readiness = new Readiness();
  readiness.markStarted();
  return createNotFoundApp({
    logger: capturedLogger("not-found").logger,
    readiness,
    routes,
  } as Parameters<typeof createNotFoundApp>[0]);
}

describe("not-found", () => {
  it.each(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])(
    "answers %s with a 404 JSON naming what exists",
    async (method) => {
      const res = await app().request("/some/path?q=1", {
        method,
        headers: { host: "nowhere.example:8080" },
      });
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({
        error: { code: "not_found", message: "nothing is served at nowhere.example/some/path" },
        request: { method, host: "nowhere.example", path: "/some/path" },
        available: ["api.example/info", "api.example/serve", "info.example/"],
      });
    },
  );

  it("answers 404 even on health paths, which are probed on the admin port instead", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) {
      expect((await app().request(path)).status).toBe(404);
    }
  });

  it("gives browsers a small HTML page, with what they asked escaped", async () => {
    const res = await app().request("/x", {
      headers: {
        host: "<script>alert(1)</script>",
        accept: "text/html,application/xhtml+xml,*/*;q=0.8",
      },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("404");
    expect(html).toContain("<code>info.example/</code>");
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;/x");
  });

  it("prefers JSON when the client ranks it first", async () => {
    const res = await app().request("/x", { headers: { accept: "application/json, text/html" } });
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it.each(["/v2", "/v2/models/iris/config", "/serve/v2/repository/index"])(
    "answers %s with the Open Inference Protocol's string error, which its clients can read",
    async (path) => {
      const res = await app().request(path, { headers: { host: "nowhere.example" } });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `nothing is served at nowhere.example${path}` });
    },
  );
});
