/**
 * @module train/datasets/catalogue
 * Read side of datasets: which exist, their versions, a version's dataset.json, and its rows
 * for training. A version exists once its dataset.json does (it is written last), so versions
 * are found by that exact key and never by what else sits in the folder.
 */
import { NotFoundError } from "../../lib/errors.ts";
import { layout, NAME_PATTERN } from "../../lib/storage/layout.ts";
import type { ObjectStore } from "../../lib/storage/object-store.ts";
import { listPublishedVersions } from "../../lib/storage/version-claims.ts";
import { type Field, parseCsv } from "./csv.ts";
import { type DatasetRecord, datasetRecordSchema } from "./schema.ts";

export interface DatasetSummary {
  name: string;
  latest: string;
  versions: number;
}

/** Published versions of a dataset, oldest first; empty when it has none. */
export function listDatasetVersions(store: ObjectStore, name: string): Promise<string[]> {
  return listPublishedVersions(store, layout.datasetRoot(name), "dataset.json");
}

export async function latestDatasetVersion(
  store: ObjectStore,
  name: string,
): Promise<string | undefined> {
  return (await listDatasetVersions(store, name)).at(-1);
}

/** Every dataset with at least one version, by name. */
export async function listDatasets(store: ObjectStore): Promise<DatasetSummary[]> {
  const names = (await store.listChildren(layout.datasetsRoot))
    .filter((n) => NAME_PATTERN.test(n))
    .sort();
  const summaries = await Promise.all(
    names.map(async (name) => ({ name, versions: await listDatasetVersions(store, name) })),
  );
  return summaries.flatMap(({ name, versions }) => {
    const latest = versions.at(-1);
    return latest === undefined ? [] : [{ name, latest, versions: versions.length }];
  });
}

/** The versions of a dataset that exists; a NotFoundError when it has none. */
export async function describeDataset(
  store: ObjectStore,
  name: string,
): Promise<{ name: string; latest: string; versions: string[] }> {
  const versions = await listDatasetVersions(store, name);
  const latest = versions.at(-1);
  if (latest === undefined) throw new NotFoundError(`dataset ${name} does not exist`);
  return { name, latest, versions };
}

/** A version's dataset.json; a NotFoundError naming what is missing. */
export async function readDatasetRecord(
  store: ObjectStore,
  name: string,
  version: string,
): Promise<DatasetRecord> {
  const record = await store.getJson(layout.datasetMeta(name, version), datasetRecordSchema);
  if (record !== undefined) return record;
  const versions = await listDatasetVersions(store, name);
  if (versions.length === 0) throw new NotFoundError(`dataset ${name} does not exist`);
  throw new NotFoundError(
    `dataset ${name} has no version ${version} (versions: ${versions.join(", ")})`,
  );
}

/**
 * A fresh pass over a version's data rows (header excluded), as text; given `numbers`, those
 * columns' plain decimal numbers come as numbers (see CsvOptions.numbers).
 */
export interface DatasetRows {
  (): AsyncIterable<string[]>;
  (numbers: readonly number[]): AsyncIterable<Field[]>;
}

/**
 * The data rows of a version (header excluded), parsed with the parser upload validated them
 * with, in the dialect its dataset.json records. Each call of the answer is a fresh pass over
 * data.csv, streamed from storage, so a trainer can read the data as many times as it needs
 * without holding it in memory.
 */
export function readDatasetRows(
  store: ObjectStore,
  dataset: Pick<DatasetRecord, "name" | "version" | "dialect">,
): DatasetRows {
  const { name, version, dialect } = dataset;
  const key = layout.datasetData(name, version);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const stream = await store.getStream(key);
    if (stream === undefined) {
      throw new NotFoundError(`dataset ${name} version ${version} has no data`);
    }
    yield* stream;
  }
  function rows(): AsyncIterable<string[]>;
  function rows(numbers: readonly number[]): AsyncIterable<Field[]>;
  function rows(numbers?: readonly number[]): AsyncIterable<Field[]> {
    return withoutFirst(parseCsv(bytes(), { numbers, dialect }));
  }
  return rows;
}

/** `records` minus the first, handing each later one straight through (no extra await). */
function withoutFirst<T>(records: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const inner = records[Symbol.asyncIterator]();
      let skipped = false;
      return {
        next() {
          if (skipped) return inner.next();
          skipped = true;
          return inner.next().then((first) => (first.done ? first : inner.next()));
        },
        async return() {
          await inner.return?.();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
