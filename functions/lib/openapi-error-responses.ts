/**
 * @module openapi-error-responses
 * The error answers a route can give, derived from what the route takes and what its function
 * requires: a route with input can be refused with 400, a route with a body with 413 and 415, a
 * route naming a resource with 404, a function behind a token with 401, a conditional write with
 * 409. Derived rather than listed by each definition, so a route added later declares them too
 * and the document never lags behind the spine that answers them.
 */
import { type RouteConfig, z } from "@hono/zod-openapi";
import { ERROR_CODES } from "./errors.ts";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
    }),
  })
  .openapi("Error");

export interface ErrorRules {
  /** Every route needs `Authorization: Bearer <token>`. */
  bearer?: boolean;
  /**
   * Writes are compare-and-set against what storage holds, so a write that lost a race (or
   * contradicts what is stored) is refused with 409.
   */
  conditionalWrites?: boolean;
  /** The error body of a route whose errors are not `ErrorBody` (a protocol of its own). */
  errorBody?: (route: RouteConfig) => z.ZodType | undefined;
}

type Responses = RouteConfig["responses"];
type Response = Responses[string];

const WRITES = new Set(["post", "put", "patch", "delete"]);

const AUTHENTICATE = {
  "WWW-Authenticate": {
    description: '`Bearer realm="skiff"`',
    schema: { type: "string" as const },
  },
};

/** Statuses the route can answer besides its own, each with what it means in general. */
function derivedStatuses(route: RouteConfig, rules: ErrorRules): Record<string, string> {
  const { params, query, body } = route.request ?? {};
  const statuses: Record<string, string> = {};
  if (params || query || body)
    statuses[400] = "The request is invalid; the message names the offending field";
  if (rules.bearer) statuses[401] = "No valid bearer token in the Authorization header";
  if (route.path.includes("{")) statuses[404] = "Nothing of that name";
  if (rules.conditionalWrites && WRITES.has(route.method))
    statuses[409] = "A concurrent write got there first, or the write contradicts what is stored";
  if (body) {
    statuses[413] = "The body is larger than the limit; the message names the setting";
    statuses[415] = "The body's content type or content encoding is not one the route reads";
  }
  return statuses;
}

function isReference(response: Response | undefined): response is { $ref: string } {
  return response !== undefined && "$ref" in response;
}

/**
 * The route with every error status it can answer declared, each with its error body: the
 * route's own descriptions are kept (they say more than the general one).
 */
export function withErrorResponses<R extends RouteConfig>(route: R, rules: ErrorRules): R {
  const body = rules.errorBody?.(route) ?? ErrorBody;
  const responses: Responses = { ...route.responses };
  const errors = { ...derivedStatuses(route, rules) };
  for (const status of Object.keys(route.responses)) {
    if (Number(status) >= 400) errors[status] ??= "";
  }
  for (const [status, general] of Object.entries(errors)) {
    const own = responses[status];
    if (isReference(own)) continue;
    responses[status] = {
      ...own,
      description: own?.description ?? general,
      content: own?.content ?? { "application/json": { schema: body } },
      ...(status === "401" && { headers: AUTHENTICATE }),
    };
  }
  return { ...route, responses };
}
