/**
 * @module errors
 * Every failure a client can cause or see is one of these types. Domain code throws them;
 * the HTTP layer maps them to a status and the `{"error":{"code","message"}}` body in one place
 * (see http/error-handler.ts).
 */

export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "method_not_allowed"
  | "unsupported_media_type"
  | "not_implemented"
  | "not_ready"
  | "timeout"
  | "internal";

const statusOf: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  not_implemented: 501,
  not_ready: 503,
  timeout: 504,
  internal: 500,
};

/** Every code an error body can carry, for the OpenAPI documents' error schema. */
export const ERROR_CODES = Object.keys(statusOf) as ErrorCode[];

/** Base of every skiff error: a stable machine code and a message safe to show a client. */
export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SkiffError";
    this.code = code;
    this.status = statusOf[code];
  }
}

export class InvalidRequestError extends SkiffError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_request", message, options);
  }
}

export class UnauthorizedError extends SkiffError {
  constructor(message = "a valid bearer token is required") {
    super("unauthorized", message);
  }
}

export class NotFoundError extends SkiffError {
  constructor(message: string) {
    super("not_found", message);
  }
}

/**
 * How a model version was asked for: by number, by a number the registry deleted, or by a
 * `?version=` reference that may be a number or an alias.
 */
export type ModelVersionLookup = "version" | "deleted version" | "version or alias";

/** A model, or one version of it, that is not in the registry. */
export class ModelNotFoundError extends NotFoundError {
  readonly model: string;
  readonly version: string | undefined;

  constructor(name: string, version?: string, lookup: ModelVersionLookup = "version") {
    super(modelNotFoundMessage(name, version, lookup));
    this.model = name;
    this.version = version;
  }
}

function modelNotFoundMessage(
  name: string,
  version: string | undefined,
  lookup: ModelVersionLookup,
): string {
  if (version === undefined) return `model ${name} does not exist`;
  switch (lookup) {
    case "version":
      return `model ${name} has no version ${version}`;
    case "deleted version":
      return `model ${name} has no version ${version} (it was deleted)`;
    case "version or alias":
      return `model ${name} has no version or alias "${version}"`;
  }
}

/** An alias a model does not have. */
export class AliasNotFoundError extends NotFoundError {
  constructor(name: string, alias: string) {
    super(`model ${name} has no alias ${alias}`);
  }
}

export class MethodNotAllowedError extends SkiffError {
  /** The methods the path does answer, for the response's Allow header. */
  readonly allowed: readonly string[];

  constructor(method: string, path: string, allowed: readonly string[]) {
    super("method_not_allowed", `${method} is not allowed on ${path}; use ${allowed.join(", ")}`);
    this.allowed = allowed;
  }
}

export class ConflictError extends SkiffError {
  constructor(message: string) {
    super("conflict", message);
  }
}

export class PayloadTooLargeError extends SkiffError {
  /** `setting` names what raises the limit, so the client knows whom to ask. */
  constructor(limitBytes: number, setting: string) {
    super(
      "payload_too_large",
      `request body is larger than the limit of ${limitBytes} bytes (set by ${setting})`,
    );
  }
}

export class UnsupportedMediaTypeError extends SkiffError {
  constructor(expected: string, got: string | undefined) {
    super("unsupported_media_type", `expected content type ${expected}, got ${got ?? "none"}`);
  }
}

export class UnsupportedContentEncodingError extends SkiffError {
  constructor(got: string, supported: readonly string[]) {
    super(
      "unsupported_media_type",
      `content encoding ${got} is not supported; send the body as ${supported.join(", ")}`,
    );
  }
}

export class NotReadyError extends SkiffError {
  constructor(message: string) {
    super("not_ready", message);
  }
}

/** A dependency (S3, a model runtime) failed; the message is kept generic for the client. */
export class InternalError extends SkiffError {
  constructor(message = "internal error", options?: ErrorOptions) {
    super("internal", message, options);
  }
}
