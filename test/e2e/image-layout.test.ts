/**
 * The image, reproduced without Docker: the runtime stage's layout (package.json, lockfile,
 * .npmrc, `npm ci --omit=dev`, the bundles from `toolchain/build.ts`) in a temporary folder,
 * and every function started from it exactly as the rendered chart starts its container:
 * the same command, the same env names, Secret references filled with the test MinIO's
 * credentials. Each must answer its probe path with 200; the bootstrap Job's command must
 * prepare the bucket, and the helm test pods' script must pass against the running functions.
 * train runs with the Kubernetes executor the chart configures (no run is started there: there
 * is no API server), and once more with the inline executor, whose run must find
 * dist/train-job.mjs next to the bundle and finish. That is chart, image and code agreeing.
 * Two stand-ins for what a pod would give: PORT (Knative sets it) and SKIFF_ADMIN_PORT are free
 * loopback ports, since the processes share one network.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPod } from "kubernetes-models/v1/Pod";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { lifecycleRules } from "../../functions/lib/storage/bucket-admin.ts";
import { ObjectStore } from "../../functions/lib/storage/object-store.ts";
import { freePort } from "../../minio/launcher.ts";
import { buildImage, IMAGE_ENTRIES } from "../../toolchain/build.ts";
import { ensureImageNode, imageNodeVersion } from "../../toolchain/image-node.ts";
import {
  DEPLOYMENT,
  findObject,
  JOB,
  type K8sObject,
  ksvcParts,
  NAMES,
  NAMESPACE,
  objectsOf,
  only,
  POD,
  renderChart,
} from "../chart/render.ts";
import { IRIS_SETOSA, irisRecord, publishModel } from "../support/models.ts";
import { type Spawned, spawnProcess, waitFor } from "../support/processes.ts";
import { pythonModels } from "../support/serve.ts";
import { testStorageEnv } from "../support/storage.ts";

type Container = NonNullable<NonNullable<IPod["spec"]>["containers"]>[number];

const ROOT = new URL("../../", import.meta.url);
const BUCKET = `image-${Date.now().toString(36)}`;
const MODEL_HOST = "models-iris.example.com";
/** What the test fills the Secret's apiToken key with. */
const API_TOKEN = "test-api-token-0123456789";
const IRIS_CSV = readFileSync(new URL("examples/iris.csv", ROOT));

let app: string;
let objects: K8sObject[];
/** The Node release the image runs (toolchain/image-node.ts), which has the compile cache. */
let imageNode: string;
/** serve's container as rendered with serve.singleThreaded. */
let singleThreadedServe: Container;
const children: Spawned[] = [];

/** Runs a command to its end: its exit code and what it printed. */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const { exited, output } = spawnProcess(command, args, { cwd, env });
  const code = await exited;
  return { code, output: output() };
}

/**
 * The process env of a container: the names the chart renders, with values as rendered except
 * Secret references (the test MinIO's credentials, by the chart's Secret keys) and the S3
 * endpoint (the test MinIO instead of the in-cluster Service).
 */
function envOf(container: Container, extra: Record<string, string> = {}): Record<string, string> {
  const minio = inject("minio");
  const secret: Record<string, string> = {
    accessKeyId: minio.accessKey,
    secretAccessKey: minio.secretKey,
    apiToken: API_TOKEN,
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: tmpdir() };
  for (const entry of container.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    else if (entry.valueFrom?.secretKeyRef) {
      const value = secret[entry.valueFrom.secretKeyRef.key];
      if (value === undefined) throw new Error(`${entry.name}: unknown Secret key`);
      env[entry.name] = value;
    } else throw new Error(`${container.name}: ${entry.name} has a source this test cannot fill`);
  }
  if ("SKIFF_S3_ENDPOINT" in env) env.SKIFF_S3_ENDPOINT = minio.endpoint;
  return { ...env, ...extra };
}

/** Runs a container's command; `node` is the binary its "node" means (the image's release). */
function start(container: Container, env: Record<string, string>, node = "node"): Spawned {
  const [command, ...args] = container.command ?? [];
  expect(command).toBe("node");
  const spawned = spawnProcess(node, args, { cwd: app, env });
  children.push(spawned);
  return spawned;
}

/** A running function: where its public and admin ports are. */
interface Running {
  port: number;
  adminPort: number;
  spawned: Spawned;
}
const running = new Map<string, Running>();

/** The one container of a rendered Knative Service. */
function ksvcContainer(name: string): Container {
  return ksvcParts(objects, name).container as Container;
}

/**
 * Starts a Knative Service's container as Knative would, and waits for its readiness path.
 * `override` replaces rendered values (the inline executor's second train only).
 */
