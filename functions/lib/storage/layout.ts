/**
 * @module storage/layout
 * The only place that knows where things live in the bucket. Everything else asks for a key
 * by what it wants (a model's metadata, a dataset's bytes), never by building a string.
 *
 * ```
 * datasets/<name>/<version>/data.csv | dataset.json | claim.json
 * uploads/datasets/<name>/<upload id>/data.csv   (presigned uploads, until committed)
 * models/<name>/<version>/model.onnx | model.json
 * models/<name>/aliases.json
 * runs/<id>/run.json
 * predictions/<model>/<yyyy>/<mm>/<dd>/<file>.ndjson
 * ```
 */
import { InvalidRequestError } from "../errors.ts";

/** Names are DNS labels: safe as S3 key parts, host names and Kubernetes names alike. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * A new alias is a name that is not a number: wherever a version can be named, a number is read
 * as a version, so an alias such as `2` could never be reached.
 */
export const ALIAS_PATTERN = /^(?![0-9]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Versions are positive integers without leading zeros, so they sort and compare as numbers. */
export const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;
export const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Upload ids are random, so nobody can guess another client's upload. */
export const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;

function checked(kind: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new InvalidRequestError(`invalid ${kind} "${value}"`);
  return value;
}

const name = (value: string) => checked("name", value, NAME_PATTERN);
const version = (value: string) => checked("version", value, VERSION_PATTERN);
const uploadId = (value: string) => checked("upload id", value, UPLOAD_ID_PATTERN);

export const layout = {
  datasetsRoot: "datasets/",
  datasetRoot: (dataset: string) => `datasets/${name(dataset)}/`,
  datasetData: (dataset: string, v: string) => `datasets/${name(dataset)}/${version(v)}/data.csv`,
  datasetMeta: (dataset: string, v: string) =>
    `datasets/${name(dataset)}/${version(v)}/dataset.json`,
  /**
   * Created (only if absent) before a version's data is written: whoever creates it owns the
   * number, so two uploads never write the same data.csv. Kept once the version exists.
   */
  datasetClaim: (dataset: string, v: string) =>
    `datasets/${name(dataset)}/${version(v)}/claim.json`,
  /** Presigned uploads land outside datasets/, so no reader mistakes one for a version. */
  datasetUploadsRoot: "uploads/datasets/",
  datasetUpload: (dataset: string, id: string) =>
    `uploads/datasets/${name(dataset)}/${uploadId(id)}/data.csv`,

  modelsRoot: "models/",
  modelRoot: (model: string) => `models/${name(model)}/`,
  modelOnnx: (model: string, v: string) => `models/${name(model)}/${version(v)}/model.onnx`,
  modelMeta: (model: string, v: string) => `models/${name(model)}/${version(v)}/model.json`,
  modelAliases: (model: string) => `models/${name(model)}/aliases.json`,
  /**
   * Created (only if absent) before anything else of a version is written: whoever creates it
   * owns the version, so two writers never write the same version's files.
   */
  modelClaim: (model: string, v: string) => `models/${name(model)}/${version(v)}/claim.json`,

  runsRoot: "runs/",
  runMeta: (id: string) => `runs/${checked("run id", id, RUN_ID_PATTERN)}/run.json`,

  /** One file per flush; the date folders let lifecycle rules and readers work by day. */
  predictionLog: (model: string, at: Date, file: string) => {
    const yyyy = String(at.getUTCFullYear());
    const mm = String(at.getUTCMonth() + 1).padStart(2, "0");
    const dd = String(at.getUTCDate()).padStart(2, "0");
    return `predictions/${name(model)}/${yyyy}/${mm}/${dd}/${file}.ndjson`;
  },
} as const;

/** The version folder a metadata key belongs to, if `key` is exactly `<root><version>/<file>`. */
export function versionOfKey(root: string, file: string, key: string): string | undefined {
  if (!key.startsWith(root)) return undefined;
  const rest = key.slice(root.length).split("/");
  if (rest.length !== 2 || rest[1] !== file) return undefined;
  const [v] = rest;
  return v !== undefined && VERSION_PATTERN.test(v) ? v : undefined;
}

/** The dataset and upload a key belongs to, if `key` is exactly a presigned upload's key. */
export function datasetUploadOfKey(key: string): { dataset: string; id: string } | undefined {
  const parts = key.split("/");
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}/` !== layout.datasetUploadsRoot) {
    return undefined;
  }
  const [, , dataset, id, file] = parts;
  if (dataset === undefined || id === undefined || !NAME_PATTERN.test(dataset)) return undefined;
  if (!UPLOAD_ID_PATTERN.test(id) || file !== "data.csv") return undefined;
  return { dataset, id };
}

/** The dataset, version and file name of a key, if `key` is exactly a dataset version's file. */
export function datasetFileOfKey(
  key: string,
): { dataset: string; version: string; file: string } | undefined {
  const parts = key.split("/");
  if (parts.length !== 4 || `${parts[0]}/` !== layout.datasetsRoot) return undefined;
  const [, dataset, v, file] = parts;
  if (dataset === undefined || v === undefined || file === undefined || file === "") {
    return undefined;
  }
  if (!NAME_PATTERN.test(dataset) || !VERSION_PATTERN.test(v)) return undefined;
  return { dataset, version: v, file };
}

/** Sorts version strings numerically, newest last. */
export function byVersion(a: string, b: string): number {
  return Number(a) - Number(b);
}
