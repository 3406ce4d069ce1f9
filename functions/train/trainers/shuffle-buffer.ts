/**
 * @module train/trainers/shuffle-buffer
 * Approximate shuffling of a stream with bounded memory: rows wait in a fixed-size pool and
 * leave it at random as new ones come in. Mini-batch training needs mixed batches; a file
 * sorted by class (iris is) would otherwise feed the optimizer one class at a time.
 */
import type { Rng } from "./random.ts";

export type Emit = (x: Float64Array, offset: number, target: number) => void;

export class ShuffleBuffer {
  readonly #width: number;
  readonly #capacity: number;
  readonly #x: Float64Array;
  readonly #targets: Float64Array;
  #size = 0;

  constructor(capacity: number, width: number) {
    this.#width = width;
    this.#capacity = capacity;
    this.#x = new Float64Array(capacity * width);
    this.#targets = new Float64Array(capacity);
  }

  /** Takes in one row; once the pool is full, a random waiting row is emitted to make room. */
  offer(x: Float64Array, target: number, rng: Rng, emit: Emit): void {
    const width = this.#width;
    let slot = this.#size;
    if (this.#size < this.#capacity) this.#size++;
    else {
      slot = rng.int(this.#capacity);
      emit(this.#x, slot * width, this.#targets[slot] as number);
    }
    this.#x.set(x.subarray(0, width), slot * width);
    this.#targets[slot] = target;
  }

  /** Emits every waiting row in random order and empties the pool. */
  drain(rng: Rng, emit: Emit): void {
    const order = rng.shuffle(Array.from({ length: this.#size }, (_, i) => i));
    for (const slot of order) emit(this.#x, slot * this.#width, this.#targets[slot] as number);
    this.#size = 0;
  }
}