function startKsvc(name: string, override: Record<string, string> = {}, key = name) {
  return startContainer(ksvcContainer(name), { override, key });
}

/** As startKsvc, for a container rendered with other values, or started by another `node`. */
async function startContainer(
  container: Container,
  options: { override?: Record<string, string>; key?: string; node?: string },
): Promise<Running> {
  const [port, adminPort] = [await freePort(), await freePort()];
  // Knative's runtime contract: PORT holds the one containerPort's number; the chart never sets it.
  expect((container.env ?? []).map((e) => e.name)).not.toContain("PORT");
  const spawned = start(
    container,
    envOf(container, {
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
      ...options.override,
    }),
    options.node,
  );
  const readiness = container.readinessProbe?.httpGet;
  const liveness = container.livenessProbe?.httpGet;
  expect(readiness?.port, "readiness is probed on the user port").toBeUndefined();
  await waitFor(`http://127.0.0.1:${port}${readiness?.path}`, spawned);
  await waitFor(`http://127.0.0.1:${port}${liveness?.path}`, spawned);
  const started = { port, adminPort, spawned };
  if (options.key !== undefined) running.set(options.key, started);
  return started;
}

/** The Dockerfile's lines, and those of its runtime stage (from its FROM on). */
const DOCKERFILE = (() => {
  const lines = readFileSync(new URL("Dockerfile", ROOT), "utf8").split("\n");
  const from = lines.findIndex((line) => /^FROM \S+ AS runtime$/.test(line));
  if (from < 0) throw new Error("the Dockerfile has no runtime stage");
  return { lines, runtime: lines.slice(from) };
})();

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), "skiff-image-"));
  for (const file of ["package.json", "package-lock.json", ".npmrc"]) {
    cpSync(new URL(file, ROOT), join(app, file));
  }
  const [install, built, rendered, node, singleThreaded] = await Promise.all([
    run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts=false", "--prefer-offline", "--no-audit", "--no-fund"],
      app,
      process.env,
    ),
    buildImage(join(app, "dist")),
    renderChart({
      "s3.bucket": BUCKET,
      "s3.predictionsExpiryDays": 7,
      "ingress.hosts": [
        {
          host: "ml-system-service-api.com",
          paths: [
            { path: "/info", function: "info" },
            { path: "/serve", function: "serve" },
            { path: "/train", function: "train" },
          ],
        },
        { host: MODEL_HOST, model: "iris", paths: [{ path: "/", function: "serve" }] },
      ],
      "tests.demoModel": {
        name: "iris",
        input: IRIS_SETOSA,
      },
    }),
    ensureImageNode((line) => process.stderr.write(`image-layout: ${line}\n`)),
    renderChart({ "serve.singleThreaded": true }),
  ]);
  imageNode = node;
  singleThreadedServe = ksvcParts(singleThreaded, NAMES.serve).container as Container;
  if (install.code !== 0) throw new Error(`npm ci failed:\n${install.output}`);
  expect(Object.keys(built.files).sort()).toEqual(Object.keys(IMAGE_ENTRIES).sort());
  objects = rendered;
}, 240_000);

afterAll(async () => {
  for (const { child, exited } of children) {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  }
  if (app) rmSync(app, { recursive: true, force: true });
});

