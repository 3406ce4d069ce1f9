/**
 * ingress.hosts is the routing table's one source: local mode's gateway reads it from
 * values.yaml. A model host (with its `model` key) must stay readable there, and route the
 * same way: to serve.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { resolveRoute } from "../../functions/lib/routing.ts";
import { CHART_VALUES, routingTableFromChart } from "../../local/chart-routes.ts";
import { HOSTS_WITH_MODEL_HOST, MODEL_HOST } from "./value-sets.ts";

describe("the routing table shared with local mode", () => {
  it("reads a values file with a model host, routing that host to serve", () => {
    const values = parse(readFileSync(CHART_VALUES, "utf8")) as { ingress: { hosts: unknown } };
    values.ingress.hosts = HOSTS_WITH_MODEL_HOST;
    const file = join(mkdtempSync(join(tmpdir(), "skiff-values-")), "values.yaml");
    writeFileSync(file, stringify(values));
    const table = routingTableFromChart(file);
    expect(table.map((h) => h.host)).toContain(MODEL_HOST);
    expect(resolveRoute(table, MODEL_HOST, "/predict")).toBe("serve");
    expect(resolveRoute(table, "ml-system-service-api.com", "/serve/v2")).toBe("serve");
  });
});
