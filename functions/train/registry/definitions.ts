/**
 * @module train/registry/definitions
 * Registry write routes as OpenAPI definitions: aliases, bring-your-own models, deleting versions.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireJson } from "../../lib/http/require-json.ts";
import { ALIAS_PATTERN, NAME_PATTERN, VERSION_PATTERN } from "../../lib/storage/layout.ts";

const name = z
  .string()
  .regex(NAME_PATTERN, "must be a model name")
  .openapi({ param: { name: "name", in: "path" }, example: "iris" });
const alias = z
  .string()
  .regex(NAME_PATTERN, "must be a DNS label, e.g. production")
  .openapi({ param: { name: "alias", in: "path" }, example: "production" });
// A number would name a version wherever serve reads `?version=`, so an alias set to one could
// never be reached. Removing one stays possible for aliases.json files written by hand.
const newAlias = z
  .string()
  .regex(ALIAS_PATTERN, "must be a DNS label that is not a number, e.g. production")
  .openapi({ param: { name: "alias", in: "path" }, example: "production" });
const versionNumber = z.string().regex(VERSION_PATTERN, "must be a version number");
const version = versionNumber.openapi({ param: { name: "version", in: "path" }, example: "2" });
const Aliases = z
  .object({ model: z.string(), aliases: z.record(z.string(), z.string()) })
  .openapi("Aliases");
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const setAliasRoute = createRoute({
  method: "put",
  path: "/models/{name}/aliases/{alias}",
  summary: "Point an alias at a version (promote or roll back)",
  tags: ["registry"],
  middleware: [requireJson()] as const,
  request: {
    params: z.object({ name, alias: newAlias }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({ version: versionNumber }),
        },
      },
    },
  },
  responses: {
    200: json(Aliases, "The model's aliases"),
    404: { description: "No such model or version" },
  },
});

export const deleteAliasRoute = createRoute({
  method: "delete",
  path: "/models/{name}/aliases/{alias}",
  summary: "Remove an alias",
  tags: ["registry"],
  request: { params: z.object({ name, alias }) },
  responses: {
    200: json(Aliases, "The model's aliases"),
    404: { description: "No such model or alias" },
  },
});

export const uploadModelRoute = createRoute({
  method: "post",
  path: "/models/{name}/versions",
  summary:
    "Register a model trained elsewhere: multipart form with `model` (the ONNX file) and `metadata` (model.json without sha256)",
  tags: ["registry"],
  request: {
    params: z.object({ name }),
    // A plain schema, not zod: the handler reads the form itself, and a zod schema here would
    // put a validator in front of it that buffers the whole upload first.
    body: {
      required: true,
      content: {
        "multipart/form-data": {
          schema: {
            type: "object",
            required: ["model", "metadata"],
            properties: {
              model: { type: "string", format: "binary", description: "The ONNX file" },
              metadata: {
                type: "string",
                description: "model.json without sha256, as JSON",
                example:
                  '{"task":"classification","target":"species","classes":["setosa","versicolor","virginica"],"features":[{"name":"sepal_length","type":"number"}]}',
              },
            },
          },
        },
      },
    },
  },
  responses: {
    201: json(
      z.object({ model: z.string(), version: z.string() }).openapi("NewVersion"),
      "The new version",
    ),
    400: { description: "The metadata is invalid or the ONNX file cannot be served" },
  },
});

export const deleteVersionRoute = createRoute({
  method: "delete",
  path: "/models/{name}/versions/{version}",
  summary: "Delete a version that no alias points to",
  tags: ["registry"],
  request: { params: z.object({ name, version }) },
  responses: {
    204: { description: "Deleted" },
    404: { description: "No such version" },
    409: { description: "An alias points to it" },
  },
});

export const registryRouteDefinitions = [
  setAliasRoute,
  deleteAliasRoute,
  uploadModelRoute,
  deleteVersionRoute,
];
