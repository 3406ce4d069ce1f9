/**
 * @module local/credentials
 * Local mode's MinIO credentials: generated on first start and kept next to the data, because
 * MinIO's stored configuration only opens with the credentials it was created with.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const credentialsSchema = z.object({ accessKey: z.string().min(3), secretKey: z.string().min(8) });
export type Credentials = z.infer<typeof credentialsSchema>;

export function loadOrCreateCredentials(dataDir: string): Credentials {
  const file = join(dataDir, "credentials.json");
  if (existsSync(file)) {
    return credentialsSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  }
  const credentials = {
    accessKey: "skiff-local",
    secretKey: randomBytes(24).toString("base64url"),
  };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}
