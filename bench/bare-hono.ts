/**
 * The ceiling the serve benchmark compares against: the same server stack (Node's http through
 * @hono/node-server into a Hono router) with nothing else, answering a constant JSON.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
// BARE_READ_JSON=1 also parses the body, as any real handler must: profile-serve.ts uses it to
// show how much of serve's gap is reading a body at all.
const readJson = process.env.BARE_READ_JSON === "1";
app.post("/", async (c) => {
  if (readJson) await c.req.json();
  return c.json({ ok: true });
});

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8080), hostname: "127.0.0.1" });
