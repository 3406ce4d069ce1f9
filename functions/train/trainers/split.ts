/**
 * @module train/trainers/split
 * The train/test split, decided row by row in one pass without storing any index, so the
 * streaming trainer puts every row on the same side on every pass.
 *
 * Rows are grouped by stratum (the class for classification; one stratum for regression). Each
 * stratum's rows, in the order they arrive, are cut into blocks of BLOCK rows, and a seeded
 * shuffle of each block picks which of its positions are test rows. The count per block follows
 * the fraction with the rounding error carried to the next block, so every stratum gets its
 * share of test rows to within one, wherever it sits in the file.
 */
import { hashInts, hashString, Rng } from "./random.ts";

const BLOCK = 10;

interface Stratum {
  /** Rows of this stratum seen so far. */
  seen: number;
  /** Which positions of the current block are test rows. */
  block: Uint8Array;
  key: number;
  /** Seeded offset of the rounding, so small strata do not all round the same way. */
  phase: number;
}

export class Splitter {
  readonly #seed: number;
  readonly #fraction: number;
  readonly #strata = new Map<string, Stratum>();

  constructor(seed: number, testFraction: number) {
    this.#seed = seed >>> 0;
    this.#fraction = testFraction;
  }

  /** Whether the next row of `stratum` is a test row. Call once per row, in row order. */
  isTest(stratum: string): boolean {
    if (this.#fraction <= 0) return false;
    let s = this.#strata.get(stratum);
    if (s === undefined) {
      const key = hashString(stratum, this.#seed);
      s = { seen: 0, block: new Uint8Array(BLOCK), key, phase: new Rng(hashInts(key, 1)).next() };
      this.#strata.set(stratum, s);
    }
    const position = s.seen % BLOCK;
    if (position === 0) this.#nextBlock(s, s.seen / BLOCK);
    s.seen++;
    return s.block[position] === 1;
  }

  #nextBlock(s: Stratum, index: number): void {
    const per = BLOCK * this.#fraction;
    const tests = Math.floor((index + 1) * per + s.phase) - Math.floor(index * per + s.phase);
    const order = new Rng(hashInts(s.key, index, 2)).shuffle(
      Array.from({ length: BLOCK }, (_, i) => i),
    );
    s.block.fill(0);
    for (let i = 0; i < tests; i++) s.block[order[i] as number] = 1;
  }
}
