/**
 * @module serve/run-batcher
 * Dynamic batching. Runs of one model that arrive in the same turn of the event loop go to
 * onnxruntime as one run: their inputs are stacked along the first (batch) dimension and the
 * outputs are cut back apart by rows. A small tabular model costs about as much to run on one
 * row as on dozens, so under concurrent load this divides the model's cost by the number of
 * requests waiting. A lone request waits for the end of the loop's current turn, a few µs when
 * nothing else is queued.
 *
 * Only runs that agree on what they fetch and on every input's type and non-batch dimensions
 * share a batch. When a shared run fails, or its outputs are not row-aligned with its inputs,
 * each request runs again alone, so one request's bad input never becomes another's error.
 */
import { Tensor } from "onnxruntime-node";

export type Feeds = Record<string, Tensor>;
export type Outputs = Record<string, Tensor>;
/**
 * A run of the session: it returns the outputs or throws, or, when onnxruntime-node's binding
 * is unusable and sessions run through its public API, answers them as a promise.
 */
export type SessionRun = (
  feeds: Feeds,
  outputNames: readonly string[],
) => Outputs | Promise<Outputs>;

interface Pending {
  feeds: Feeds;
  outputNames: readonly string[];
  rows: number;
  resolve: (outputs: Outputs | Promise<Outputs>) => void;
  reject: (error: unknown) => void;
}

type Data = Tensor["data"];

function rowsOf(feeds: Feeds): number | undefined {
  let rows: number | undefined;
  for (const tensor of Object.values(feeds)) {
    const first = tensor.dims[0];
    if (first === undefined || (rows !== undefined && first !== rows)) return undefined;
    rows = first;
  }
  return rows;
}

/** Runs that may share a batch have the same key. */
function keyOf(feeds: Feeds, outputNames: readonly string[]): string {
  let key = outputNames.join("\u0000");
  for (const name of Object.keys(feeds).sort()) {
    const tensor = feeds[name] as Tensor;
    key += `\u0001${name}:${tensor.type}:${tensor.dims.slice(1).join("x")}`;
  }
  return key;
}

function concat(parts: Data[]): Data {
  const [first] = parts;
  if (Array.isArray(first)) return (parts as string[][]).flat();
  const Kind = (first as ArrayLike<number>).constructor as new (
    n: number,
  ) => Data & {
    set(source: ArrayLike<number | bigint>, offset: number): void;
  };
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Kind(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p as ArrayLike<number | bigint>, offset);
    offset += p.length;
  }
  return out;
}

function sliceRows(tensor: Tensor, from: number, rows: number): Tensor {
  const rowSize = tensor.dims.slice(1).reduce((n, d) => n * d, 1);
  const start = from * rowSize;
  const end = start + rows * rowSize;
  const data = tensor.data;
  const part = Array.isArray(data)
    ? data.slice(start, end)
    : (data as Uint8Array).subarray(start, end);
  return new Tensor(tensor.type, part as Uint8Array, [rows, ...tensor.dims.slice(1)]);
}

export class RunBatcher {
  readonly #run: SessionRun;
  readonly #maxRows: number;
  #queue: Pending[] = [];
  #scheduled = false;

  /** `maxRows` bounds the rows of one shared run; 0 turns batching off. */
  constructor(run: SessionRun, maxRows: number) {
    this.#run = run;
    this.#maxRows = maxRows;
  }

  run(feeds: Feeds, outputNames: readonly string[]): Promise<Outputs> {
    const rows = rowsOf(feeds);
    if (this.#maxRows === 0 || rows === undefined || rows >= this.#maxRows) {
      try {
        return Promise.resolve(this.#run(feeds, outputNames));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ feeds, outputNames, rows, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Every request whose body was read in this turn of the loop is queued by then.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    // The open chunk of each key; a chunk that would pass maxRows is sent and a new one opened.
    const open = new Map<string, { items: Pending[]; rows: number }>();
    for (const pending of queue) {
      const key = keyOf(pending.feeds, pending.outputNames);
      let chunk = open.get(key);
      if (chunk && chunk.rows + pending.rows > this.#maxRows) {
        this.#runShared(chunk.items, chunk.rows);
        chunk = undefined;
      }
      if (!chunk) {
        chunk = { items: [], rows: 0 };
        open.set(key, chunk);
      }
      chunk.items.push(pending);
      chunk.rows += pending.rows;
    }
    for (const chunk of open.values()) this.#runShared(chunk.items, chunk.rows);
  }

  #runShared(chunk: Pending[], total: number): void {
    if (chunk.length === 1) {
      this.#runAlone(chunk[0] as Pending);
      return;
    }
    const [{ feeds, outputNames }] = chunk as [Pending];
    const stacked: Feeds = {};
    for (const [name, tensor] of Object.entries(feeds)) {
      const data = concat(chunk.map((p) => (p.feeds[name] as Tensor).data));
      stacked[name] = new Tensor(tensor.type, data as Uint8Array, [total, ...tensor.dims.slice(1)]);
    }
    let outputs: Outputs | Promise<Outputs>;
    try {
      outputs = this.#run(stacked, outputNames);
    } catch {
      for (const pending of chunk) this.#runAlone(pending);
      return;
    }
    if (outputs instanceof Promise) {
      outputs.then(
        (answered) => this.#split(chunk, total, answered),
        () => {
          for (const pending of chunk) this.#runAlone(pending);
        },
      );
    } else this.#split(chunk, total, outputs);
  }

  /** Gives each request of a shared run its own rows of the outputs. */
  #split(chunk: Pending[], total: number, outputs: Outputs): void {
    if (!Object.values(outputs).every((t) => t.dims[0] === total)) {
      for (const pending of chunk) this.#runAlone(pending);
      return;
    }
    let from = 0;
    for (const pending of chunk) {
      const own: Outputs = {};
      for (const [name, tensor] of Object.entries(outputs)) {
        own[name] = sliceRows(tensor, from, pending.rows);
      }
      from += pending.rows;
      pending.resolve(own);
    }
  }

  #runAlone(pending: Pending): void {
    try {
      pending.resolve(this.#run(pending.feeds, pending.outputNames));
    } catch (error) {
      pending.reject(error);
    }
  }
}
