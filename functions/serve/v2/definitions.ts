/**
 * @module serve/v2/definitions
 * The Open Inference Protocol route table as OpenAPI route definitions: the same objects
 * validate requests and document the API. Every model route also exists under
 * `/versions/{version}`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { NAME_PATTERN } from "../../lib/storage/layout.ts";
import { InferRequest, InferResponse, ModelMetadata, ServerMetadata, V2Error } from "./schemas.ts";

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const errors = {
  400: json(V2Error, "Invalid request"),
  404: json(V2Error, "No such model or version"),
  503: json(V2Error, "The model is loading or failed to load"),
};

const name = z
  .string()
  .regex(NAME_PATTERN, "must be a model name")
  .openapi({ param: { name: "name", in: "path" }, example: "iris" });
const version = z.string().openapi({ param: { name: "version", in: "path" }, example: "1" });

const forms = [
  { prefix: "/v2/models/{name}", params: z.object({ name }) },
  { prefix: "/v2/models/{name}/versions/{version}", params: z.object({ name, version }) },
] as const;

export const serverMetadataRoute = createRoute({
  method: "get",
  path: "/v2",
  tags: ["v2"],
  summary: "Server metadata",
  responses: { 200: json(ServerMetadata, "Server metadata") },
});

export const liveRoute = createRoute({
  method: "get",
  path: "/v2/health/live",
  tags: ["v2"],
  summary: "Server liveness",
  responses: { 200: { description: "Live" } },
});

export const readyRoute = createRoute({
  method: "get",
  path: "/v2/health/ready",
  tags: ["v2"],
  summary: "Server readiness: preloaded models are in memory and the server is not draining",
  responses: { 200: { description: "Ready" }, 503: json(V2Error, "Not ready") },
});

export const modelMetadataRoutes = forms.map(({ prefix, params }) =>
  createRoute({
    method: "get",
    path: prefix,
    tags: ["v2"],
    summary: "Model metadata",
    request: { params },
    responses: { 200: json(ModelMetadata, "Model metadata"), ...errors },
  }),
);

export const modelReadyRoutes = forms.map(({ prefix, params }) =>
  createRoute({
    method: "get",
    path: `${prefix}/ready`,
    tags: ["v2"],
    summary: "Model readiness (loads the model when it is not in memory)",
    request: { params },
    responses: { 200: { description: "Ready" }, ...errors },
  }),
);

export const inferRoutes = forms.map(({ prefix, params }) =>
  createRoute({
    method: "post",
    path: `${prefix}/infer`,
    tags: ["v2"],
    summary: "Inference",
    description:
      "Tensors as JSON, or with the binary tensor data extension: the `Inference-Header-Content-Length` header gives the JSON's length, and inputs with `parameters.binary_data_size` follow it as raw bytes. Outputs asked for with `binary_data` (or the request's `binary_data_output`) come back the same way, as application/octet-stream.",
    request: {
      params,
      body: { content: { "application/json": { schema: InferRequest } }, required: true },
    },
    responses: { 200: json(InferResponse, "Outputs"), ...errors },
  }),
);

export const v2RouteDefinitions = [
  serverMetadataRoute,
  liveRoute,
  readyRoute,
  ...modelMetadataRoutes,
  ...modelReadyRoutes,
  ...inferRoutes,
];
