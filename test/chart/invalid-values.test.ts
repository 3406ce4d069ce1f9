import { describe, expect, it } from "vitest";
import { helm } from "./helm.ts";
import { CHART_DIR, renderChart, type ValueSet, valueArgs } from "./render.ts";
import { API_HOST } from "./value-sets.ts";

/** Value sets the schema itself rejects: `helm lint` fails on them too. */
const SCHEMA_INVALID: [what: string, values: ValueSet, message: RegExp][] = [
  [
    "a host that is not a DNS name",
    { "ingress.hosts": [{ host: "ML_Service.com", paths: [{ path: "/", function: "info" }] }] },
    /at '\/ingress\/hosts\/0\/host': 'ML_Service\.com' does not match pattern/,
  ],
  [
    "a host with a scheme",
    {
      "ingress.hosts": [
        { host: "https://api.example.com", paths: [{ path: "/", function: "info" }] },
      ],
    },
    /at '\/ingress\/hosts\/0\/host'/,
  ],
  [
    "a negative scale",
    { "serve.autoscaling.minScale": -1 },
    /at '\/serve\/autoscaling\/minScale': minimum: got -1, want 0/,
  ],
  [
    "an unknown ingress mode",
    { "ingress.mode": "traefik" },
    /at '\/ingress\/mode': value must be one of 'nginx', 'gatewayApi'/,
  ],
  [
    "Gateway API mode without a parent Gateway",
    { "ingress.mode": "gatewayApi" },
    /at '\/ingress\/gatewayApi\/parentRefs': minItems: got 0, want 1/,
  ],
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
    "a model host that routes to info",
    {
      "ingress.hosts": [
        { host: "models-iris.io", model: "iris", paths: [{ path: "/", function: "info" }] },
      ],
    },
    /at '\/ingress\/hosts\/0\/paths\/0\/function': value must be 'serve'/,
  ],
  [
    "a model name that is not a DNS label",
    {
      "ingress.hosts": [
        { host: "m.io", model: "Iris_v2", paths: [{ path: "/", function: "serve" }] },
      ],
    },
    /at '\/ingress\/hosts\/0\/model'/,
  ],
  [
    "a serve timeout too short to flush the prediction log",
    { "serve.timeoutSeconds": 30 },
    /at '\/serve\/timeoutSeconds': minimum: got 30, want 60/,
  ],
  [
    "a secret key shorter than MinIO accepts",
    { "credentials.secretAccessKey": "short" },
    /at '\/credentials\/secretAccessKey'/,
  ],
  [
    "a serve setting the chart does not know",
    { "serve.settings": { SKIFF_S3_BUCKET: "other" } },
    // (Helm's validator reports this one at a wrong location, but names the key.)
    /invalid propertyName 'SKIFF_S3_BUCKET'[\s\S]*value must be one of 'SKIFF_MODEL_CACHE_MAX_MODELS'/,
  ],
  [
    "a request body limit below 1 KiB",
    { "limits.requestBodyBytes": 100 },
    /at '\/limits\/requestBodyBytes': minimum: got 100, want 1,024/,
  ],
  [
    "a train timeout above knative/'s max-revision-timeout-seconds",
    { "train.timeoutSeconds": 7200 },
    /at '\/train\/timeoutSeconds': maximum: got 7,200, want 3,600/,
  ],
  [
    "a scale-down delay in fractions of a second (Knative wants whole seconds)",
    { "serve.autoscaling.scaleDownDelay": "1500ms" },
    /at '\/serve\/autoscaling\/scaleDownDelay': '1500ms' does not match pattern/,
  ],
  [
    "a train setting the chart sets itself",
    { "train.settings": { SKIFF_RUN_EXECUTOR: "inline" } },
    /invalid propertyName 'SKIFF_RUN_EXECUTOR'[\s\S]*value must be one of 'SKIFF_RUN_HEARTBEAT_MS'/,
  ],
  [
    "an upload limit below 1 KiB",
    { "train.maxUploadBytes": 10 },
    /at '\/train\/maxUploadBytes': minimum: got 10, want 1,024/,
  ],
  [
    "a model registration limit above ONNX's 2 GiB",
    { "train.maxModelUploadBytes": 4 * 1024 ** 3 },
    /at '\/train\/maxModelUploadBytes': maximum: got 4\.294967296/,
  ],
  ["an unknown log level", { logLevel: "loud" }, /\/logLevel.*must be one of/],
  ["an unknown top-level key", { infoo: { enabled: true } }, /additional properties 'infoo'/],
];

