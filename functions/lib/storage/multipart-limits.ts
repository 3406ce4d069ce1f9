/**
 * @module storage/multipart-limits
 * S3's limits on multipart uploads, apart from the uploads themselves: the API's schemas state
 * them, and the info function, which serves those schemas, then loads no upload code.
 */

/** S3's limits on multipart uploads (MinIO keeps the same ones). */
export const MULTIPART = {
  minPartBytes: 5 * 1024 * 1024,
  maxPartBytes: 5 * 1024 * 1024 * 1024,
  maxParts: 10_000,
} as const;
