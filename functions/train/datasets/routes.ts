/**
 * @module train/datasets/routes
 * The dataset routes: streamed CSV upload, presigned multipart uploads, and the catalogue.
 * Handlers only translate between HTTP and the domain modules.
 */
import { Readable } from "node:stream";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { describeDataset, listDatasets, readDatasetRecord } from "./catalogue.ts";
import type { DatasetsContext } from "./context.ts";
import { csvBody } from "./csv-body.ts";
import {
  abortUploadRoute,
  completeUploadRoute,
  describeDatasetRoute,
  describeUploadRoute,
  listDatasetsRoute,
  partUrlRoute,
  partUrlsRoute,
  readVersionRoute,
  startUploadRoute,
  uploadDatasetRoute,
} from "./definitions.ts";
import { delimiterOf } from "./dialect.ts";
import {
  abortUpload,
  completeUpload,
  describeUpload,
  presignParts,
  startUpload,
} from "./presigned.ts";
import { uploadDataset } from "./upload.ts";

export type { DatasetsContext } from "./context.ts";

/** The Node request @hono/node-server passes as `env.incoming`; absent under app.request(). */
function nodeRequestOf(env: unknown): Readable | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof Readable ? incoming : undefined;
}

/** The query's delimiter (validated against the same list) as the delimiter itself. */
function delimiterOfQuery(value: string | undefined) {
  return value === undefined ? undefined : delimiterOf(value);
}

export function mountDatasets(routes: OpenAPIHono, ctx: DatasetsContext): void {
  const limits = { maxBytes: ctx.maxBytes, maxDistinct: ctx.maxDistinct };

  routes.openapi(uploadDatasetRoute, async (c) => {
    const { name } = c.req.valid("param");
    const delimiter = delimiterOfQuery(c.req.valid("query").delimiter);
    const record = await ctx.writes.run(c.req.raw.signal, (signal) => {
      // The raw body, as a stream: a validator or bodyLimit would buffer it whole.
      const body = csvBody(c.req.raw, ctx, signal, nodeRequestOf(c.env));
      return uploadDataset(ctx.store, name, body, limits, delimiter);
    });
    return c.json(record, 201);
  });

  routes.openapi(listDatasetsRoute, async (c) =>
    c.json({ datasets: await listDatasets(ctx.store) }, 200),
  );

  routes.openapi(describeDatasetRoute, async (c) =>
    c.json(await describeDataset(ctx.store, c.req.valid("param").name), 200),
  );

  routes.openapi(readVersionRoute, async (c) => {
    const { name, version } = c.req.valid("param");
    return c.json(await readDatasetRecord(ctx.store, name, version), 200);
  });

  routes.openapi(startUploadRoute, async (c) => {
    const { name } = c.req.valid("param");
    const started = await startUpload(ctx.store, name, {
      maxBytes: ctx.maxBytes,
      maxAgeMs: ctx.uploadMaxAgeMs,
    });
    return c.json(started, 201);
  });

  routes.openapi(describeUploadRoute, async (c) => {
    const { name, id } = c.req.valid("param");
    return c.json(await describeUpload(ctx.store, name, id, ctx.uploadMaxAgeMs), 200);
  });

  routes.openapi(partUrlRoute, async (c) => {
    const { name, id, part } = c.req.valid("param");
    const range = { first: part, last: part };
    const [url] = await presignParts(ctx.store, ctx.signer, name, id, range, ctx.partUrlTtlSeconds);
    return c.json(url as NonNullable<typeof url>, 200);
  });

  routes.openapi(partUrlsRoute, async (c) => {
    const { name, id } = c.req.valid("param");
    const [first, last = first] = c.req.valid("query").parts.split("-").map(Number);
    const range = { first: first as number, last: last as number };
    const urls = await presignParts(ctx.store, ctx.signer, name, id, range, ctx.partUrlTtlSeconds);
    return c.json({ urls }, 200);
  });

  routes.openapi(completeUploadRoute, async (c) => {
    const { name, id } = c.req.valid("param");
    // The body is optional; zod-openapi validates it only when one is declared as JSON.
    const expectedSha256 = c.req.header("content-type")?.includes("json")
      ? c.req.valid("json")?.sha256
      : undefined;
    const delimiter = delimiterOfQuery(c.req.valid("query").delimiter);
    // Only shutdown stops a completion: the parts are joined by then, so a client that went
    // away finds its version listed rather than its upload gone.
    const record = await ctx.writes.run(undefined, (signal) =>
      completeUpload(ctx.store, name, id, limits, { expectedSha256, delimiter, signal }),
    );
    return c.json(record, 201);
  });

  routes.openapi(abortUploadRoute, async (c) => {
    const { name, id } = c.req.valid("param");
    await abortUpload(ctx.store, name, id);
    return c.body(null, 204);
  });
}
