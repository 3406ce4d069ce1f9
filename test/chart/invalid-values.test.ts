import { describe, expect, it } from "vitest";
import { renderChart, type ValueSet } from "./render.ts";

const API_HOST = "ml-system-service-api.com";

const INVALID: [what: string, values: ValueSet, message: RegExp][] = [
  [
    "a path without a leading slash",
    { "ingress.hosts": [{ host: API_HOST, paths: [{ path: "info", function: "info" }] }] },
    /\/ingress\/hosts\/0\/paths\/0\/path.*'info' does not match pattern/,
  ],
  [
    "an unknown function",
    { "ingress.hosts": [{ host: API_HOST, paths: [{ path: "/x", function: "predict" }] }] },
    /\/ingress\/hosts\/0\/paths\/0\/function.*must be one of 'info', 'serve', 'train'/,
  ],
  [
    "a missing credentials Secret name",
    { "s3.credentialsSecret.name": "" },
    /credentialsSecret\/name/,
  ],
  ["an unknown log level", { logLevel: "loud" }, /\/logLevel.*must be one of/],
  ["an unknown top-level key", { infoo: { enabled: true } }, /additional properties 'infoo'/],
  [
    "a host listed twice",
    {
      "ingress.hosts": [
        { host: API_HOST, paths: [{ path: "/info", function: "info" }] },
        { host: API_HOST, paths: [{ path: "/serve", function: "serve" }] },
      ],
    },
    /VALUES VALIDATION:[\s\S]*ingress\.hosts\[1\]\.host: "ml-system-service-api\.com" is listed twice/,
  ],
  [
    "a path listed twice on one host",
    {
      "ingress.hosts": [
        {
          host: API_HOST,
          paths: [
            { path: "/info", function: "info" },
            { path: "/info", function: "serve" },
          ],
        },
      ],
    },
    /ingress\.hosts\[0\]\.paths\[1\]\.path: "\/info" is listed twice/,
  ],
  [
    "TLS for a host that is not routed",
    { "ingress.tls": [{ secretName: "x-tls", hosts: ["other.example.com"] }] },
    /ingress\.tls\[0\]\.hosts: "other\.example\.com" is not one of ingress\.hosts/,
  ],
  [
    "maxScale below minScale",
    { "info.autoscaling.minScale": 5, "info.autoscaling.maxScale": 2 },
    /info\.autoscaling\.maxScale: 2 is below minScale 5/,
  ],
];

describe("helm template rejects invalid values with a readable message", {
  timeout: 60_000,
}, () => {
  it.each(INVALID)("%s", async (_what, values, message) => {
    await expect(renderChart(values)).rejects.toThrow(message);
  });
});
