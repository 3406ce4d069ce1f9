/**
 * @module train/datasets/schemas
 * Request and response shapes of the dataset routes; the OpenAPI document comes from them.
 */
import { z } from "@hono/zod-openapi";
import { NAME_PATTERN, UPLOAD_ID_PATTERN, VERSION_PATTERN } from "../../lib/storage/layout.ts";
import { MULTIPART } from "../../lib/storage/multipart-limits.ts";
import { DELIMITER_VALUES } from "./dialect.ts";
import { datasetRecordSchema } from "./schema.ts";

const name = z
  .string()
  .regex(NAME_PATTERN, "must be a dataset name: lower-case letters, digits and dashes")
  .openapi({ param: { name: "name", in: "path" }, example: "iris" });

const uploadId = z
  .string()
  .regex(UPLOAD_ID_PATTERN, "must be an upload id as POST .../uploads answered it")
  .openapi({ param: { name: "id", in: "path" }, example: "9f86d081884c7d659a2feaa0c55ad015" });

export const NameParams = z.object({ name });

export const VersionParams = z.object({
  name,
  version: z
    .string()
    .regex(VERSION_PATTERN, "must be a version: a positive integer")
    .openapi({ param: { name: "version", in: "path" }, example: "1" }),
});

export const UploadParams = z.object({ name, id: uploadId });

export const PartParams = z.object({
  name,
  id: uploadId,
  part: z.coerce
    .number()
    .int()
    .min(1)
    .max(MULTIPART.maxParts)
    .openapi({ param: { name: "part", in: "path" }, example: 1 }),
});

export const PartsQuery = z.object({
  parts: z
    .string()
    .regex(/^[1-9][0-9]{0,4}(-[1-9][0-9]{0,4})?$/, "must be a part number or a range like 1-5")
    .openapi({
      param: { name: "parts", in: "query" },
      example: "1-5",
      description: "A part number or a range of at most 100, e.g. 1-5",
    }),
});

/** `?delimiter=` of an upload: the delimiter itself, or its name (dialect.ts reads both). */
export const CsvQuery = z.object({
  delimiter: z
    .enum(DELIMITER_VALUES as [string, ...string[]], {
      error: "must be one of , ; | or a tab (%09), or its name: comma, semicolon, tab, pipe",
    })
    .optional()
    .openapi({
      param: { name: "delimiter", in: "query" },
      example: ";",
      description:
        "What separates the fields. Without it, the one of , ; tab | that the header line has outside quotes (a comma when none); a header with two of them is refused",
    }),
});

export const CsvBody = z.string().openapi({
  description: "The CSV, UTF-8, first line naming the columns; gzip it with Content-Encoding",
  example: "sepal_length,species\n5.1,setosa\n",
});

export const CompleteBody = z
  .object({
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits")
      .optional()
      .openapi({ description: "Refuse the upload unless its bytes hash to this" }),
  })
  .openapi("CompleteUpload");

// Rebuilt with the OpenAPI-aware zod: a schema made before that import lacks .openapi().
export const DatasetRecord = z.object(datasetRecordSchema.shape).openapi("DatasetRecord");

export const DatasetList = z
  .object({
    datasets: z.array(
      z.object({
        name: z.string(),
        latest: z.string().openapi({ example: "3" }),
        versions: z.number().int().openapi({ description: "How many versions exist" }),
      }),
    ),
  })
  .openapi("DatasetList");

export const DatasetVersions = z
  .object({
    name: z.string(),
    latest: z.string(),
    versions: z.array(z.string()).openapi({ example: ["1", "2", "3"] }),
  })
  .openapi("DatasetVersions");

export const UploadStarted = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().openapi({ description: "An upload not completed by then is aborted" }),
    minPartBytes: z.number().int().openapi({ description: "Every part but the last" }),
    maxPartBytes: z.number().int(),
    maxParts: z.number().int(),
    maxBytes: z.number().int().openapi({ description: "Largest dataset accepted" }),
  })
  .openapi("UploadStarted");

export const UploadStatus = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string().optional(),
    expiresAt: z.string().optional(),
    parts: z.array(z.object({ part: z.number().int(), size: z.number().int(), etag: z.string() })),
    receivedBytes: z.number().int(),
  })
  .openapi("UploadStatus");

const partUrl = z.object({
  part: z.number().int(),
  url: z.string().openapi({ description: "PUT the part's bytes here" }),
  expiresAt: z.string(),
});

export const PartUrl = partUrl.openapi("PartUrl");
export const PartUrls = z.object({ urls: z.array(partUrl) }).openapi("PartUrls");