describe("the image's layout runs what the chart renders", { timeout: 120_000 }, () => {
  it("holds runtime packages only, one bundle per function, and the compile-cache step", () => {
    const packages = readdirSync(join(app, "node_modules"));
    expect(packages).toContain("onnxruntime-node");
    expect(packages).toContain("swagger-ui-dist");
    for (const devOnly of ["vitest", "typescript", "@biomejs", "kubernetes-models"]) {
      expect(packages).not.toContain(devOnly);
    }
    expect(readdirSync(join(app, "dist")).sort()).toEqual([
      "bootstrap.mjs",
      "info.mjs",
      "not-found.mjs",
      "serve.mjs",
      "toolchain",
      "train-job.mjs",
      "train.mjs",
    ]);
    expect(readdirSync(join(app, "dist", "toolchain"))).toEqual(["compile-cache.mjs"]);
    expect(existsSync(join(app, "functions"))).toBe(false);
  });

  it("prepares the bucket with the bootstrap Job's command, and again as a no-op", async () => {
    const job = findObject<IJob>(objects, JOB, NAMES.bootstrap);
    const container = only(job.spec?.template.spec?.containers, "bootstrap container") as Container;
    const [node, ...args] = container.command ?? [];
    expect(node).toBe("node");
    for (const expected of [
      /created; predictions\/ expires after 7 days$/,
      /already existed; .*\(rule unchanged\)$/,
    ]) {
      const result = await run("node", args, app, envOf(container));
      const line = result.output.split("\n").find((l) => l.startsWith("skiff bootstrap: done:"));
      expect(result.code, result.output).toBe(0);
      expect(line).toMatch(expected);
    }
    const store = ObjectStore.fromEnv(testStorageEnv(BUCKET));
    expect((await lifecycleRules(store)).map((r) => r.Expiration?.Days)).toEqual([7]);
    // What the model host's serve preloads must be in the bucket before it can be ready.
    const { file, expected } = pythonModels();
    await publishModel(
      store,
      "iris",
      "1",
      file("iris-zipmap.onnx"),
      irisRecord(expected.iris.classes),
    );
  });

  it("starts info, serve and the model host's serve as Knative would; each answers its probes", async () => {
    const info = await startKsvc(NAMES.info);
    const catalogue = await (await fetch(`http://127.0.0.1:${info.port}/info`)).json();
    expect(catalogue).toMatchObject({ name: "skiff", services: expect.any(Array) });
    // swagger-ui-dist stays outside the bundle: its files must be found in node_modules.
    const css = await fetch(`http://127.0.0.1:${info.port}/info/docs/swagger-ui.css`);
    expect(css.status).toBe(200);

    await startKsvc(NAMES.serve);
    const dedicated = await startKsvc(NAMES.serveFor("iris"));
    // Ready means iris is in memory; POST /predict uses it as this host's default model.
    const res = await fetch(`http://127.0.0.1:${dedicated.port}/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(IRIS_SETOSA),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ model: "iris", version: "1" });
  });

  it("starts train as Knative would, with the Kubernetes executor; it wants the token", async () => {
    const container = ksvcContainer(NAMES.train);
    const rendered = envOf(container);
    // The executor the chart picks; the Jobs' namespace is a literal (no SA file here, and
    // Knative rejects fieldRef env without a feature flag).
    expect(rendered.SKIFF_RUN_EXECUTOR).toBe("kubernetes");
    expect(rendered.SKIFF_JOB_NAMESPACE).toBe(NAMESPACE);
    expect(rendered.SKIFF_API_TOKEN).toBe(API_TOKEN);
    const train = await startKsvc(NAMES.train);
    const base = `http://127.0.0.1:${train.port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    for (const path of ["/datasets/x", "/train/datasets/x"]) {
      const res = await fetch(`${base}${path}`, {
        method: "PUT",
        headers: { "content-type": "text/csv" },
        body: "a,b\n1,2\n",
      });
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    // With the token, an upload streams into storage from the bundle.
    const upload = await fetch(`${base}/train/datasets/iris`, {
      method: "PUT",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "text/csv" },
      body: IRIS_CSV,
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    expect(await upload.json()).toMatchObject({ name: "iris", version: "1", rows: 150 });
  });

  it("runs the training Job's entry point: without a run id it exits 2 with one line", async () => {
    const container = ksvcContainer(NAMES.train);
    // Exactly the command train gives its Jobs, minus the run id.
    const result = await run("node", ["dist/train-job.mjs"], app, envOf(container));
    expect(result.code, result.output).toBe(2);
    expect(result.output).toBe("skiff: give the run id as the first argument or SKIFF_RUN_ID\n");
  });

  it("finds dist/train-job.mjs next to dist/train.mjs with the inline executor; a run finishes", async () => {
    const train = await startKsvc(
      NAMES.train,
      { SKIFF_RUN_EXECUTOR: "inline", SKIFF_RUN_HEARTBEAT_MS: "500" },
      "train-inline",
    );
    const base = `http://127.0.0.1:${train.port}/train`;
    const upload = await fetch(`${base}/datasets/iris-inline`, {
      method: "PUT",
      headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "text/csv" },
      body: IRIS_CSV,
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
    const headers = { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" };
    const started = await fetch(`${base}/runs`, {
      method: "POST",
      headers,
      body: JSON.stringify({ dataset: "iris-inline", model: "iris-trained", target: "species" }),
    });
    expect(started.status, await started.clone().text()).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const deadline = Date.now() + 90_000;
    let last: { status?: string; error?: unknown } = {};
    while (Date.now() < deadline) {
      last = (await (await fetch(`${base}/runs/${id}`, { headers })).json()) as typeof last;
      if (last.status === "succeeded" || last.status === "failed") break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(last, train.spawned.output()).toMatchObject({ status: "succeeded", modelVersion: "1" });
  });

  it("starts not-found as its Deployment does; it answers its probes on the admin port", async () => {
    const deployment = findObject<IDeployment>(objects, DEPLOYMENT, NAMES.notFound);
    const container = only(deployment.spec?.template.spec?.containers, "not-found") as Container;
    const ports = Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(ports).toEqual({ http: 8080, admin: 9464 });
    const [port, adminPort] = [await freePort(), await freePort()];
    const env = envOf(container);
    expect([env.PORT, env.SKIFF_ADMIN_PORT]).toEqual(["8080", "9464"]);
    const spawned = start(container, {
      ...env,
      PORT: String(port),
      SKIFF_ADMIN_PORT: String(adminPort),
    });
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe?.httpGet?.port).toBe("admin");
      await waitFor(`http://127.0.0.1:${adminPort}${probe?.httpGet?.path}`, spawned);
    }
    running.set(NAMES.notFound, { port, adminPort, spawned });
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(404);
  });

  it("passes every helm test pod's own check against the running functions", async () => {
    const pods = objectsOf<IPod>(objects, POD);
    expect(pods.map((p) => p.metadata?.name).sort()).toEqual(
      ["info", "not-found", "predict", "serve", "train"].map((n) => `${NAMES.fullname}-test-${n}`),
    );
    for (const pod of pods) {
      const container = only(pod.spec?.containers, "check") as Container;
      const env = envOf(container);
      // http://<service>.<namespace>.svc.cluster.local/... → the process standing in for it.
      const target = new URL(env.TARGET_URL ?? "");
      const service = target.hostname.replace(`.${NAMESPACE}.svc.cluster.local`, "");
      const stand = running.get(service);
      if (!stand) throw new Error(`${pod.metadata?.name}: nothing runs ${service}`);
      env.TARGET_URL = `http://127.0.0.1:${stand.port}${target.pathname}`;
      const [node, ...args] = container.command ?? [];
      expect(node).toBe("node");
      const result = await run("node", args, app, env);
      expect(result.code, `${pod.metadata?.name}:\n${result.output}`).toBe(0);
      expect(result.output).toMatch(/^ok: /m);
    }
  });

  it("builds on the Node release the toolchain installs here", () => {
    const froms = DOCKERFILE.lines.filter((line) => line.startsWith("FROM "));
    expect(froms).toEqual([
      `FROM node:${imageNodeVersion()}-slim AS build`,
      `FROM node:${imageNodeVersion()}-slim AS runtime`,
    ]);
  });

  it("fills the compile cache as the Dockerfile does; the image's Node reads it as serve starts", async () => {
    const { runtime } = DOCKERFILE;
    const setting = runtime.find((line) => line.startsWith("ENV NODE_COMPILE_CACHE="));
    const cacheDir = setting?.slice("ENV NODE_COMPILE_CACHE=".length) ?? "";
    expect(cacheDir.startsWith("/app/"), "the cache lives in the image's /app").toBe(true);
    const cache = join(app, cacheDir.slice("/app/".length));
    // The runtime stage has no TypeScript transform: the step is the bundle the build made.
    expect(runtime.some((line) => line.includes("toolchain/compile-cache.ts"))).toBe(false);
    const fills = runtime
      .filter((line) => line.startsWith("RUN node ") && line.includes("compile-cache"))
      .map((line) => line.split(" ").slice(1));
    const base = { PATH: process.env.PATH ?? "", HOME: tmpdir() };
    const flagSets: string[][] = [];
    for (const [node, ...args] of fills) {
      expect(node).toBe("node");
      const filled = await run(imageNode, args, app, { ...base, NODE_COMPILE_CACHE: cache });
      expect(filled.code, filled.output).toBe(0);
      const bundles = [...filled.output.matchAll(/^compile cache: .* (\S+\.mjs) /gm)].map(
        (m) => m[1],
      );
      expect(bundles).toEqual(
        Object.keys(IMAGE_ENTRIES)
          .map((name) => join(app, "dist", `${name}.mjs`))
          .sort(),
      );
      flagSets.push(args.slice(args.indexOf("dist") + 1));
    }
    // Every way the chart can start serve has its cache: as rendered, and with singleThreaded.
    for (const container of [ksvcContainer(NAMES.serve), singleThreadedServe]) {
      const [, ...serveArgs] = container.command ?? [];
      expect(flagSets).toContainEqual(serveArgs.slice(0, -1));
      const { spawned } = await startContainer(container, {
        node: imageNode,
        override: { NODE_COMPILE_CACHE: cache, NODE_DEBUG_NATIVE: "COMPILE_CACHE" },
      });
      const bundle = pathToFileURL(join(app, "dist", "serve.mjs")).href;
      expect(spawned.output(), serveArgs.join(" ")).toContain(`cache for ${bundle} was accepted`);
      expect(spawned.output()).not.toMatch(/cache for \S+ was rejected|mismatch/);
      spawned.child.kill("SIGTERM");
      await spawned.exited;
    }
  });
});
