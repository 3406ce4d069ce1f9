/**
 * The ceiling the serve benchmark compares against: the same server stack (Node's http through
 * @hono/node-server into a Hono router) with nothing else, answering a constant JSON.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
// Asynchronous, as every real handler is, so the ceiling pays the same promise per request.
app.post("/", async (c) => c.json({ ok: true }));

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: "127.0.0.1" });
