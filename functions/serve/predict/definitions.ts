/**
 * @module serve/predict/definitions
 * The named-feature prediction routes as OpenAPI definitions: they document the API, and
 * routes.ts checks requests against their schemas.
 */
import { createRoute } from "@hono/zod-openapi";
import { PredictBody, PredictParams, PredictQuery, PredictResponse } from "./schemas.ts";

const responses = {
  200: {
    description: "One answer, or `predictions` for a list",
    content: { "application/json": { schema: PredictResponse } },
  },
  400: {
    description:
      "A feature is missing, extra or of the wrong type, or its value does not fit the model's input element type",
  },
  404: { description: "No such model, version or alias" },
  500: { description: "The model answered NaN or Infinity where the answer is a number" },
  503: {
    description: "The model is loading, failed to load, or its model.json does not fit its graph",
  },
};

export const predictRoute = createRoute({
  method: "post",
  path: "/models/{name}/predict",
  summary: "Predict from named features",
  tags: ["serve"],
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
  request: {
    query: PredictQuery,
    body: { content: { "application/json": { schema: PredictBody } }, required: true },
  },
  responses,
});
