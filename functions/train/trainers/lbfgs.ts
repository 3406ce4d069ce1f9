/**
 * @module train/trainers/lbfgs
 * Limited-memory BFGS for smooth unconstrained minimization, with a strong-Wolfe line search
 * (Nocedal & Wright, Numerical Optimization, algorithms 7.4, 3.5 and 3.6).
 *
 * Stopping follows scikit-learn's use of scipy's L-BFGS-B: the largest gradient component at
 * most `gradientTolerance` (sklearn's tol), or a relative decrease of the objective of at most
 * `functionTolerance` (64 machine epsilons), or `maxIterations` (sklearn's max_iter).
 */

/** Returns f(x) and writes ∇f(x) into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  gradientTolerance: number;
  functionTolerance?: number;
  /** Correction pairs kept (scipy's maxcor). */
  memory?: number;
  /** Objective evaluations allowed per line search (sklearn passes maxls=50). */
  maxLineSearch?: number;
  /** Called after every iteration; awaiting it lets a long fit yield to the event loop. */
  onIteration?: (iteration: number, value: number) => void | Promise<void>;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
  /** Why it stopped, in words. */
  reason: string;
}

const C1 = 1e-4;
const C2 = 0.9;

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] as number));
  return max;
}

interface Point {
  step: number;
  value: number;
  /** Directional derivative ∇f · d at this step. */
  slope: number;
  x: Float64Array;
  gradient: Float64Array;
}

/** Minimizer of the cubic through two points with their slopes, kept inside the bracket. */
function interpolate(lo: Point, hi: Point): number {
  const [a, b] = lo.step < hi.step ? [lo, hi] : [hi, lo];
  const d1 = a.slope + b.slope - (3 * (a.value - b.value)) / (a.step - b.step);
  const root = d1 * d1 - a.slope * b.slope;
  const width = b.step - a.step;
  let step = Number.NaN;
  if (root >= 0) {
    const d2 = Math.sqrt(root);
    step = b.step - width * ((b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2));
  }
  // Too close to an end (or no real minimizer): bisect, which always makes progress.
  const margin = 0.1 * width;
  if (!Number.isFinite(step) || step < a.step + margin || step > b.step - margin) {
    return (a.step + b.step) / 2;
  }
  return step;
}

/** Strong-Wolfe line search along `direction`; undefined when no acceptable step was found. */
function lineSearch(
  objective: Objective,
  start: Point,
  direction: Float64Array,
  initialStep: number,
  maxEvaluations: number,
): Point | undefined {
  let evaluations = 0;
  const at = (step: number): Point => {
    evaluations++;
    const x = new Float64Array(start.x.length);
    for (let i = 0; i < x.length; i++)
      x[i] = (start.x[i] as number) + step * (direction[i] as number);
    const gradient = new Float64Array(x.length);
    const value = objective(x, gradient);
    return { step, value, slope: dot(gradient, direction), x, gradient };
  };
  const sufficient = (p: Point) => p.value <= start.value + C1 * p.step * start.slope;
  const curvature = (p: Point) => Math.abs(p.slope) <= -C2 * start.slope;

  const zoom = (lo: Point, hi: Point): Point | undefined => {
    while (evaluations < maxEvaluations) {
      const p = at(interpolate(lo, hi));
      if (!Number.isFinite(p.value) || !sufficient(p) || p.value >= lo.value) hi = p;
      else {
        if (curvature(p)) return p;
        if (p.slope * (hi.step - lo.step) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.step - lo.step) < 1e-16 * Math.max(1, lo.step)) break;
    }
    // Out of evaluations: a step with sufficient decrease is still progress.
    return lo.step > 0 ? lo : undefined;
  };

  let previous = start;
  let step = initialStep;
  while (evaluations < maxEvaluations) {
    const p = at(step);
    if (
      !Number.isFinite(p.value) ||
      !sufficient(p) ||
      (previous !== start && p.value >= previous.value)
    ) {
      return zoom(previous, p);
    }
    if (curvature(p)) return p;
    if (p.slope >= 0) return zoom(p, previous);
    previous = p;
    step *= 2;
  }
  return previous.step > 0 ? previous : undefined;
}

