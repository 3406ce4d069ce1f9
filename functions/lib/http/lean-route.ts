/**
 * @module http/lean-route
 * Mounts an OpenAPI route whose request is checked inside the handler, synchronously, against the
 * route's own zod schemas. The answers are those of a validated route (415 for a body declared
 * as something other than JSON, 400 naming the field) and the route is in the OpenAPI document
 * the same way, but a request passes one function instead of a chain of validator middlewares,
 * each with an asynchronous parse. Meant for the prediction routes, where that chain cost more
 * than running the model.
 */
import type { OpenAPIHono, RouteConfig, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { InvalidRequestError } from "../errors.ts";
import { describeIssues } from "./error-handler.ts";
import { readJson } from "./json-body.ts";
import { bodyLimitOf } from "./json-body-limit.ts";
import { checkJsonType } from "./require-json.ts";

type SchemaOf<T> = T extends z.ZodType ? z.output<T> : undefined;
type BodySchema<R extends RouteConfig> = R["request"] extends {
  body?: { content: { "application/json": { schema: infer S } } };
}
  ? S
  : undefined;

export interface LeanInput<R extends RouteConfig> {
  params: SchemaOf<NonNullable<R["request"]>["params"]>;
  query: SchemaOf<NonNullable<R["request"]>["query"]>;
  body: SchemaOf<BodySchema<R>>;
}

export interface LeanOptions {
  /**
   * Read a body sent without any Content-Type as JSON (stock Open Inference Protocol clients send
   * none); a body declared as another type is still refused.
   */
  untypedJson?: boolean;
  /**
   * Reads the body in place of `readJsonBody` (a route whose body is not always plain JSON);
   * what it answers is checked against the route's body schema all the same.
   */
  readBody?: (c: Context) => Promise<unknown>;
}

function check<T extends z.ZodType>(schema: T, value: unknown, target: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidRequestError(describeIssues(target, result.error));
  return result.data;
}

/** The body as JSON, refused with 415 unless declared as JSON (or, if allowed, undeclared). */
export async function readJsonBody(
  c: Context,
  options: { untypedJson?: boolean } = {},
): Promise<unknown> {
  const type = c.req.header("content-type");
  if (!(options.untypedJson && type === undefined)) checkJsonType(type);
  return readJson(c, bodyLimitOf(c));
}

export function mountLeanRoute<R extends RouteConfig>(
  routes: OpenAPIHono,
  route: R & { getRoutingPath(): string },
  handler: (c: Context, input: LeanInput<R>) => Promise<Response>,
  options: LeanOptions = {},
): void {
  const { params, query } = route.request ?? {};
  const bodySchema = (route.request?.body?.content as Record<string, { schema?: z.ZodType }>)?.[
    "application/json"
  ]?.schema;
  const readBody = options.readBody ?? ((c: Context) => readJsonBody(c, options));
  routes.openAPIRegistry.registerPath(route);
  routes.on(route.method.toUpperCase(), route.getRoutingPath(), async (c) => {
    let body: unknown;
    if (bodySchema !== undefined) body = check(bodySchema, await readBody(c), "json");
    return handler(c, {
      params: params ? check(params as z.ZodType, c.req.param(), "param") : undefined,
      query: query ? check(query as z.ZodType, c.req.query(), "query") : undefined,
      body,
    } as LeanInput<R>);
  });
}
