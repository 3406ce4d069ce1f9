/**
 * @module info/docs-page
 * A browsable API reference (Swagger UI) served entirely from this function: its assets come
 * from the installed swagger-ui-dist package, so the page works without reaching any CDN.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { getAbsoluteFSPath } from "swagger-ui-dist";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};

// Relative URLs so the page works at /docs and at /info/docs alike. The document declares train's
// bearer scheme, which gives the page its Authorize button; the token it is given there stays
// across reloads (in the browser's local storage) so "Try it out" keeps working on train.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>skiff API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#reference",
  deepLinking: true,
  persistAuthorization: true,
});
</script>
</body>
</html>
`;

export function mountDocsPage(routes: OpenAPIHono): void {
  const cache = new Map<string, string>();
  routes.get("/docs", (c) => {
    // `/info/docs` must resolve `docs/...` under `/info/`, so the page URL needs no trailing slash.
    return c.html(PAGE);
  });
  routes.get("/docs/:asset", async (c) => {
    const asset = c.req.param("asset");
    const type = ASSETS[asset];
    if (type === undefined) return c.notFound();
    let body = cache.get(asset);
    if (body === undefined) {
      body = await readFile(join(getAbsoluteFSPath(), asset), "utf8");
      cache.set(asset, body);
    }
    return c.body(body, 200, { "content-type": type, "cache-control": "public, max-age=86400" });
  });
}