export async function minimize(
  objective: Objective,
  initial: Float64Array,
  options: LbfgsOptions,
): Promise<LbfgsResult> {
  const memory = options.memory ?? 10;
  const ftol = options.functionTolerance ?? 64 * Number.EPSILON;
  const maxLineSearch = options.maxLineSearch ?? 50;
  const n = initial.length;

  const gradient = new Float64Array(n);
  let current: Point = {
    step: 0,
    value: objective(initial.slice(), gradient),
    slope: 0,
    x: initial.slice(),
    gradient,
  };
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const result = (iterations: number, converged: boolean, reason: string): LbfgsResult => ({
    x: current.x,
    value: current.value,
    iterations,
    converged,
    reason,
  });

  for (let iteration = 0; ; iteration++) {
    if (maxAbs(current.gradient) <= options.gradientTolerance) {
      return result(iteration, true, "gradient below tolerance");
    }
    if (iteration >= options.maxIterations) {
      return result(iteration, false, `reached max_iter (${options.maxIterations})`);
    }

    // Two-loop recursion: direction = −H·g with H the L-BFGS inverse-Hessian estimate.
    const q = current.gradient.slice();
    const alphas = new Array<number>(s.length);
    for (let i = s.length - 1; i >= 0; i--) {
      const a = (rho[i] as number) * dot(s[i] as Float64Array, q);
      alphas[i] = a;
      const yi = y[i] as Float64Array;
      for (let k = 0; k < n; k++) q[k] = (q[k] as number) - a * (yi[k] as number);
    }
    const last = s.length - 1;
    const gamma =
      last >= 0
        ? 1 / ((rho[last] as number) * dot(y[last] as Float64Array, y[last] as Float64Array))
        : 1;
    for (let k = 0; k < n; k++) q[k] = (q[k] as number) * gamma;
    for (let i = 0; i < s.length; i++) {
      const b = (rho[i] as number) * dot(y[i] as Float64Array, q);
      const si = s[i] as Float64Array;
      const coefficient = (alphas[i] as number) - b;
      for (let k = 0; k < n; k++) q[k] = (q[k] as number) + coefficient * (si[k] as number);
    }
    let direction = q.map((v) => -v);
    let slope = dot(direction, current.gradient);
    let fresh = s.length === 0;
    if (!(slope < 0)) {
      // The estimate lost positive definiteness (rounding): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      direction = current.gradient.map((v) => -v);
      slope = dot(direction, current.gradient);
      fresh = true;
    }
    // Without curvature information a unit step can be wildly off; scale it by the gradient.
    const initialStep = fresh ? Math.min(1, 1 / Math.sqrt(-slope)) : 1;
    const next = lineSearch(
      objective,
      // Step 0 is the start: the bracket and the interpolation measure steps from it.
      { ...current, step: 0, slope },
      direction,
      initialStep,
      maxLineSearch,
    );
    if (next === undefined) {
      return result(iteration, false, "line search found no better point (precision exhausted)");
    }

    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      sk[k] = (next.x[k] as number) - (current.x[k] as number);
      yk[k] = (next.gradient[k] as number) - (current.gradient[k] as number);
    }
    const sy = dot(sk, yk);
    // Keep the pair only when it carries positive curvature, so H stays positive definite.
    if (sy > 1e-10 * dot(yk, yk)) {
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
    }
    const previous = current.value;
    current = next;
    await options.onIteration?.(iteration + 1, current.value);
    if (
      previous - current.value <=
      ftol * Math.max(Math.abs(previous), Math.abs(current.value), 1)
    ) {
      return result(iteration + 1, true, "objective stopped decreasing");
    }
  }
}
