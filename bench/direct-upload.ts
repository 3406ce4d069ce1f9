/**
 * bench/train.ts's baseline for dataset uploads: `node --import tsx bench/direct-upload.ts FILE
 * KEY` puts FILE into the bucket with @aws-sdk/lib-storage's Upload (8 MiB parts, two in
 * flight) and skiff's S3 client settings, with nothing of skiff in between (no HTTP hop, no
 * scan). Storage settings come from the SKIFF_S3_* variables.
 * Prints one JSON line: {"bytes", "ms"}.
 */
import { createReadStream, statSync } from "node:fs";
import { Upload } from "@aws-sdk/lib-storage";
import { parseEnv, storageEnv } from "../functions/lib/config.ts";
import { ObjectStore } from "../functions/lib/storage/object-store.ts";

/** The SDK Upload as it is commonly set up to stream a file. */
const PART_BYTES = 8 * 1024 * 1024;
const QUEUE_SIZE = 2;

const [file, key] = process.argv.slice(2);
if (!file || !key) throw new Error("usage: direct-upload.ts FILE KEY");
const store = ObjectStore.fromEnv(parseEnv(storageEnv, process.env));
const started = performance.now();
const upload = new Upload({
  client: store.client,
  params: { Bucket: store.bucket, Key: key, Body: createReadStream(file), ContentType: "text/csv" },
  queueSize: QUEUE_SIZE,
  partSize: PART_BYTES,
  leavePartsOnError: false,
});
await upload.done();
const ms = performance.now() - started;
store.client.destroy();
process.stdout.write(`${JSON.stringify({ bytes: statSync(file).size, ms })}\n`);
