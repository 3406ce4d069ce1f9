import { describe, expect, it } from "vitest";
import { helm } from "./helm.ts";
import { CHART_DIR, NAMESPACE, RELEASE, type ValueSet, valueArgs } from "./render.ts";
import {
  API_HOST,
  GATEWAY_API,
  HOSTS_WITH_MODEL_HOST,
  INFO_HOST,
  MODEL_HOST,
} from "./value-sets.ts";

/** NOTES.txt as `helm install` prints it (client-side dry run: no cluster needed). */
async function notes(values: ValueSet = {}): Promise<string> {
  const out = await helm([
    "install",
    RELEASE,
    CHART_DIR,
    "--namespace",
    NAMESPACE,
    "--dry-run=client",
    ...valueArgs(values),
  ]);
  return out.slice(out.indexOf("NOTES:"));
}

describe("NOTES.txt", { timeout: 60_000 }, () => {
  it("names every host with a curl that sends its Host header, and how to run helm test", async () => {
    const text = await notes({
      "ingress.hosts": HOSTS_WITH_MODEL_HOST,
      "ingress.tls": [{ secretName: "info-tls", hosts: [INFO_HOST] }],
    });
    expect(text).toContain("ADDR=$(kubectl get ingress demo-skiff -n ml");
    expect(text).toContain(`curl -H 'Host: ${API_HOST}' http://$ADDR/info `);
    expect(text).toContain(`curl -H 'Host: ${API_HOST}' http://$ADDR/serve/v2/health/ready `);
    expect(text).toContain(`curl -H 'Host: ${API_HOST}' http://$ADDR/no-such-path `);
    expect(text).toContain(`curl --resolve ${INFO_HOST}:443:$ADDR https://${INFO_HOST}/ `);
    expect(text).toContain(`curl -H 'Host: ${MODEL_HOST}' http://$ADDR/predict `);
    expect(text).toContain("curl -H 'Host: unknown.example' http://$ADDR/");
    expect(text).toContain(
      `curl -H 'Host: ${API_HOST}' http://$ADDR/train/runs -H "Authorization: Bearer $TOKEN"`,
    );
    expect(text).toContain(
      "TOKEN=$(kubectl get secret demo-skiff-credentials -n ml -o jsonpath='{.data.apiToken}' | base64 -d)",
    );
    expect(text).toContain("kubectl get jobs -n ml -l app.kubernetes.io/component=train-job -w");
    expect(text).not.toContain("not enabled");
    expect(text).toContain("helm test demo -n ml --logs");
    expect(text).toContain("ingress-nginx is retired upstream");
  });

  it("says which routed functions are not enabled", async () => {
    const text = await notes({ "train.enabled": false });
    expect(text).toContain("routes to train, which is not enabled (train.enabled=false)");
    expect(text).not.toContain("TOKEN=");
  });

  it("points at the Gateway in Gateway API mode", async () => {
    const text = await notes(GATEWAY_API);
    expect(text).toContain("ADDR=$(kubectl get gateway public -n gateway-system");
    expect(text).not.toContain("ingress-nginx is retired");
    expect(text).not.toContain("ReferenceGrant");
  });

  it("says which ReferenceGrant the HTTPRoutes need when the chart makes none", async () => {
    const text = await notes({ ...GATEWAY_API, "ingress.gatewayApi.createReferenceGrant": false });
    expect(text).toContain(
      'NOTE: the chart made no ReferenceGrant (ingress.gatewayApi.createReferenceGrant=false). The\nHTTPRoutes reach Service "kourier-internal" in namespace "kourier-system" only once a ReferenceGrant\nthere lets HTTPRoutes from namespace "ml" use it.',
    );
  });
});
