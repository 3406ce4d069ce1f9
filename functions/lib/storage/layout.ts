/**
 * @module storage/layout
 * The only place that knows where things live in the bucket. Everything else asks for a key
 * by what it wants (a model's metadata, a dataset's bytes), never by building a string.
 *
 * ```
 * datasets/<name>/<version>/data.csv | dataset.json
 * models/<name>/<version>/model.onnx | model.json
 * models/<name>/aliases.json
 * runs/<id>/run.json
 * predictions/<model>/<yyyy>/<mm>/<dd>/<file>.ndjson
 * ```
 */
import { InvalidRequestError } from "../errors.ts";

/** Names are DNS labels: safe as S3 key parts, host names and Kubernetes names alike. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Versions are positive integers without leading zeros, so they sort and compare as numbers. */
export const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;
const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

function checked(kind: string, value: string, pattern: RegExp): string {
  if (!pattern.test(value)) throw new InvalidRequestError(`invalid ${kind} "${value}"`);
  return value;
}

const name = (value: string) => checked("name", value, NAME_PATTERN);
const version = (value: string) => checked("version", value, VERSION_PATTERN);

export const layout = {
  datasetsRoot: "datasets/",
  datasetRoot: (dataset: string) => `datasets/${name(dataset)}/`,
  datasetData: (dataset: string, v: string) => `datasets/${name(dataset)}/${version(v)}/data.csv`,
  datasetMeta: (dataset: string, v: string) =>
    `datasets/${name(dataset)}/${version(v)}/dataset.json`,

  modelsRoot: "models/",
  modelRoot: (model: string) => `models/${name(model)}/`,
  modelOnnx: (model: string, v: string) => `models/${name(model)}/${version(v)}/model.onnx`,
  modelMeta: (model: string, v: string) => `models/${name(model)}/${version(v)}/model.json`,
  modelAliases: (model: string) => `models/${name(model)}/aliases.json`,

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

/** Sorts version strings numerically, newest last. */
export function byVersion(a: string, b: string): number {
  return Number(a) - Number(b);
}
