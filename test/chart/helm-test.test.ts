import type { IPod } from "kubernetes-models/v1/Pod";
import { describe, expect, it } from "vitest";
import { IRIS_SETOSA } from "../support/models.ts";
import { envByName, NAMES, NAMESPACE, objectsOf, POD, renderChart } from "./render.ts";

const checksOf = async (values: Record<string, unknown> = {}) =>
  objectsOf<IPod>(await renderChart(values), POD).map((pod) => {
    const container = pod.spec?.containers[0];
    const env = envByName(container?.env);
    return {
      pod,
      name: pod.metadata?.name,
      command: container?.command,
      image: container?.image,
      url: env.get("TARGET_URL")?.value,
      method: env.get("METHOD")?.value,
      body: env.get("BODY")?.value,
      status: env.get("EXPECT_STATUS")?.value,
      keys: env.get("EXPECT_KEYS")?.value,
      text: env.get("EXPECT_TEXT")?.value,
    };
  });

const local = (name: string) => `http://${name}.${NAMESPACE}.svc.cluster.local`;

describe("helm test pods", { timeout: 60_000 }, () => {
  it("call info's catalogue, serve's readiness, train without a token and an unknown path on not-found", async () => {
    const checks = await checksOf();
    expect(checks.map((c) => [c.name, c.method, c.url, c.status])).toEqual([
      [`${NAMES.fullname}-test-info`, "GET", `${local(NAMES.info)}/info`, "200"],
      [`${NAMES.fullname}-test-serve`, "GET", `${local(NAMES.serve)}/v2/health/ready`, "200"],
      [`${NAMES.fullname}-test-train`, "GET", `${local(NAMES.train)}/train/runs`, "401"],
      [`${NAMES.fullname}-test-not-found`, "GET", `${local(NAMES.notFound)}/no-such-path`, "404"],
    ]);
    // The test pods hold no token: train must refuse, in its JSON error shape.
    expect(checks[2]?.keys).toBe("error.code,error.message");
    expect(checks[2]?.text).toBe('"code":"unauthorized"');
    expect(checks[3]?.keys).toBe("error.code,error.message,available");
    for (const check of checks) {
      expect(check.pod.metadata?.annotations).toEqual({
        "helm.sh/hook": "test",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
      });
      expect(check.pod.spec?.restartPolicy).toBe("Never");
      // The skiff image's own node, no other image.
      expect(check.image).toBe("ghcr.io/skiff-ml/skiff:0.1.0");
      expect(check.command?.slice(0, 3)).toEqual(["node", "--input-type=module", "-e"]);
    }
  });

  it("predict on the demo model when tests.demoModel is set", async () => {
    const checks = await checksOf({ "tests.demoModel": { name: "iris", input: IRIS_SETOSA } });
    const predict = checks.find((c) => c.name === `${NAMES.fullname}-test-predict`);
    expect(predict).toMatchObject({
      method: "POST",
      url: `${local(NAMES.serve)}/models/iris/predict`,
      status: "200",
      keys: "model,version",
    });
    expect(JSON.parse(predict?.body ?? "")).toEqual(IRIS_SETOSA);
  });

  it("leave train's check out when train is not deployed", async () => {
    const names = (await checksOf({ "train.enabled": false })).map((c) => c.name);
    expect(names).not.toContain(`${NAMES.fullname}-test-train`);
    expect(names).toHaveLength(3);
  });

  it("are left out with tests.enabled false", async () => {
    expect(await checksOf({ "tests.enabled": false })).toEqual([]);
  });
});
