/**
 * @module train/runs/definitions
 * The training-run routes as OpenAPI definitions: they validate requests and document the API.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireJson } from "../../lib/http/require-json.ts";
import { RUN_ID_PATTERN } from "../../lib/storage/layout.ts";
import { runRequestSchema } from "./plan.ts";
import { RUN_STATUSES, runRecordSchema } from "./run-record.ts";

// Rebuilt with the OpenAPI-aware zod: a schema made before that import lacks .openapi().
const Run = z.object(runRecordSchema.shape).openapi("Run");
const RunId = z.object({
  id: z
    .string()
    .regex(RUN_ID_PATTERN, "must be a run id")
    .openapi({ param: { name: "id", in: "path" }, example: "run-mf3x9k2a-1c2d3e4f" }),
});
/** One server-sent event, as the stream's parsers see it: its name and its data. */
const RunEvent = z
  .object({
    event: z.enum(["progress", "end"]),
    data: z.string().openapi({ description: "The run (as GET /runs/{id} answers it), as JSON" }),
  })
  .openapi("RunEvent");
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const startRunRoute = createRoute({
  method: "post",
  path: "/runs",
  summary: "Start a training run",
  tags: ["train"],
  middleware: [requireJson()] as const,
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object(runRequestSchema.shape).openapi("RunRequest", {
            example: { dataset: "iris", model: "iris", target: "species" },
          }),
        },
      },
    },
  },
  responses: {
    202: json(Run, "The run, queued"),
    400: { description: "The request cannot succeed (unknown column, one class, bad params, ...)" },
    404: { description: "No such dataset or dataset version" },
  },
});

export const listRunsRoute = createRoute({
  method: "get",
  path: "/runs",
  summary: "Runs, newest first",
  tags: ["train"],
  request: {
    query: z.object({
      model: z
        .string()
        .optional()
        .openapi({ param: { name: "model", in: "query" } }),
      status: z
        .enum(RUN_STATUSES)
        .optional()
        .openapi({ param: { name: "status", in: "query" } }),
    }),
  },
  responses: { 200: json(z.object({ runs: z.array(Run) }), "Runs") },
});

export const getRunRoute = createRoute({
  method: "get",
  path: "/runs/{id}",
  summary: "A run: status, progress, timings, metrics, error, resulting model version",
  tags: ["train"],
  request: { params: RunId },
  responses: { 200: json(Run, "The run"), 404: { description: "No such run" } },
});

export const runEventsRoute = createRoute({
  method: "get",
  path: "/runs/{id}/events",
  summary: "Server-sent events with the run's progress until it ends",
  tags: ["train"],
  request: { params: RunId },
  responses: {
    200: {
      description: "`progress` events, each with the run as JSON, then one `end` event",
      content: { "text/event-stream": { schema: RunEvent } },
    },
    404: { description: "No such run" },
  },
});

export const runRouteDefinitions = [startRunRoute, listRunsRoute, getRunRoute, runEventsRoute];
