import { describe, expect, it } from "vitest";
import { createFunctionApp, createRoutes } from "../../../../functions/lib/http/function-app.ts";
import { Readiness } from "../../../../functions/lib/http/health.ts";
import { createMetrics } from "../../../../functions/lib/http/metrics.ts";
import { capturedLogger } from "../../../support/logs.ts";

function build() {
  const { logger, lines } = capturedLogger("demo");
  const routes = createRoutes();
  routes.get("/items/:id", (c) => c.json({ id: c.req.param("id") }));
  const readiness = new Readiness();
  const metrics = createMetrics();
  const app = createFunctionApp(routes, {
    name: "demo",
    prefix: "/demo",
    logger,
    readiness,
    metrics,
    jsonBodyLimitBytes: 1024,
  });
  return { app, lines, readiness, metrics };
}

describe("request id and access log", () => {
  it("gives each request a fresh id and writes one JSON line for it", async () => {
    const { app, lines } = build();
    const res = await app.request("/demo/items/7", { headers: { host: "api.example" } });
    expect(res.status).toBe(200);
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: "info",
      fn: "demo",
      requestId: id,
      method: "GET",
      host: "api.example",
      path: "/demo/items/7",
      route: "/demo/items/:id",
      status: 200,
    });
    expect(typeof logged[0]?.durationMs).toBe("number");
    expect(typeof logged[0]?.time).toBe("string");
  });

  it("stamps every line with its own ISO time, to the millisecond", async () => {
    const { logger, lines } = capturedLogger("demo");
    const before = Date.now();
    logger.info("first");
    await new Promise((resolve) => setTimeout(resolve, 5));
    logger.info("second");
    const after = Date.now();
    const [first, second] = lines().map((l) => String(l.time));
    for (const stamp of [first, second]) {
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const at = Date.parse(stamp as string);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
    expect(Date.parse(second as string)).toBeGreaterThan(Date.parse(first as string));
  });

  it("keeps a sane caller-given id and replaces an unsafe one", async () => {
    const { app } = build();
    const kept = await app.request("/items/1", { headers: { "x-request-id": "trace-abc.123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-abc.123");
    const replaced = await app.request("/items/1", { headers: { "x-request-id": "<script>" } });
    expect(replaced.headers.get("x-request-id")).not.toBe("<script>");
  });

  it("counts requests by route pattern, not raw path", async () => {
    const { app, metrics } = build();
    await app.request("/items/1");
    await app.request("/items/2");
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /skiff_http_requests_total\{fn="demo",method="GET",route="\/items\/:id",status="200"\} 2/,
    );
  });
});

describe("health and readiness", () => {
  it("is live at once but ready only once started, and not while draining", async () => {
    const { app, readiness } = build();
    expect((await app.request("/healthz")).status).toBe(200);
    const starting = await app.request("/readyz");
    expect(starting.status).toBe(503);
    expect(await starting.json()).toEqual({ status: "not_ready", reason: "starting" });
    readiness.markStarted();
    expect((await app.request("/readyz")).status).toBe(200);
    readiness.addCheck(() => "models loading");
    expect(await (await app.request("/readyz")).json()).toEqual({
      status: "not_ready",
      reason: "models loading",
    });
    readiness.markDraining();
    expect(await (await app.request("/readyz")).json()).toEqual({
      status: "not_ready",
      reason: "shutting down",
    });
  });
});
