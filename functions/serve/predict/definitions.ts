/**
 * @module serve/predict/definitions
 * The named-feature prediction route as an OpenAPI definition: it validates requests and
 * documents the API.
 */
import { createRoute } from "@hono/zod-openapi";
import { requireJson } from "../../lib/http/require-json.ts";
import { PredictBody, PredictParams, PredictQuery, PredictResponse } from "./schemas.ts";

const responses = {
  200: {
    description: "One answer, or `predictions` for a list",
    content: { "application/json": { schema: PredictResponse } },
  },
  400: { description: "A feature is missing, extra or of the wrong type" },
  404: { description: "No such model or version" },
  503: { description: "The model is loading or failed to load" },
};

export const predictRoute = createRoute({
  method: "post",
  path: "/models/{name}/predict",
  summary: "Predict from named features",
  tags: ["serve"],
  middleware: [requireJson()] as const,
  request: {
    params: PredictParams,
    query: PredictQuery,
    body: { content: { "application/json": { schema: PredictBody } }, required: true },
  },
  responses,
});

/** On a model's own host, the model is implied: `POST /predict`. */
export const defaultPredictRoute = createRoute({
  method: "post",
  path: "/predict",
  summary: "Predict with this host's model (SKIFF_DEFAULT_MODEL)",
  tags: ["serve"],
  middleware: [requireJson()] as const,
  request: {
    query: PredictQuery,
    body: { content: { "application/json": { schema: PredictBody } }, required: true },
  },
  responses,
});
