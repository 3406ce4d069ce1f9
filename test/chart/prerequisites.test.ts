/**
 * knative/ and minio/: the cluster and storage prerequisites agree with the chart and the code.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import type { IService as IKnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PREDICTIONS_PREFIX } from "../../functions/bootstrap/bootstrap.ts";
import { expiryRuleId } from "../../functions/lib/storage/bucket-admin.ts";
import { KSVC, objectsOf, renderChart } from "./render.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const configMapData = (path: string) =>
  (parse(read(path)) as { data: Record<string, string> }).data;

interface Policy {
  Statement: { Action: string[]; Resource: string[]; Condition?: unknown }[];
}

describe("knative/", () => {
  it("pins Knative Serving and Kourier v1.23.0 in one place, used by install.sh", async () => {
    expect(read("knative/versions.env")).toMatch(/^KNATIVE_SERVING_VERSION=v1\.23\.0$/m);
    expect(read("knative/versions.env")).toMatch(/^KOURIER_VERSION=v1\.23\.0$/m);
    const script = read("knative/install.sh");
    expect(script).not.toMatch(/v1\.\d+\.\d+/);
    const shellVar = (name: string) => `$\{${name}}`; // ${NAME}, as the shell writes it
    expect(script).toContain(
      `serving/releases/download/knative-${shellVar("KNATIVE_SERVING_VERSION")}`,
    );
    expect(script).toContain(
      `net-kourier/releases/download/knative-${shellVar("KOURIER_VERSION")}`,
    );
    for (const manifest of ["serving-crds.yaml", "serving-core.yaml", "kourier.yaml"]) {
      expect(script).toMatch(
        new RegExp(`kubectl apply -f "\\$\\{(serving|kourier)\\}/${manifest}"`),
      );
    }
    await promisify(execFile)("bash", [
      "-n",
      new URL("../../knative/install.sh", import.meta.url).pathname,
    ]);
  });

  it("turns scale to zero on and allows every timeout the chart's values may set", () => {
    const autoscaler = configMapData("knative/config/config-autoscaler.yaml");
    expect(autoscaler["enable-scale-to-zero"]).toBe("true");
    expect(autoscaler["scale-to-zero-grace-period"]).toMatch(/^\d+s$/);
    const defaults = configMapData("knative/config/config-defaults.yaml");
    const schema = JSON.parse(read("chart/values.schema.json")) as {
      properties: Record<string, { properties: { timeoutSeconds: { maximum: number } } }>;
    };
    const max = Number(defaults["max-revision-timeout-seconds"]);
    for (const fn of ["info", "serve", "train"]) {
      expect(schema.properties[fn]?.properties.timeoutSeconds.maximum, fn).toBeLessThanOrEqual(max);
    }
  });

  it("raises max-revision-timeout-seconds to the knative.maxRevisionTimeoutSeconds values.yaml names for it, which takes the largest timeouts", async () => {
    const max = Number(
      configMapData("knative/config/config-defaults.yaml")["max-revision-timeout-seconds"],
    );
    expect(read("chart/values.yaml")).toMatch(
      new RegExp(
        `@param knative\\.maxRevisionTimeoutSeconds .*knative/ in this repo raises it to ${max}\\b`,
      ),
    );
    const timeouts = {
      "info.timeoutSeconds": max,
      "serve.timeoutSeconds": max,
      "train.timeoutSeconds": max,
    };
    await expect(renderChart(timeouts)).rejects.toThrow(/VALUES VALIDATION/);
    const objects = await renderChart({ ...timeouts, "knative.maxRevisionTimeoutSeconds": max });
    const ksvcs = objectsOf<IKnativeService>(objects, KSVC);
    expect(ksvcs.map((k) => k.spec?.template?.spec?.timeoutSeconds)).toEqual([max, max, max]);
  });
});

describe("minio/", () => {
  it("holds the same predictions/ lifecycle rule the bootstrap Job sets", () => {
    const lifecycle = JSON.parse(read("minio/lifecycle-predictions.json")) as {
      Rules: { ID: string; Filter: { Prefix: string }; Expiration: { Days: number } }[];
    };
    const values = parse(read("chart/values.yaml")) as { s3: { predictionsExpiryDays: number } };
    expect(lifecycle.Rules).toEqual([
      {
        ID: expiryRuleId(PREDICTIONS_PREFIX),
        Status: "Enabled",
        Filter: { Prefix: PREDICTIONS_PREFIX },
        Expiration: { Days: values.s3.predictionsExpiryDays },
      },
    ]);
  });

  it("gives serve and train only their own prefixes", () => {
    const objectResources = (file: string) =>
      (JSON.parse(read(file)) as Policy).Statement.flatMap((s) =>
        s.Resource.filter((r) => r.includes("/")),
      ).sort();
    expect(objectResources("minio/policy-serve.json")).toEqual([
      "arn:aws:s3:::skiff/models/*",
      "arn:aws:s3:::skiff/predictions/*",
    ]);
    expect(objectResources("minio/policy-train.json")).toEqual([
      "arn:aws:s3:::skiff/datasets/*",
      "arn:aws:s3:::skiff/models/*",
      "arn:aws:s3:::skiff/runs/*",
    ]);
    const serve = JSON.parse(read("minio/policy-serve.json")) as Policy;
    const writes = serve.Statement.filter((s) => s.Action.includes("s3:PutObject"));
    expect(writes.flatMap((s) => s.Resource)).toEqual(["arn:aws:s3:::skiff/predictions/*"]);
    // Listing the bucket is limited to prefixes too.
    for (const file of ["minio/policy-serve.json", "minio/policy-train.json"]) {
      for (const s of (JSON.parse(read(file)) as Policy).Statement) {
        if (s.Action.includes("s3:ListBucket")) expect(s.Condition, file).toBeDefined();
      }
    }
  });
});
