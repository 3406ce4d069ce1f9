import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { infoEnv } from "../../../functions/info/config.ts";
import { baseEnv, ConfigError, parseEnv, storageEnv } from "../../../functions/lib/config.ts";
import { notFoundEnv } from "../../../functions/not-found/config.ts";

const run = promisify(execFile);

const storage = {
  SKIFF_S3_ENDPOINT: "http://127.0.0.1:9000",
  SKIFF_S3_ACCESS_KEY_ID: "key",
  SKIFF_S3_SECRET_ACCESS_KEY: "secret",
};

describe("config", () => {
  it("applies defaults when nothing is set", () => {
    const env = parseEnv(baseEnv, {});
    expect(env.PORT).toBe(8080);
    expect(env.SKIFF_ADMIN_PORT).toBe(9464);
    expect(env.SKIFF_LOG_LEVEL).toBe("info");
  });

  it("coerces numbers and flags", () => {
    const env = parseEnv(baseEnv.extend(storageEnv.shape), {
      ...storage,
      PORT: "9000",
      SKIFF_S3_FORCE_PATH_STYLE: "false",
    });
    expect(env.PORT).toBe(9000);
    expect(env.SKIFF_S3_FORCE_PATH_STYLE).toBe(false);
    expect(env.SKIFF_S3_BUCKET).toBe("skiff");
  });

  it("names a missing required variable", () => {
    expect(() =>
      parseEnv(storageEnv, { SKIFF_S3_ACCESS_KEY_ID: "k", SKIFF_S3_SECRET_ACCESS_KEY: "s" }),
    ).toThrow(/SKIFF_S3_ENDPOINT is required/);
  });

  it("treats an empty value as unset", () => {
    expect(() => parseEnv(storageEnv, { ...storage, SKIFF_S3_ENDPOINT: "" })).toThrow(
      /SKIFF_S3_ENDPOINT is required/,
    );
  });

  it("names every malformed variable in one line", () => {
    let error: unknown;
    try {
      parseEnv(baseEnv, { PORT: "eighty", SKIFF_LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/SKIFF_LOG_LEVEL/);
    expect(message).not.toContain("\n");
  });

  it("rejects a port out of range", () => {
    expect(() => parseEnv(baseEnv, { PORT: "70000" })).toThrow(/PORT/);
  });

  it("parses JSON settings and reports where they are wrong", () => {
    const urls = parseEnv(infoEnv, {
      ...storage,
      SKIFF_SERVICE_URLS: '{"info":["http://a.example/info"]}',
    });
    expect(urls.SKIFF_SERVICE_URLS).toEqual({ info: ["http://a.example/info"] });
    expect(() => parseEnv(infoEnv, { ...storage, SKIFF_SERVICE_URLS: "{not json" })).toThrow(
      /SKIFF_SERVICE_URLS is not valid JSON/,
    );
    expect(() =>
      parseEnv(notFoundEnv, { SKIFF_ROUTES: '[{"host":"Bad_Host","paths":[]}]' }),
    ).toThrow(/SKIFF_ROUTES \(at 0\.host\)/);
  });

  it("stops a function at start with one clear line naming the variable", async () => {
    const child = run(process.execPath, ["--import", "tsx", "functions/info/main.ts"], {
      env: { PATH: process.env.PATH, SKIFF_S3_ACCESS_KEY_ID: "k", SKIFF_S3_SECRET_ACCESS_KEY: "s" },
    });
    const failure = await child.then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(2);
    const lines = failure?.stderr.trim().split("\n") ?? [];
    expect(lines.at(-1)).toBe("skiff: invalid configuration: SKIFF_S3_ENDPOINT is required");
  });
});
