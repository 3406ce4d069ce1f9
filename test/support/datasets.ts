/**
 * The dataset routes on the real app spine, as the train function mounts them, for tests that
 * call them in-process; how such tests send a CSV and what an upload left in storage.
 */
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { Hono } from "hono";
import { createFunctionApp, createRoutes } from "../../functions/lib/http/function-app.ts";
import { Readiness } from "../../functions/lib/http/health.ts";
import { layout } from "../../functions/lib/storage/layout.ts";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { type DatasetsContext, mountDatasets } from "../../functions/train/datasets/routes.ts";
import { capturedLogger } from "./logs.ts";

export function datasetsTestApp(context: DatasetsContext): Hono {
  const routes = createRoutes();
  mountDatasets(routes, context);
  const readiness = new Readiness();
  readiness.markStarted();
  return createFunctionApp(routes, {
    name: "train",
    prefix: "/train",
    logger: capturedLogger("train").logger,
    readiness,
    jsonBodyLimitBytes: 1024 * 1024,
  });
}

/** A request body that arrives in pieces, as from a socket, never as one buffer. */
export function streamOf(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>) {
  return ReadableStream.from(source as AsyncIterable<Uint8Array>);
}

export function* pieces(data: Uint8Array, size = 7919): Generator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** PUTs `body` (sent in pieces when it is bytes) as a dataset upload to `target`. */
export function putCsv(
  target: Hono,
  name: string,
  body: Uint8Array | ReadableStream<Uint8Array> | null,
  headers: Record<string, string> = { "content-type": "text/csv" },
  path = `/datasets/${name}`,
): Promise<Response> {
  const stream = body instanceof Uint8Array ? streamOf(pieces(body)) : body;
  return Promise.resolve(
    target.request(path, { method: "PUT", body: stream, headers, duplex: "half" } as RequestInit),
  );
}

export async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

/** Keys under datasets/<name>/ and every pending multipart upload in the bucket. */
export async function leftovers(store: ObjectStore, name: string) {
  const keys: string[] = [];
  for await (const object of store.list(layout.datasetRoot(name))) keys.push(object.key);
  const pending = await store.client.send(
    new ListMultipartUploadsCommand({ Bucket: store.bucket }),
  );
  return { keys, pendingUploads: (pending.Uploads ?? []).map((u) => u.Key) };
}
