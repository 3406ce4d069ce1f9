/**
 * @module info/schemas
 * Response shapes of the info function; the OpenAPI document is generated from them.
 */
import { z } from "@hono/zod-openapi";

export const ModelVersion = z
  .object({
    version: z.string().openapi({ example: "3" }),
    task: z.string().optional().openapi({ example: "classification" }),
    metrics: z.record(z.string(), z.number()).openapi({ example: { accuracy: 0.97 } }),
    createdAt: z.string().optional(),
  })
  .openapi("ModelVersion");

export const Model = z
  .object({
    name: z.string().openapi({ example: "iris" }),
    latest: z.string().optional().openapi({ example: "3" }),
    aliases: z.record(z.string(), z.string()).openapi({ example: { production: "2" } }),
    versions: z.array(ModelVersion),
  })
  .openapi("Model");

export const Service = z
  .object({
    name: z.string().openapi({ example: "info" }),
    description: z.string(),
    urls: z.array(z.string()).openapi({ example: ["http://ml-system-service-api.com/info"] }),
  })
  .openapi("Service");

export const Catalogue = z
  .object({
    name: z.string().openapi({ example: "skiff" }),
    version: z.string().openapi({ example: "0.1.0" }),
    services: z.array(Service),
    models: z.array(Model),
  })
  .openapi("Catalogue");

export const ModelList = z.object({ models: z.array(Model) }).openapi("ModelList");

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "not_found" }),
      message: z.string(),
    }),
  })
  .openapi("Error");
