import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEnv, storageEnv } from "../../functions/lib/config.ts";
import { layout } from "../../functions/lib/storage/layout.ts";
import { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { type Answer, httpGet } from "../support/http.ts";
import { pidsMatching, type Spawned, startLocalPlatform } from "../support/processes.ts";

const API = "ml-system-service-api.com";
const INFO = "ml-info-service.com";

let dataDir: string;
let platform: Spawned;
let base: string;

async function start(): Promise<Spawned> {
  const started = await startLocalPlatform(dataDir);
  base = started.base;
  return started.spawned;
}

function get(path: string, headers: Record<string, string> = {}) {
  return httpGet(`${base}${path}`, headers);
}

function minioEndpointOf(output: string): string {
  const match = /MinIO at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
  if (!match?.[1]) throw new Error(`no MinIO address in:\n${output}`);
  return match[1];
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "skiff-e2e-"));
  platform = await start();
});

afterAll(() => {
  platform.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("local platform, routed like the Ingress", () => {
  it("prints where everything is and a first command to try", () => {
    const out = platform.output();
    expect(out).toMatch(/skiff \d+\.\d+\.\d+ is running at http:\/\/localhost:\d+/);
    expect(out).toMatch(/curl http:\/\/localhost:\d+\/info/);
  });

  it("serves the catalogue on the API host and on localhost", async () => {
    for (const headers of [{ host: API }, {}] as Array<Record<string, string>>) {
      const res = await get("/info", headers);
      expect(res.status).toBe(200);
      const body = res.json() as {
        name: string;
        services: Array<{ name: string; urls: string[] }>;
        models: [];
      };
      expect(body.name).toBe("skiff");
      expect(body.services.map((s) => s.name)).toEqual(["info", "serve", "train"]);
      expect(body.services[0]?.urls).toContain(`http://${INFO}/`);
      expect(body.models).toEqual([]);
    }
  });

  it("serves the catalogue at the root of the info host", async () => {
    const res = await get("/", { host: INFO });
    expect(res.status).toBe(200);
    expect((res.json() as { name: string }).name).toBe("skiff");
  });

  it("sends unknown hosts and unknown paths to not-found", async () => {
    for (const [path, host] of [
      ["/", "unknown.example"],
      ["/info", "unknown.example"],
      ["/nope", API],
      ["/trainer", API],
      ["/infox", API],
    ] as const) {
      const res = await get(path, { host });
      expect(res.status, `${host}${path}`).toBe(404);
      const body = res.json() as { error: { code: string; message: string } };
      expect(body.error).toEqual({
        code: "not_found",
        message: `nothing is served at ${host}${path}`,
      });
    }
  });

  it("answers a browser's 404 with HTML", async () => {
    const res = await get("/nope", { host: API, accept: "text/html" });
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.text).toContain(`${INFO}/`);
  });

  it("publishes a valid OpenAPI 3 document and a reference page that loads without a CDN", async () => {
    const res = await get("/info/openapi.json", { host: API });
    expect(res.status).toBe(200);
    const document = res.json();
    const result = await new Validator().validate(document as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys((document as { paths: object }).paths)).toEqual(
      expect.arrayContaining([
        "/info",
        "/info/models",
        "/serve/models/{name}/predict",
        "/serve/v2/models/{name}/versions/{version}/infer",
      ]),
    );

    const page = await (await get("/info/docs", { host: API })).text;
    const assets = [...page.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^https?:/);
      const loaded = await get(`/info/${asset}`, { host: API });
      expect(loaded.status, asset).toBe(200);
    }
  });

  it("keeps the data across restarts and lists models written to storage", async () => {
    const credentials = JSON.parse(readFileSync(join(dataDir, "credentials.json"), "utf8")) as {
      accessKey: string;
      secretKey: string;
    };
    const store = ObjectStore.fromEnv(
      parseEnv(storageEnv, {
        SKIFF_S3_ENDPOINT: minioEndpointOf(platform.output()),
        SKIFF_S3_ACCESS_KEY_ID: credentials.accessKey,
        SKIFF_S3_SECRET_ACCESS_KEY: credentials.secretKey,
      }),
    );
    await store.putBytes(layout.modelOnnx("iris", "1"), "onnx", "application/octet-stream");
    await store.putJson(layout.modelMeta("iris", "1"), {
      task: "classification",
      metrics: { accuracy: 0.96 },
    });
    await store.putJson(layout.modelAliases("iris"), { production: "1" });

    platform.child.kill("SIGTERM");
    expect(await platform.exited).toBe(0);
    platform = await start();

    const res = await get("/info/models", { host: API });
    expect(res.json()).toEqual({
      models: [
        {
          name: "iris",
          latest: "1",
          aliases: { production: "1" },
          versions: [{ version: "1", task: "classification", metrics: { accuracy: 0.96 } }],
        },
      ],
    });
  });

  it("on SIGTERM finishes the request in flight, then stops MinIO and exits 0", async () => {
    const minio = minioEndpointOf(platform.output());
    const [minioPid] = pidsMatching(join(dataDir, "minio"));
    expect(minioPid).toBeGreaterThan(0);
    // Freeze storage so the catalogue request is still waiting on it when the signal arrives.
    process.kill(minioPid as number, "SIGSTOP");
    const answer: Promise<Answer> = get("/info/models", { host: API });
    try {
      await new Promise((r) => setTimeout(r, 300));
      platform.child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      expect(platform.child.exitCode).toBeNull();
    } finally {
      process.kill(minioPid as number, "SIGCONT");
    }
    const res = await answer;
    expect(res.status).toBe(200);
    expect((res.json() as { models: Array<{ name: string }> }).models.map((m) => m.name)).toEqual([
      "iris",
    ]);
    expect(await platform.exited).toBe(0);
    expect(pidsMatching(join(dataDir, "minio"))).toEqual([]);
    await expect(fetch(`${minio}/minio/health/live`)).rejects.toThrow();
  });
});
