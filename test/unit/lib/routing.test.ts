import { describe, expect, it } from "vitest";
import {
  normalizeHost,
  onlyFunctions,
  type RoutingTable,
  resolveRoute,
  routingTableSchema,
  serviceUrls,
} from "../../../functions/lib/routing.ts";
import { routingTableFromChart } from "../../../local/chart-routes.ts";

const table: RoutingTable = [
  {
    host: "api.example",
    paths: [
      { path: "/info", function: "info" },
      { path: "/serve", function: "serve" },
      { path: "/serve/models/special", function: "train" },
    ],
  },
  { host: "info.example", paths: [{ path: "/", function: "info" }] },
];

describe("routing table", () => {
  it("matches whole path segments, like an Ingress Prefix", () => {
    expect(resolveRoute(table, "api.example", "/info")).toBe("info");
    expect(resolveRoute(table, "api.example", "/info/")).toBe("info");
    expect(resolveRoute(table, "api.example", "/info/models")).toBe("info");
    expect(resolveRoute(table, "api.example", "/infox")).toBeUndefined();
    expect(resolveRoute(table, "api.example", "/")).toBeUndefined();
  });

  it("prefers the longest matching prefix", () => {
    expect(resolveRoute(table, "api.example", "/serve/models/other")).toBe("serve");
    expect(resolveRoute(table, "api.example", "/serve/models/special/predict")).toBe("train");
  });

  it("routes by host, ignoring case and port; unknown hosts match nothing", () => {
    expect(resolveRoute(table, "INFO.example:8080", "/anything")).toBe("info");
    expect(resolveRoute(table, "other.example", "/info")).toBeUndefined();
    expect(resolveRoute(table, undefined, "/info")).toBeUndefined();
  });

  it("answers loopback as the API host only in local mode", () => {
    expect(resolveRoute(table, "localhost:8080", "/info")).toBeUndefined();
    expect(resolveRoute(table, "localhost:8080", "/info", { loopbackIsApiHost: true })).toBe(
      "info",
    );
    expect(resolveRoute(table, "127.0.0.1", "/serve", { loopbackIsApiHost: true })).toBe("serve");
    expect(normalizeHost("[::1]:8080")).toBe("[::1]");
  });

  it("drops routes of functions that are not running", () => {
    const running = onlyFunctions(table, new Set(["info"]));
    expect(resolveRoute(running, "api.example", "/serve/x")).toBeUndefined();
    expect(resolveRoute(running, "api.example", "/info")).toBe("info");
  });

  it("lists each function's public URLs", () => {
    const urls = serviceUrls(table, (host) =>
      host === "info.example" ? "https://info.example" : `http://${host}`,
    );
    expect(urls.info).toEqual(["http://api.example/info", "https://info.example/"]);
    expect(urls.serve).toEqual(["http://api.example/serve"]);
  });

  it("refuses duplicate hosts, duplicate paths and malformed paths", () => {
    const dupHost = routingTableSchema.safeParse([table[1], table[1]]);
    expect(dupHost.success).toBe(false);
    const dupPath = routingTableSchema.safeParse([
      {
        host: "a.example",
        paths: [
          { path: "/x", function: "info" },
          { path: "/x", function: "serve" },
        ],
      },
    ]);
    expect(dupPath.success).toBe(false);
    const trailing = routingTableSchema.safeParse([
      { host: "a.example", paths: [{ path: "/x/", function: "info" }] },
    ]);
    expect(trailing.success).toBe(false);
    const unknownFn = routingTableSchema.safeParse([
      { host: "a.example", paths: [{ path: "/x", function: "db" }] },
    ]);
    expect(unknownFn.success).toBe(false);
  });

  it("reads the seed hosts from the chart's values, the table's one source", () => {
    const chart = routingTableFromChart();
    expect(chart[0]?.host).toBe("ml-system-service-api.com");
    expect(resolveRoute(chart, "ml-system-service-api.com", "/info/models")).toBe("info");
    expect(resolveRoute(chart, "ml-system-service-api.com", "/serve/models/iris/predict")).toBe(
      "serve",
    );
    expect(resolveRoute(chart, "ml-system-service-api.com", "/train/runs")).toBe("train");
    expect(resolveRoute(chart, "ml-system-service-api.com", "/nope")).toBeUndefined();
    expect(resolveRoute(chart, "ml-info-service.com", "/")).toBe("info");
  });
});
