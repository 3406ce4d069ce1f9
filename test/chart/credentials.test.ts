import type { ISecret } from "kubernetes-models/v1/Secret";
import { describe, expect, it } from "vitest";
import { findObject, type K8sObject, NAMES, objectsOf, renderChart, SECRET } from "./render.ts";

const decode = (value: string | undefined) => Buffer.from(value ?? "", "base64").toString("utf8");

/** Every env entry of every container (init containers included) of every rendered pod spec. */
function allEnv(
  objects: K8sObject[],
): { object: string; name: string; value?: string; valueFrom?: unknown }[] {
  const out: { object: string; name: string; value?: string; valueFrom?: unknown }[] = [];
  const visit = (node: unknown, object: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, object);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (Array.isArray(record.containers)) {
      for (const c of record.containers as { env?: { name: string }[] }[]) {
        for (const e of c.env ?? []) out.push({ object, ...e });
      }
    }
    for (const value of Object.values(record)) visit(value, object);
  };
  for (const o of objects) visit(o, `${o.kind} ${o.metadata.name}`);
  return out;
}

describe("the one Secret (S3 credentials and API token)", { timeout: 60_000 }, () => {
  it("is generated under helm template (lookup finds nothing), anew on every render", async () => {
    const [a, b] = await Promise.all([
      renderChart({}, [], { fresh: true }),
      renderChart({}, [], { fresh: true }),
    ]);
    const first = findObject<ISecret>(a ?? [], SECRET, NAMES.credentials);
    const second = findObject<ISecret>(b ?? [], SECRET, NAMES.credentials);
    expect(Object.keys(first.data ?? {}).sort()).toEqual([
      "accessKeyId",
      "apiToken",
      "secretAccessKey",
    ]);
    expect(decode(first.data?.accessKeyId)).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(decode(first.data?.secretAccessKey)).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(decode(first.data?.apiToken)).toMatch(/^[A-Za-z0-9]{48}$/);
    // Why GitOps renderers must use existingSecret: nothing to look up, so new values each time.
    expect(second.data?.secretAccessKey).not.toBe(first.data?.secretAccessKey);
    expect(first.metadata?.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
  });

  it("takes literal values from values, generating only the missing ones", async () => {
    const secret = findObject<ISecret>(
      await renderChart({
        "credentials.accessKeyId": "skiff-admin",
        "credentials.secretAccessKey": "a-long-secret-value",
        "credentials.keepOnUninstall": false,
      }),
      SECRET,
      NAMES.credentials,
    );
    expect(decode(secret.data?.accessKeyId)).toBe("skiff-admin");
    expect(decode(secret.data?.secretAccessKey)).toBe("a-long-secret-value");
    expect(decode(secret.data?.apiToken)).toHaveLength(48);
    expect(secret.metadata?.annotations).toBeUndefined();
  });

  it("is not rendered with existingSecret, and every reference then names that Secret", async () => {
    const objects = await renderChart({
      "credentials.existingSecret": "ml-credentials",
      "credentials.keys": { accessKeyId: "user", secretAccessKey: "password", apiToken: "token" },
    });
    // The one Secret left is train's ServiceAccount token, which holds no credentials.
    expect(objectsOf<K8sObject>(objects, SECRET).map((s) => s.metadata.name)).toEqual([
      NAMES.trainToken,
    ]);
    const refs = allEnv(objects).filter((e) => e.valueFrom !== undefined);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(ref.valueFrom, `${ref.object} ${ref.name}`).toEqual({
        secretKeyRef: {
          name: "ml-credentials",
          key: expect.stringMatching(/^(user|password|token)$/),
        },
      });
    }
  });

  it("reaches every pod only by reference, never as a literal value", async () => {
    const literals = { accessKeyId: "skiff-admin", secretAccessKey: "a-long-secret-value" };
    const objects = await renderChart({
      "credentials.accessKeyId": literals.accessKeyId,
      "credentials.secretAccessKey": literals.secretAccessKey,
    });
    const env = allEnv(objects);
    const credentialVars = [
      "SKIFF_S3_ACCESS_KEY_ID",
      "SKIFF_S3_SECRET_ACCESS_KEY",
      "MINIO_ROOT_USER",
      "MINIO_ROOT_PASSWORD",
      "SKIFF_API_TOKEN",
    ];
    const users = env.filter((e) => credentialVars.includes(e.name));
    // info, serve, train, bootstrap: both S3 variables; train: the API token too; MinIO: its
    // root user and password.
    expect(users.map((e) => e.object).sort()).toEqual(
      [
        `Service ${NAMES.info}`,
        `Service ${NAMES.info}`,
        `Service ${NAMES.serve}`,
        `Service ${NAMES.serve}`,
        `Service ${NAMES.train}`,
        `Service ${NAMES.train}`,
        `Service ${NAMES.train}`,
        `Job ${NAMES.bootstrap}`,
        `Job ${NAMES.bootstrap}`,
        `StatefulSet ${NAMES.minio}`,
        `StatefulSet ${NAMES.minio}`,
      ].sort(),
    );
    for (const e of users) {
      expect(e.value, `${e.object} ${e.name}`).toBeUndefined();
      expect(e.valueFrom).toMatchObject({ secretKeyRef: { name: NAMES.credentials } });
    }
    const everyText = JSON.stringify(objects.filter((o) => o.kind !== "Secret"));
    expect(everyText).not.toContain(literals.secretAccessKey);
    expect(everyText).not.toContain(literals.accessKeyId);
  });
});
