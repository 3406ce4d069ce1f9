/**
 * @module train/datasets/value-set
 * A set of distinct cell values that can be asked about a range of bytes without cutting it
 * out: the schema scan asks "seen this cell before?" for every cell of every column with few
 * values, and making a string for each ask would be most of the scan's cost. Open addressing
 * with a fixed capacity, since a column stops collecting at its bound anyway.
 */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

export class ValueSet {
  readonly #keys: Array<Uint8Array | undefined>;
  readonly #hashes: Int32Array;
  readonly #values: string[] = [];
  readonly #mask: number;
  readonly #capacity: number;

  /** Holds up to `capacity` values; the table stays at most half full so probes stay short. */
  constructor(capacity: number) {
    let slots = 8;
    while (slots < capacity * 2) slots *= 2;
    this.#keys = new Array<Uint8Array | undefined>(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#mask = slots - 1;
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#values.length;
  }

  get full(): boolean {
    return this.#values.length >= this.#capacity;
  }

  /** Whether the value `bytes[start, end)` is in the set. */
  has(bytes: Uint8Array, start: number, end: number): boolean {
    const hash = hashRange(bytes, start, end);
    const keys = this.#keys;
    for (let i = hash & this.#mask; ; i = (i + 1) & this.#mask) {
      const key = keys[i];
      if (key === undefined) return false;
      if (this.#hashes[i] === hash && equalsRange(key, bytes, start, end)) return true;
    }
  }

  /** Adds the value `bytes[start, end)`, not in the set yet; the caller checks `full` first. */
  add(bytes: Uint8Array, start: number, end: number): void {
    if (this.full) throw new RangeError("the value set is full");
    const hash = hashRange(bytes, start, end);
    let i = hash & this.#mask;
    while (this.#keys[i] !== undefined) i = (i + 1) & this.#mask;
    const key = bytes.slice(start, end); // a copy: the input's buffers are not ours to keep
    this.#keys[i] = key;
    this.#hashes[i] = hash;
    this.#values.push(decoder.decode(key));
  }

  /** The values as strings, in the order they were added. */
  values(): string[] {
    return [...this.#values];
  }
}

/** FNV-1a over the bytes. */
function hashRange(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash;
}

function equalsRange(key: Uint8Array, bytes: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== bytes[start + i]) return false;
  }
  return true;
}
