import { createRoute, z } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import {
  AliasNotFoundError,
  ConflictError,
  InvalidRequestError,
  ModelNotFoundError,
  NotReadyError,
} from "../../../../functions/lib/errors.ts";
import { createFunctionApp, createRoutes } from "../../../../functions/lib/http/function-app.ts";
import { Readiness } from "../../../../functions/lib/http/health.ts";
import { capturedLogger } from "../../../support/logs.ts";

function appThrowing(error: unknown) {
  const { logger, lines } = capturedLogger();
  const routes = createRoutes();
  routes.get("/boom", () => {
    throw error;
  });
  routes.openapi(
    createRoute({
      method: "post",
      path: "/things",
      request: {
        body: {
          content: {
            "application/json": { schema: z.object({ name: z.string(), count: z.number().int() }) },
          },
        },
      },
      responses: { 200: { description: "ok" } },
    }),
    (c) => c.json({ ok: true }, 200),
  );
  const readiness = new Readiness();
  readiness.markStarted();
  const app = createFunctionApp(routes, {
    name: "test",
    prefix: "/test",
    logger,
    readiness,
    jsonBodyLimitBytes: 64,
  });
  return { app, lines };
}

describe("error mapping", () => {
  it.each([
    [new InvalidRequestError("bad age"), 400, "invalid_request", "bad age"],
    [new ConflictError("taken"), 409, "conflict", "taken"],
    [new NotReadyError("loading"), 503, "not_ready", "loading"],
    [new ModelNotFoundError("m"), 404, "not_found", "model m does not exist"],
    [new ModelNotFoundError("m", "3"), 404, "not_found", "model m has no version 3"],
    [
      new ModelNotFoundError("m", "3", "deleted version"),
      404,
      "not_found",
      "model m has no version 3 (it was deleted)",
    ],
    [
      new ModelNotFoundError("m", "beta", "version or alias"),
      404,
      "not_found",
      'model m has no version or alias "beta"',
    ],
    [new AliasNotFoundError("m", "beta"), 404, "not_found", "model m has no alias beta"],
    [new HTTPException(401, { message: "who are you" }), 401, "unauthorized", "who are you"],
  ])("maps %s to its status and body", async (error, status, code, message) => {
    const { app } = appThrowing(error);
    for (const path of ["/boom", "/test/boom"]) {
      const res = await app.request(path);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { code, message } });
    }
  });

  it("hides the details of an unexpected error and logs them with the stack", async () => {
    const { app, lines } = appThrowing(new TypeError("secret internals at /srv/x.ts"));
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(text).not.toContain("secret");
    expect(text).not.toContain("TypeError");
    const line = lines().find((l) => l.status === 500);
    expect(line?.level).toBe("error");
    expect(JSON.stringify(line?.err)).toContain("secret internals");
  });

  it("answers an unknown route with 404 in the same shape", async () => {
    const { app } = appThrowing(new Error("unused"));
    const res = await app.request("/nowhere");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "no route for GET /nowhere" },
    });
  });

  it("answers a path that exists with the wrong method with 405 and the methods it takes", async () => {
    const { app } = appThrowing(new Error("unused"));
    for (const path of ["/things", "/test/things"]) {
      const res = await app.request(path, { method: "DELETE" });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect(await res.json()).toEqual({
        error: {
          code: "method_not_allowed",
          message: `DELETE is not allowed on ${path}; use POST`,
        },
      });
    }
    const boom = await app.request("/boom", { method: "PUT" });
    expect(boom.status).toBe(405);
    expect(boom.headers.get("allow")).toBe("GET, HEAD");
    // Health is answered by the app itself and is covered the same way.
    expect((await app.request("/healthz", { method: "POST" })).status).toBe(405);
    expect((await app.request("/nothing", { method: "DELETE" })).status).toBe(404);
  });

  it("names the offending field of an invalid body", async () => {
    const { app, lines } = appThrowing(new Error("unused"));
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x", count: 1.5 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toMatch(/^json\.count: /);
    // Client errors are logged at info, without a stack.
    const line = lines().find((l) => l.status === 400);
    expect(line?.level).toBe("info");
    expect(line?.err).toBeUndefined();
  });

  it("refuses malformed JSON with 400", async () => {
    const { app } = appThrowing(new Error("unused"));
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });

  it("refuses a JSON body whose declared length is over the limit, before reading it", async () => {
    const { app } = appThrowing(new Error("unused"));
    const body = JSON.stringify({ name: "x".repeat(200), count: 1 });
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(body.length) },
      body,
    });
    expect(res.status).toBe(413);
    const small = JSON.stringify({ name: "x", count: 1 });
    const ok = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(small.length) },
      body: small,
    });
    expect(ok.status).toBe(200);
  });

  it("refuses a JSON body over the limit with 413", async () => {
    const { app } = appThrowing(new Error("unused"));
    const res = await app.request("/things", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "x".repeat(200), count: 1 }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: {
        code: "payload_too_large",
        message:
          "request body is larger than the limit of 64 bytes (set by SKIFF_JSON_BODY_LIMIT, chart value limits.requestBodyBytes)",
      },
    });
  });
});
