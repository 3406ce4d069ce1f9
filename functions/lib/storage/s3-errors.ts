/**
 * @module storage/s3-errors
 * How S3's failures read: a missing key, bucket or upload; a failed write condition; and the
 * InternalError any other failure becomes, its cause kept.
 */
import { S3ServiceException } from "@aws-sdk/client-s3";
import { InternalError } from "../errors.ts";

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined;
}

export function isMissing(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === "NoSuchKey" ||
    error.name === "NotFound" ||
    error.name === "NoSuchBucket" ||
    statusOf(error) === 404
  );
}

export function isPreconditionFailed(error: unknown): boolean {
  return (
    statusOf(error) === 412 ||
    (error instanceof S3ServiceException && error.name === "PreconditionFailed")
  );
}

export function storageFailure(what: string, error: unknown): InternalError {
  return new InternalError(`storage failed to ${what}`, { cause: error });
}
