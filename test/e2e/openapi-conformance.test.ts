/**
 * schemathesis (pinned in test/python/requirements.txt) against the OpenAPI document the platform
 * publishes at /info/openapi.json, which holds info's, serve's and train's routes: it generates
 * requests from the document, sends them to the real functions over a real MinIO that holds a
 * real dataset and real models, and checks every answer against the document. A run is
 * deterministic: a fixed seed, one worker, no example database, and a fresh platform (its own
 * data folder, so its own MinIO) each time, since the generated requests include the destructive
 * ones (deleting versions, moving and removing aliases, overwriting datasets).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { irisRecord } from "../support/models.ts";
import { type Spawned, spawnProcess, startLocalPlatform } from "../support/processes.ts";
import { pythonModels } from "../support/serve.ts";

const TOKEN = "conformance-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
/** Changing either changes which requests are generated; keep them fixed so runs compare. */
const SEED = 13;
const MAX_EXAMPLES = 50;
/** The default model (`POST /serve/predict`): a name no generated request is likely to delete. */
const DEFAULT_MODEL = "iris-sklearn";
const config = fileURLToPath(new URL("./schemathesis.toml", import.meta.url));

interface Report {
  schemathesis_version: string;
  seed: number;
  running_time: number;
  exit_code: number;
  operations: { total: number; selected: number; tested: number; errored: number };
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: Array<{ code: string; title: string; operations: string[] }>;
  errors: unknown[];
}

let dataDir: string;
let reportDir: string;
let platform: Spawned;
let base: string;

async function expectStatus(res: Response, status: number): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** A dataset uploaded as users do, and a model trained from it by a real run, promoted. */
async function trainIris(): Promise<void> {
  const upload = await fetch(`${base}/train/datasets/iris`, {
    method: "PUT",
    headers: { ...auth, "content-type": "text/csv" },
    body: readFileSync("examples/iris.csv"),
  });
  await expectStatus(upload, 201);
  const started = await fetch(`${base}/train/runs`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ dataset: "iris", model: "iris", target: "species" }),
  });
  const run = await expectStatus(started, 202);
  const deadline = Date.now() + 60_000;
  let status = run.status;
  while (status !== "succeeded" && Date.now() < deadline) {
    if (status === "failed") throw new Error(`the iris run failed: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${base}/train/runs/${run.id}`, { headers: auth });
    status = (await expectStatus(res, 200)).status;
  }
  expect(status).toBe("succeeded");
  const promote = await fetch(`${base}/train/models/iris/aliases/production`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ version: "1" }),
  });
  await expectStatus(promote, 200);
}

/** A scikit-learn model exported with skl2onnx, registered through the registry's upload route. */
async function registerScikitLearnIris(): Promise<void> {
  const { file, expected } = pythonModels();
  const form = new FormData();
  form.set("model", new Blob([file("iris.onnx")]), "model.onnx");
  form.set("metadata", JSON.stringify(irisRecord(expected.iris.classes)));
  const res = await fetch(`${base}/train/models/${DEFAULT_MODEL}/versions`, {
    method: "POST",
    headers: auth,
    body: form,
  });
  await expectStatus(res, 201);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "skiff-conformance-"));
  reportDir = mkdtempSync(join(tmpdir(), "skiff-conformance-report-"));
  ({ spawned: platform, base } = await startLocalPlatform(dataDir, {
    SKIFF_API_TOKEN: TOKEN,
    SKIFF_DEFAULT_MODEL: DEFAULT_MODEL,
  }));
  await trainIris();
  await registerScikitLearnIris();
}, 180_000);

afterAll(() => {
  platform?.child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(reportDir, { recursive: true, force: true });
});

describe("the published OpenAPI document against the running platform (schemathesis)", () => {
  it("declares the bearer scheme on train's operations, which gives the reference page its Authorize button", async () => {
    const document = (await (await fetch(`${base}/info/openapi.json`)).json()) as {
      components: { securitySchemes?: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>;
    };
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const train = path.startsWith("/train");
        expect(operation.security, `${method} ${path}`).toEqual(
          train ? [{ bearer: [] }] : undefined,
        );
        if (train) expect(Object.keys(operation.responses), `${method} ${path}`).toContain("401");
      }
    }
  });

  it("answers every generated request with a status, content type, body and headers the document declares, and never a 5xx", async () => {
    const schemathesis = join(dirname(inject("python").bin), "schemathesis");
    const args = [
      "--config-file",
      config,
      "run",
      `${base}/info/openapi.json`,
      "--url",
      base,
      "--seed",
      String(SEED),
      "--max-examples",
      String(MAX_EXAMPLES),
      "--workers",
      "1",
      "--continue-on-failure",
      "--header",
      `Authorization: Bearer ${TOKEN}`,
      "--no-color",
      "--report",
      "json",
      "--report-dir",
      reportDir,
    ];
    const run = spawnProcess(schemathesis, args, {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" },
      cwd: reportDir,
    });
    const code = await run.exited;
    const [reportFile] = readdirSync(reportDir).filter((f) => f.endsWith(".json"));
    if (reportFile === undefined)
      throw new Error(`schemathesis wrote no report (exit ${code}):\n${run.output()}`);
    const report = JSON.parse(readFileSync(join(reportDir, reportFile), "utf8")) as Report;
    process.stderr.write(
      `schemathesis ${report.schemathesis_version}, seed ${report.seed}, ${MAX_EXAMPLES} examples ` +
        `an operation: ${report.operations.tested} operations, ${report.test_cases.generated} ` +
        `cases in ${report.running_time.toFixed(1)} s\n`,
    );

    const failures = report.failures.map((f) => `${f.code} ${f.title}: ${f.operations.join(", ")}`);
    expect(failures, run.output()).toEqual([]);
    expect(report.errors, run.output()).toEqual([]);
    expect(code, run.output()).toBe(0);
    const document = (await (await fetch(`${base}/info/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    const operations = Object.values(document.paths).flatMap((item) => Object.keys(item));
    expect(report.operations).toMatchObject({
      total: operations.length,
      tested: operations.length,
      errored: 0,
    });
    expect(report.test_cases.errored).toBe(0);
  }, 300_000);
});
