/**
 * @module config
 * Settings come from the environment, are validated once at start and passed in from there.
 * Each function composes the pieces it needs, so a function never fails on a setting it ignores.
 */
import { z } from "zod";

/** A setting is missing or malformed; the message is one line naming the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const port = z.coerce.number().int().min(0).max(65535);

/** A whole number of things (rows, bytes, retries, seconds) of at least `min`, 1 unless given. */
export function count(fallback: number, { min = 1, max }: { min?: number; max?: number } = {}) {
  const atLeast = z.coerce.number().int().min(min);
  return (max === undefined ? atLeast : atLeast.max(max)).default(fallback);
}

/** A duration in milliseconds of at least `min`, 0 unless given. */
export function millis(fallback: number, { min = 0 }: { min?: number } = {}) {
  return z.coerce.number().int().min(min).default(fallback);
}
const flag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** Settings every function reads. */
export const baseEnv = z.object({
  PORT: port.default(8080),
  /** Metrics and health on a port of their own, so no Ingress path ever exposes them. */
  SKIFF_ADMIN_PORT: port.default(9464),
  SKIFF_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
  /** How long SIGTERM waits for in-flight requests before closing their connections. */
  SKIFF_DRAIN_TIMEOUT_MS: millis(25_000),
  /** Largest JSON request body, in bytes; large enough for real batches by default. */
  SKIFF_JSON_BODY_LIMIT: count(64 * 1024 * 1024),
});

/** Settings of functions that read or write the bucket. */
export const storageEnv = z.object({
  SKIFF_S3_ENDPOINT: z.url(),
  SKIFF_S3_REGION: z.string().min(1).default("us-east-1"),
  SKIFF_S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")
    .default("skiff"),
  SKIFF_S3_ACCESS_KEY_ID: z.string().min(1),
  SKIFF_S3_SECRET_ACCESS_KEY: z.string().min(1),
  /** MinIO and most self-hosted S3 servers need path-style addressing. */
  SKIFF_S3_FORCE_PATH_STYLE: flag.default(true),
  /**
   * How long storage may stay silent: connecting, and any pause with no bytes moving, fail a
   * request after this long; a call on a small object (JSON, a listing) fails after it in total.
   */
  SKIFF_STORAGE_TIMEOUT_MS: millis(10_000, { min: 100 }),
});

export type BaseEnv = z.infer<typeof baseEnv>;
export type StorageEnv = z.infer<typeof storageEnv>;

/** A variable holding JSON, parsed before the schema sees it. */
export function jsonSetting<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not valid JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/**
 * Validates `env` against `schema`; on failure throws one ConfigError whose message names
 * every offending variable on one line.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  // Empty strings count as unset, as a shell `FOO=` intends.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? "environment");
    const detail = issue.path.length > 1 ? ` (at ${issue.path.slice(1).join(".")})` : "";
    const message =
      issue.code === "invalid_type" && present[variable] === undefined
        ? "is required"
        : issue.message;
    return `${variable}${detail} ${message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** Reads config for a process entry point: prints one clear line and exits on a bad setting. */
export function loadConfigOrExit<T extends z.ZodType>(schema: T, env = process.env): z.infer<T> {
  try {
    return parseEnv(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`skiff: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
