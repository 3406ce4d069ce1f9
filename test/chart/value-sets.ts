import { NAMES, NAMESPACE, type ValueSet } from "./render.ts";

export const API_HOST = "ml-system-service-api.com";
export const INFO_HOST = "ml-info-service.com";
export const MODEL_HOST = "models-price-prediction.io";

/** The seed hosts plus a host of its own for the price-prediction model. */
export const HOSTS_WITH_MODEL_HOST = [
  {
    host: API_HOST,
    paths: [
      { path: "/info", function: "info" },
      { path: "/serve", function: "serve" },
      { path: "/train", function: "train" },
    ],
  },
  { host: INFO_HOST, paths: [{ path: "/", function: "info" }] },
  { host: MODEL_HOST, model: "price-prediction", paths: [{ path: "/", function: "serve" }] },
];

export const GATEWAY_API: ValueSet = {
  "ingress.mode": "gatewayApi",
  "ingress.gatewayApi.parentRefs": [{ name: "public", namespace: "gateway-system" }],
};

/** The value sets every chart test renders, lints and validates. */
export const VALUE_SETS: Record<string, ValueSet> = {
  defaults: {},
  "external S3 without MinIO": {
    "minio.enabled": false,
    "s3.endpoint": "https://s3.eu-west-1.amazonaws.com",
    "s3.region": "eu-west-1",
    "s3.forcePathStyle": false,
  },
  "an existing Secret": {
    "credentials.existingSecret": "ml-credentials",
    "credentials.keys": { accessKeyId: "user", secretAccessKey: "password", apiToken: "token" },
  },
  "literal credentials": {
    "credentials.accessKeyId": "skiff-admin",
    "credentials.secretAccessKey": "a-long-secret-value",
  },
  "Gateway API mode": GATEWAY_API,
  "Gateway API mode with a model host and TLS": {
    ...GATEWAY_API,
    "ingress.hosts": HOSTS_WITH_MODEL_HOST,
    "ingress.tls": [{ secretName: "api-tls", hosts: [API_HOST] }],
  },
  "TLS on two hosts": {
    "ingress.tls": [
      { secretName: "api-tls", hosts: [API_HOST] },
      { secretName: "info-tls", hosts: [INFO_HOST] },
    ],
  },
  "a per-model host": { "ingress.hosts": HOSTS_WITH_MODEL_HOST },
  "min-scale above 0": {
    "info.autoscaling.minScale": 1,
    "serve.autoscaling.minScale": 2,
    "serve.autoscaling.scaleDownDelay": "5m",
  },
  "helm test with a demo model, pull secrets": {
    "tests.demoModel": { name: "iris", input: { sepal_length: 5.1, sepal_width: 3.5 } },
    imagePullSecrets: [{ name: "regcred" }],
    "serve.preloadModels": ["iris", "wine@3"],
    "serve.settings": { SKIFF_MODEL_CACHE_MAX_MODELS: "4" },
  },
  "two not-found replicas": { "notFound.replicas": 2 },
  "a Knative that allows longer timeouts and zero initial scale": {
    "knative.maxRevisionTimeoutSeconds": 3600,
    "knative.allowZeroInitialScale": true,
    "info.autoscaling.initialScale": 0,
    "serve.timeoutSeconds": 1800,
    "serve.autoscaling.target": "0.5",
    "serve.autoscaling.scaleDownDelay": "1h",
    "serve.resources": {
      requests: { cpu: "0.5", memory: "1e9" },
      limits: { cpu: "500m", memory: "1G" },
    },
  },
  "Gateway API mode without a ReferenceGrant": {
    ...GATEWAY_API,
    "ingress.gatewayApi.createReferenceGrant": false,
  },
  "train with its own settings": {
    "train.maxUploadBytes": 2 * 1024 * 1024 * 1024,
    "knative.maxRevisionTimeoutSeconds": 3600,
    "train.timeoutSeconds": 3600,
    "train.autoscaling.minScale": 1,
    "train.settings": {
      SKIFF_RUN_LEASE_MS: "120000",
      SKIFF_S3_PUBLIC_ENDPOINT: "https://s3.example.com",
    },
    "train.job": {
      cpu: "500m",
      memory: "4Gi",
      backoffLimit: 1,
      ttlSecondsAfterFinished: 600,
      activeDeadlineSeconds: 7200,
    },
  },
  "info and serve disabled": { "info.enabled": false, "serve.enabled": false },
  "ingress disabled": { "ingress.enabled": false },
  "nothing optional": {
    "minio.enabled": false,
    "s3.endpoint": "http://minio.storage:9000",
    "bootstrap.enabled": false,
    "train.enabled": false,
    "rbac.train.create": false,
    "tests.enabled": false,
    "credentials.existingSecret": "ml-credentials",
  },
};

/** Kourier's cluster-local gateway, as the chart's defaults name it. */
export const KOURIER = {
  name: "kourier-internal",
  namespace: "kourier-system",
  releaseNamespace: NAMESPACE,
};

/** The seed routing table, with the model host, as every mode must serve it. */
export const ROUTING_CASES: [host: string, path: string, service: string][] = [
  [API_HOST, "/info", NAMES.info],
  [API_HOST, "/info/models", NAMES.info],
  [API_HOST, "/information", NAMES.notFound],
  [API_HOST, "/serve", NAMES.serve],
  [API_HOST, "/serve/v2/models/iris/infer", NAMES.serve],
  [API_HOST, "/serveX", NAMES.notFound],
  [API_HOST, "/train", NAMES.train],
  [API_HOST, "/train/datasets/iris", NAMES.train],
  [API_HOST, "/train/runs/run-1/events", NAMES.train],
  [API_HOST, "/trainer", NAMES.notFound],
  [API_HOST, "/nope", NAMES.notFound],
  [API_HOST, "/", NAMES.notFound],
  [INFO_HOST, "/", NAMES.info],
  [INFO_HOST, "/openapi.json", NAMES.info],
  [MODEL_HOST, "/", NAMES.serveFor("price-prediction")],
  [MODEL_HOST, "/predict", NAMES.serveFor("price-prediction")],
  [MODEL_HOST, "/v2/models/price-prediction/infer", NAMES.serveFor("price-prediction")],
  ["unknown.example.com", "/", NAMES.notFound],
  ["unknown.example.com", "/info", NAMES.notFound],
];
