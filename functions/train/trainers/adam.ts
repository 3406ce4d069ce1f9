/**
 * @module train/trainers/adam
 * The Adam update (Kingma & Ba, 2015) with the usual constants, for the streaming trainer's
 * mini-batch steps.
 */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

export class Adam {
  readonly #m: Float64Array;
  readonly #v: Float64Array;
  #steps = 0;

  constructor(size: number) {
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
  }

  /** Moves `theta` one step against `gradient`. */
  step(theta: Float64Array, gradient: Float64Array, learningRate: number): void {
    this.#steps++;
    const correction1 = 1 - BETA1 ** this.#steps;
    const correction2 = 1 - BETA2 ** this.#steps;
    for (let i = 0; i < theta.length; i++) {
      const g = gradient[i] as number;
      const m = BETA1 * (this.#m[i] as number) + (1 - BETA1) * g;
      const v = BETA2 * (this.#v[i] as number) + (1 - BETA2) * g * g;
      this.#m[i] = m;
      this.#v[i] = v;
      theta[i] =
        (theta[i] as number) -
        (learningRate * (m / correction1)) / (Math.sqrt(v / correction2) + EPSILON);
    }
  }
}
