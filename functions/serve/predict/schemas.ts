/**
 * @module serve/predict/schemas
 * Request and response shapes of named-feature prediction; the OpenAPI document comes from them.
 */
import { z } from "@hono/zod-openapi";
import { isJsonObject } from "../../lib/json-object.ts";
import { NAME_PATTERN } from "../../lib/storage/layout.ts";

// Values are checked against the model's features in encode.ts, which names the exact field;
// the object is checked in place (see lib/json-object), so a "__proto__" feature is kept.
const instance = z
  .custom<Record<string, unknown>>(isJsonObject, "must be an object of named features")
  .openapi({
    type: "object",
    additionalProperties: {},
    example: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
  });

export const PredictParams = z.object({
  name: z
    .string()
    .regex(NAME_PATTERN, "must be a model name")
    .openapi({ param: { name: "name", in: "path" }, example: "iris" }),
});

export const PredictQuery = z.object({
  version: z
    .string()
    .optional()
    .openapi({
      param: { name: "version", in: "query" },
      description:
        "A version number or an alias (e.g. staging); default: the production alias, else the newest",
    }),
});

export const PredictBody = instance.openapi("PredictRequest", {
  description: 'One instance of named features, or {"instances": [...]} for a batch',
});

const prediction = z.object({
  label: z
    .union([z.string(), z.number()])
    .optional()
    .openapi({ example: "setosa", description: "The model's own label output" }),
  probability: z
    .number()
    .optional()
    .openapi({ example: 0.97, description: "The probability of `label`" }),
  probabilities: z.record(z.string(), z.number()).optional(),
  value: z.number().optional().openapi({ description: "A regressor with one target" }),
  values: z
    .record(z.string(), z.number())
    .optional()
    .openapi({
      example: { price: 210.5, rent: 1.2 },
      description: "A regressor with several targets: one value per target, by name",
    }),
});

const warning = z
  .object({
    instance: z.number().int().min(0),
    feature: z.string(),
    warning: z.enum(["unseen_category", "missing_value"]),
    value: z.string().optional(),
  })
  .openapi("PredictionWarning", {
    example: { instance: 0, feature: "color", warning: "unseen_category", value: "mauve" },
  });

export const PredictResponse = z
  .object({
    model: z.string().openapi({ example: "iris" }),
    version: z.string().openapi({
      example: "3",
      description: "The version that answered, also when an alias was asked for",
    }),
    predictions: z.array(prediction).optional(),
    warnings: z.array(warning).optional().openapi({
      description:
        "Values the model accepted but that are worth knowing: a category it never saw in training, a missing value it imputed",
    }),
  })
  .extend(prediction.shape)
  .openapi("PredictResponse");
