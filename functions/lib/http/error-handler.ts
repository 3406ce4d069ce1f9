/**
 * @module http/error-handler
 * The one place where errors become HTTP answers: `{"error":{"code","message"}}` with the
 * status of the error's type, or `{"error": "<message>"}` under the Open Inference Protocol's
 * paths. Unknown errors become a generic 500; their details only reach the log.
 */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import {
  type ErrorCode,
  InternalError,
  InvalidRequestError,
  MethodNotAllowedError,
  NotFoundError,
  SkiffError,
} from "../errors.ts";

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

const codeOfStatus: Record<number, ErrorCode> = {
  400: "invalid_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  501: "not_implemented",
  503: "not_ready",
  504: "timeout",
};

/** Turns anything thrown into a SkiffError; only SkiffErrors carry a client-facing message. */
export function toSkiffError(error: unknown): SkiffError {
  if (error instanceof SkiffError) return error;
  if (error instanceof HTTPException) {
    const code = codeOfStatus[error.status];
    if (code !== undefined)
      return new SkiffError(code, error.message || defaultMessage(code), { cause: error });
  }
  return new InternalError("internal error", { cause: error });
}

function defaultMessage(code: ErrorCode): string {
  return code.replaceAll("_", " ");
}

/**
 * Whether `path` is under one of `roots` (e.g. `/v2`): the Open Inference Protocol's paths, whose
 * clients read an error body as `{"error": "<message>"}` and fail on any other shape.
 */
export function isUnderRoots(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path === root || path.startsWith(`${root}/`));
}

function errorResponse(
  c: Context,
  error: SkiffError,
  protocolRoots: readonly string[] = [],
): Response {
  const status = error.status as ContentfulStatusCode;
  if (error instanceof MethodNotAllowedError) c.header("Allow", error.allowed.join(", "));
  if (isUnderRoots(c.req.path, protocolRoots)) return c.json({ error: error.message }, status);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  return c.json(body, status);
}

/**
 * The error and not-found handlers of one function. Paths under `protocolRoots` answer errors
 * in the Open Inference Protocol's shape, every other path in skiff's. A path that exists for
 * other methods (`allowedMethods`) answers 405 with those methods in `Allow`.
 */
export function errorHandlers(
  protocolRoots: readonly string[] = [],
  allowedMethods: (path: string) => string[] = () => [],
): {
  onError: ErrorHandler;
  notFound: NotFoundHandler;
} {
  return {
    onError: (thrown, c) => {
      const error = toSkiffError(thrown);
      // Internal errors are logged with the original cause, which the client never sees.
      c.set("failure", error.code === "internal" && thrown instanceof Error ? thrown : error);
      return errorResponse(c, error, protocolRoots);
    },
    notFound: (c) => {
      const allowed = allowedMethods(c.req.path);
      const error =
        allowed.length > 0
          ? new MethodNotAllowedError(c.req.method, c.req.path, allowed)
          : new NotFoundError(`no route for ${c.req.method} ${c.req.path}`);
      c.set("failure", error);
      return errorResponse(c, error, protocolRoots);
    },
  };
}

/** Names each offending field, e.g. `body.instances[0].age: expected number`. */
export function describeIssues(
  target: string,
  error: { issues: readonly z.core.$ZodIssue[] },
): string {
  return error.issues
    .map((issue) => {
      const where = [target, ...issue.path.map(String)].join(".");
      // A union says only "Invalid input"; its first branch's issues say which field is wrong.
      const [branch] = issue.code === "invalid_union" ? issue.errors : [];
      if (branch && branch.length > 0) return describeIssues(where, { issues: branch });
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

/** The validation hook every route uses: invalid input is a 400 naming the field. */
export function rejectInvalid(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
): void {
  if (!result.success) throw new InvalidRequestError(describeIssues(result.target, result.error));
}
