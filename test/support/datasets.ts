/**
 * The dataset routes on the real app spine, as the train function mounts them, for tests that
 * call them in-process; how such tests send a CSV and what an upload left in storage.
 */
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { Hono } from "hono";
import { layout } from "../../functions/lib/storage/layout.ts";
import type { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { type DatasetsContext, mountDatasets } from "../../functions/train/datasets/routes.ts";
import { WritesInFlight } from "../../functions/train/datasets/writes-in-flight.ts";
import { trainTestApp } from "./train-app.ts";

export function datasetsTestApp(context: DatasetsContext): Hono {
  return trainTestApp((routes) => mountDatasets(routes, context));
}

/**
 * Dataset routes over `store` with the limits the dataset suites share, so a test names only the
 * setting it is about; each app has writes of its own, so stopping one app's stops no other's.
 */
export function datasetsTestAppOn(
  store: ObjectStore,
  overrides: Partial<DatasetsContext> = {},
): Hono {
  return datasetsTestApp({
    store,
    signer: store,
    maxBytes: 64 * 1024 * 1024,
    maxInflateRatio: 100,
    maxDistinct: 1000,
    uploadMaxAgeMs: 60_000,
    partUrlTtlSeconds: 600,
    writes: new WritesInFlight(),
    ...overrides,
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
