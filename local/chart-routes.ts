/**
 * @module local/chart-routes
 * Reads the routing table from its one source, the `ingress.hosts` section of the chart's
 * values.yaml, so local mode routes exactly as the chart's Ingress does.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describeIssues } from "../functions/lib/http/error-handler.ts";
import { type RoutingTable, routingTableSchema } from "../functions/lib/routing.ts";

export const CHART_VALUES = new URL("../chart/values.yaml", import.meta.url);

export function routingTableFromChart(valuesFile: URL | string = CHART_VALUES): RoutingTable {
  const values = parse(readFileSync(valuesFile, "utf8")) as {
    ingress?: { hosts?: unknown };
  } | null;
  const result = routingTableSchema.safeParse(values?.ingress?.hosts);
  if (!result.success) {
    throw new Error(`chart values: ${describeIssues("ingress.hosts", result.error)}`);
  }
  return result.data;
}
