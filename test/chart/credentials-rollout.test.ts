import { describe, expect, it } from "vitest";
import { describe as describeObject, type K8sObject, renderChart, SECRET } from "./render.ts";

const ANNOTATION = "checksum/credentials";

const given = (suffix: string) => ({
  "credentials.accessKeyId": `skiff-admin-${suffix}`,
  "credentials.secretAccessKey": `a-long-secret-value-${suffix}`,
  "credentials.apiToken": `an-api-token-of-some-length-${suffix}`,
});

interface PodOwner {
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

/** Each rendered pod template's checksum/credentials, by the object that owns the template. */
function checksums(objects: K8sObject[]): Record<string, string | undefined> {
  return Object.fromEntries(
    objects
      .filter((o) => (o as PodOwner).spec?.template !== undefined)
      .map((o) => [
        describeObject(o),
        (o as PodOwner).spec?.template?.metadata?.annotations?.[ANNOTATION],
      ]),
  );
}

/** The objects with the credentials Secret and every checksum/credentials left out. */
function withoutCredentials(objects: K8sObject[]): K8sObject[] {
  return objects
    .filter((o) => `${o.apiVersion}/${o.kind}` !== SECRET)
    .map((o) => {
      const copy = structuredClone(o) as K8sObject & PodOwner;
      delete copy.spec?.template?.metadata?.annotations?.[ANNOTATION];
      return copy;
    });
}

describe("checksum/credentials on the pods that read the Secret", { timeout: 60_000 }, () => {
  it("changes with the credentials values, and nothing else in the templates does", async () => {
    const [before, after] = await Promise.all([
      renderChart(given("one")),
      renderChart(given("two")),
    ]);
    const old = checksums(before);
    const rotated = checksums(after);
    const annotated = Object.keys(old).filter((owner) => old[owner] !== undefined);
    expect(annotated.sort()).toEqual([
      "apps/v1/StatefulSet demo-skiff-minio",
      "batch/v1/Job demo-skiff-bootstrap",
      "serving.knative.dev/v1/Service demo-skiff-info",
      "serving.knative.dev/v1/Service demo-skiff-serve",
      "serving.knative.dev/v1/Service demo-skiff-train",
    ]);
    for (const owner of annotated) {
      expect(old[owner], owner).toMatch(/^[0-9a-f]{64}$/);
      expect(rotated[owner], owner).not.toBe(old[owner]);
    }
    expect(withoutCredentials(after)).toEqual(withoutCredentials(before));
  });

  it("stays the same across renders that generate the values, so no render rolls the pods", async () => {
    const [a, b] = await Promise.all([
      renderChart({}, [], { fresh: true }),
      renderChart({}, [], { fresh: true }),
    ]);
    expect(checksums(b)).toEqual(checksums(a));
  });

  it("follows the name of an existing Secret, which the chart does not read", async () => {
    const [ours, theirs, renamed] = await Promise.all([
      renderChart(),
      renderChart({ "credentials.existingSecret": "ml-credentials" }),
      renderChart({ "credentials.existingSecret": "ml-credentials-2" }),
    ]);
    const owner = "serving.knative.dev/v1/Service demo-skiff-serve";
    expect(checksums(theirs)[owner]).not.toBe(checksums(ours)[owner]);
    expect(checksums(renamed)[owner]).not.toBe(checksums(theirs)[owner]);
  });
});
