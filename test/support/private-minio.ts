/**
 * A MinIO server of a test's own, beside the run's shared one, for faults that would disturb
 * every other suite: frozen with SIGSTOP (it stops answering but its sockets stay open, as an
 * overloaded or wedged server does), thawed again, or stopped.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv, type StorageEnv, storageEnv } from "../../functions/lib/config.ts";
import { ensureBucket } from "../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { startMinio } from "../../minio/launcher.ts";
import { ensureTool } from "../../toolchain/tools.ts";

export interface PrivateMinio {
  /** Storage settings pointing at this server, as strings for a child process's env. */
  env: Record<string, string>;
  /** The same settings, parsed, with `settings` (e.g. SKIFF_STORAGE_TIMEOUT_MS) over them. */
  storageEnv(settings?: Record<string, string>): StorageEnv;
  /** A store on the server's bucket, which exists. */
  store: ObjectStore;
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKey: "skiff-private", secretKey: "skiff-private-secret" };

export async function startPrivateMinio(): Promise<PrivateMinio> {
  const dataDir = mkdtempSync(join(tmpdir(), "skiff-private-minio-"));
  const minio = await startMinio({ binary: await ensureTool("minio"), dataDir, ...CREDENTIALS });
  const env = {
    SKIFF_S3_ENDPOINT: minio.endpoint,
    SKIFF_S3_BUCKET: "skiff",
    SKIFF_S3_ACCESS_KEY_ID: CREDENTIALS.accessKey,
    SKIFF_S3_SECRET_ACCESS_KEY: CREDENTIALS.secretKey,
  };
  const settingsOf = (settings: Record<string, string> = {}) =>
    parseEnv(storageEnv, { ...env, ...settings });
  const store = ObjectStore.fromEnv(settingsOf());
  await ensureBucket(store);
  let frozen = false;
  const signal = (name: NodeJS.Signals) => {
    if (minio.process.pid !== undefined) process.kill(minio.process.pid, name);
  };
  return {
    env,
    storageEnv: settingsOf,
    store,
    freeze: () => {
      signal("SIGSTOP");
      frozen = true;
    },
    thaw: () => {
      signal("SIGCONT");
      frozen = false;
    },
    stop: async () => {
      // A stopped process takes no SIGTERM until it runs again.
      if (frozen) signal("SIGCONT");
      store.client.destroy();
      await minio.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
