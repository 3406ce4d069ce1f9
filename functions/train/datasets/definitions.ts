/**
 * @module train/datasets/definitions
 * The dataset routes as OpenAPI definitions: they validate paths and queries and document the
 * API. The CSV body is read by the handler as a stream, never by a validator.
 */
import { createRoute } from "@hono/zod-openapi";
import {
  CompleteBody,
  CsvBody,
  CsvQuery,
  DatasetList,
  DatasetRecord,
  DatasetVersions,
  NameParams,
  PartParams,
  PartsQuery,
  PartUrl,
  PartUrls,
  UploadParams,
  UploadStarted,
  UploadStatus,
  VersionParams,
} from "./schemas.ts";

const tags = ["datasets"];
const json = <T>(schema: T) => ({ "application/json": { schema } });
const notFound = { 404: { description: "No such dataset, version or upload" } };

export const uploadDatasetRoute = createRoute({
  method: "put",
  path: "/datasets/{name}",
  summary: "Upload a CSV as the dataset's next version",
  description:
    "Streams the body into storage while checking it and inferring its schema. Answers the new version's dataset.json.",
  tags,
  request: {
    params: NameParams,
    query: CsvQuery,
    body: { content: { "text/csv": { schema: CsvBody } }, required: true },
  },
  responses: {
    201: { description: "The new version", content: json(DatasetRecord) },
    400: {
      description:
        "Not a valid CSV (the message says what and on which line), or a header line whose delimiter is ambiguous",
    },
    413: {
      description:
        "Larger than SKIFF_DATASET_MAX_BYTES, or a gzip body inflating further than SKIFF_DATASET_MAX_INFLATE_RATIO",
    },
    415: { description: "Not text/csv, not UTF-8, or an unsupported content encoding" },
  },
});

export const listDatasetsRoute = createRoute({
  method: "get",
  path: "/datasets",
  summary: "Datasets with their latest version",
  tags,
  responses: { 200: { description: "Every dataset with a version", content: json(DatasetList) } },
});

export const describeDatasetRoute = createRoute({
  method: "get",
  path: "/datasets/{name}",
  summary: "A dataset's versions",
  tags,
  request: { params: NameParams },
  responses: { 200: { description: "Its versions", content: json(DatasetVersions) }, ...notFound },
});

export const readVersionRoute = createRoute({
  method: "get",
  path: "/datasets/{name}/versions/{version}",
  summary: "A version's dataset.json: rows, bytes, sha256 and the columns' schema",
  tags,
  request: { params: VersionParams },
  responses: { 200: { description: "dataset.json", content: json(DatasetRecord) }, ...notFound },
});

export const startUploadRoute = createRoute({
  method: "post",
  path: "/datasets/{name}/uploads",
  summary: "Start a presigned multipart upload, for files too big to send through train",
  tags,
  request: { params: NameParams },
  responses: { 201: { description: "The upload", content: json(UploadStarted) } },
});

export const describeUploadRoute = createRoute({
  method: "get",
  path: "/datasets/{name}/uploads/{id}",
  summary: "The parts an upload has received, to resume without sending them again",
  tags,
  request: { params: UploadParams },
  responses: { 200: { description: "Its parts", content: json(UploadStatus) }, ...notFound },
});

export const partUrlRoute = createRoute({
  method: "get",
  path: "/datasets/{name}/uploads/{id}/parts/{part}",
  summary: "A presigned URL to PUT one part to",
  tags,
  request: { params: PartParams },
  responses: { 200: { description: "The URL", content: json(PartUrl) }, ...notFound },
});

export const partUrlsRoute = createRoute({
  method: "get",
  path: "/datasets/{name}/uploads/{id}/parts",
  summary: "Presigned URLs for a few parts at once (?parts=1-5)",
  tags,
  request: { params: UploadParams, query: PartsQuery },
  responses: { 200: { description: "The URLs", content: json(PartUrls) }, ...notFound },
});

export const completeUploadRoute = createRoute({
  method: "post",
  path: "/datasets/{name}/uploads/{id}/complete",
  summary: "Join the parts, check the CSV and make it the dataset's next version",
  tags,
  request: {
    params: UploadParams,
    query: CsvQuery,
    body: { content: json(CompleteBody), required: false },
  },
  responses: {
    201: { description: "The new version", content: json(DatasetRecord) },
    400: { description: "Parts missing or too small (the upload stays open), or not a valid CSV" },
    409: { description: "Another request is completing this upload" },
    413: { description: "Larger than SKIFF_DATASET_MAX_BYTES (the upload is aborted)" },
    ...notFound,
  },
});

export const abortUploadRoute = createRoute({
  method: "delete",
  path: "/datasets/{name}/uploads/{id}",
  summary: "Abort an upload and free its parts",
  tags,
  request: { params: UploadParams },
  responses: { 204: { description: "Aborted" }, ...notFound },
});

/** Every dataset route, for the OpenAPI document. */
export const datasetRouteDefinitions = [
  uploadDatasetRoute,
  listDatasetsRoute,
  describeDatasetRoute,
  readVersionRoute,
  startUploadRoute,
  describeUploadRoute,
  partUrlRoute,
  partUrlsRoute,
  completeUploadRoute,
  abortUploadRoute,
];