/** Value sets only the chart's own checks (`fail`) reject; lint does not run `fail`. */
const CHART_INVALID: [what: string, values: ValueSet, message: RegExp][] = [
  [
    "train's old default timeout on stock Knative (max-revision-timeout-seconds 600)",
    { "train.timeoutSeconds": 900 },
    /VALUES VALIDATION:[\s\S]*- train\.timeoutSeconds: 900 is above knative\.maxRevisionTimeoutSeconds \(600\); Knative refuses a revision timeout above its max-revision-timeout-seconds \(config-defaults in knative-serving\): lower train\.timeoutSeconds, or raise max-revision-timeout-seconds and set knative\.maxRevisionTimeoutSeconds to the same value/,
  ],
  [
    "a timeout above a cluster's lowered max-revision-timeout-seconds",
    { "knative.maxRevisionTimeoutSeconds": 100, "info.timeoutSeconds": 101 },
    /- info\.timeoutSeconds: 101 is above knative\.maxRevisionTimeoutSeconds \(100\)[\s\S]*- serve\.timeoutSeconds: 120 is above knative\.maxRevisionTimeoutSeconds \(100\)[\s\S]*- train\.timeoutSeconds: 600 is above/,
  ],
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
    { "serve.autoscaling.minScale": 5, "serve.autoscaling.maxScale": 2 },
    /serve\.autoscaling\.maxScale: 2 is below minScale 5/,
  ],
  [
    "a scale-down delay above Knative's 1h",
    { "serve.autoscaling.scaleDownDelay": "61m", "train.autoscaling.scaleDownDelay": "1h1s" },
    /- serve\.autoscaling\.scaleDownDelay: "61m" is 3660s; Knative allows 0s\.\.1h \(3600s\)[\s\S]*- train\.autoscaling\.scaleDownDelay: "1h1s" is 3601s; Knative allows 0s\.\.1h \(3600s\)/,
  ],
  [
    "initial scale 0 on stock Knative (allow-zero-initial-scale false)",
    { "info.autoscaling.initialScale": 0 },
    /- info\.autoscaling\.initialScale: 0 needs Knative's allow-zero-initial-scale \(config-autoscaler in knative-serving\), which is "false" unless changed: set it to "true" there and knative\.allowZeroInitialScale=true, or use an initialScale of 1 or more/,
  ],
  [
    "train without its RBAC",
    { "rbac.train.create": false },
    /train\.enabled: train needs rbac\.train\.create/,
  ],
  [
    "train's maxScale below its minScale",
    { "train.autoscaling.minScale": 3, "train.autoscaling.maxScale": 1 },
    /train\.autoscaling\.maxScale: 1 is below minScale 3/,
  ],
  [
    "an external endpoint while MinIO is on",
    { "s3.endpoint": "https://s3.example.com" },
    /s3\.endpoint: "https:\/\/s3\.example\.com" is set while minio\.enabled is true/,
  ],
  [
    "no endpoint without MinIO",
    { "minio.enabled": false },
    /s3\.endpoint: required when minio\.enabled is false/,
  ],
  [
    "an existing Secret and literal credentials at once",
    { "credentials.existingSecret": "mine", "credentials.apiToken": "0123456789abcdef" },
    /credentials: give either existingSecret or literal values, not both/,
  ],
  [
    "a model host whose Knative Service name is too long",
    {
      "ingress.hosts": [
        {
          host: "m.example.com",
          model: "a-very-long-model-name-that-will-not-fit-in-a-revision",
          paths: [{ path: "/", function: "serve" }],
        },
      ],
    },
    /ingress\.hosts\[0\]\.model: the Knative Service name "demo-skiff-serve-a-very-long[^"]*" is \d+ characters/,
  ],
];

describe("helm template rejects invalid values with a readable message", {
  timeout: 60_000,
}, () => {
  it.each([...SCHEMA_INVALID, ...CHART_INVALID])("%s", async (_what, values, message) => {
    await expect(renderChart(values)).rejects.toThrow(message);
  });
});

describe("helm lint --strict rejects what the schema rejects", { timeout: 60_000 }, () => {
  it.each(SCHEMA_INVALID)("%s", async (_what, values, message) => {
    await expect(helm(["lint", "--strict", CHART_DIR, ...valueArgs(values)])).rejects.toThrow(
      message,
    );
  });
});
