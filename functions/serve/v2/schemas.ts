/**
 * @module serve/v2/schemas
 * Open Inference Protocol (KServe v2) REST bodies, as Triton and MLServer speak them. Element
 * values are checked against the model in the codec, not here, to keep large tensors cheap.
 */
import { z } from "@hono/zod-openapi";
import { V2_DATATYPES } from "../../lib/onnx/datatypes.ts";

const parameters = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional();

export const InferInput = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().min(0)),
  datatype: z.enum(V2_DATATYPES),
  parameters,
  data: z
    .array(z.unknown())
    .optional()
    .openapi({
      example: [5.1, 3.5, 1.4, 0.2],
      description:
        "The elements, flat or nested; left out when parameters.binary_data_size says they follow the JSON as bytes",
    }),
});

export const InferRequest = z
  .object({
    id: z.string().optional(),
    parameters,
    inputs: z.array(InferInput).min(1),
    outputs: z.array(z.object({ name: z.string().min(1), parameters })).optional(),
  })
  .openapi("InferRequest");

export const InferResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string().optional(),
    id: z.string().optional(),
    parameters,
    outputs: z.array(
      z.object({
        name: z.string(),
        shape: z.array(z.number().int()),
        datatype: z.enum(V2_DATATYPES),
        parameters,
        data: z.array(z.unknown()).optional(),
      }),
    ),
  })
  .openapi("InferResponse");

const tensorMetadata = z.object({
  name: z.string(),
  datatype: z.enum(V2_DATATYPES),
  shape: z.array(z.number().int()),
});

export const ModelMetadata = z
  .object({
    name: z.string(),
    versions: z.array(z.string()).optional(),
    platform: z.string(),
    inputs: z.array(tensorMetadata),
    outputs: z.array(tensorMetadata),
    parameters,
  })
  .openapi("ModelMetadataResponse");

export const ServerMetadata = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .openapi("ServerMetadataResponse");

export const V2Error = z.object({ error: z.string() }).openapi("V2Error");

export type InferRequestBody = z.infer<typeof InferRequest>;
