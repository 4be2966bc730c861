/**
 * Binary logistic regression with an L2 penalty on the weights, fitted by Newton's method
 * (iteratively reweighted least squares) with a backtracking line search.
 *
 * Minimises, over weights w [D] and intercept b,
 *
 *   J(w, b) = sum_i [ log(1 + exp(f_i)) - y_i f_i ] + ||w||^2 / (2 C),   f_i = w . x_i + b,
 *
 * the objective of scikit-learn's `LogisticRegression(C=C)` (intercept not penalised).
 * J is strictly convex in w for C < Infinity, so Newton's method converges to the one
 * minimiser in a handful of steps at the sizes used here (D about 30, a few hundred rows).
 *
 * Written here rather than taken from a library: the npm candidates fit by plain gradient
 * descent with a fixed step count and no penalty, so they stop short of the optimum; this
 * file is 100 lines with a test against a hand-solved case.
 */

/** A fitted model: log-odds f(x) = w . x + b of class 1. */
export interface LogisticModel {
  /** Weights, [D]. */
  w: Float64Array;
  /** Intercept. */
  b: number;
  /** Newton iterations used. */
  iterations: number;
  /** Fraction of training rows classified right (f > 0 for class 1). */
  accuracy: number;
}

export interface LogisticOptions {
  /** Inverse penalty strength C (scikit-learn's C; smaller means a stronger penalty). Infinity for none. */
  C: number;
  /** Stop when the largest Newton step component is below this. */
  tol?: number;
  /** At most this many Newton iterations. */
  maxIter?: number;
}

function softplus(f: number): number {
  return f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f));
}

function sigmoid(f: number): number {
  return f >= 0 ? 1 / (1 + Math.exp(-f)) : Math.exp(f) / (1 + Math.exp(f));
}

/** Solve A x = v for a symmetric positive definite A [n, n] (Cholesky); A and v are not modified. */
export function solveSpd(A: Float64Array, v: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`solveSpd: matrix is not positive definite (pivot ${i} is ${s})`);
        L[i * n + i] = Math.sqrt(s);
      } else {
        L[i * n + j] = s / L[j * n + j];
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Fit the model to rows X [N, D] (row-major) with labels y [N] in {0, 1}.
 * Throws naming the argument when shapes or labels are wrong, or a class is missing.
 */
export function fitLogistic(X: ArrayLike<number>, y: ArrayLike<number>, D: number, opts: LogisticOptions): LogisticModel {
  const N = y.length;
  if (!Number.isInteger(D) || D < 1) throw new RangeError(`fitLogistic: D must be an integer >= 1, got ${D}`);
  if (X.length !== N * D) throw new RangeError(`fitLogistic: X must hold N * D = ${N} * ${D} numbers, got ${X.length}`);
  if (!(opts.C > 0)) throw new RangeError(`fitLogistic: C must be > 0 (Infinity for no penalty), got ${opts.C}`);
  let n1 = 0;
  for (let i = 0; i < N; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`fitLogistic: y[${i}] must be 0 or 1, got ${y[i]}`);
    n1 += y[i];
  }
  if (n1 === 0 || n1 === N) throw new RangeError(`fitLogistic: y must hold both classes, got ${n1} of ${N} rows in class 1`);
  const tol = opts.tol ?? 1e-10, maxIter = opts.maxIter ?? 100;
  const P = D + 1; // parameters: w then b
  const lam = Number.isFinite(opts.C) ? 1 / opts.C : 0;
  const theta = new Float64Array(P);
  theta[D] = Math.log(n1 / (N - n1)); // the intercept-only optimum
  const objective = (t: Float64Array): number => {
    let J = 0;
    for (let i = 0; i < N; i++) {
      let f = t[D];
      for (let d = 0; d < D; d++) f += t[d] * X[i * D + d];
      J += softplus(f) - y[i] * f;
    }
    for (let d = 0; d < D; d++) J += 0.5 * lam * t[d] * t[d];
    return J;
  };
  let J = objective(theta);
  let it = 0;
  for (; it < maxIter; it++) {
    const g = new Float64Array(P), H = new Float64Array(P * P);
    const xi = new Float64Array(P);
    xi[D] = 1;
    for (let i = 0; i < N; i++) {
      let f = theta[D];
      for (let d = 0; d < D; d++) {
        xi[d] = X[i * D + d];
        f += theta[d] * xi[d];
      }
      const p = sigmoid(f), r = p - y[i], s = p * (1 - p);
      for (let a = 0; a < P; a++) {
        g[a] += r * xi[a];
        const sa = s * xi[a];
        for (let c = 0; c <= a; c++) H[a * P + c] += sa * xi[c];
      }
    }
    for (let a = 0; a < P; a++) for (let c = 0; c < a; c++) H[c * P + a] = H[a * P + c];
    for (let d = 0; d < D; d++) {
      g[d] += lam * theta[d];
      H[d * P + d] += lam;
    }
    for (let a = 0; a < P; a++) H[a * P + a] += 1e-12; // keeps separable, unpenalised fits solvable
    const step = solveSpd(H, g, P);
    // backtracking line search on J (Newton's full step almost always passes)
    let t = 1, next = theta, Jn = J;
    for (let k = 0; k < 40; k++, t *= 0.5) {
      next = theta.map((v, a) => v - t * step[a]);
      Jn = objective(next);
      if (Jn <= J) break;
    }
    let biggest = 0;
    for (let a = 0; a < P; a++) biggest = Math.max(biggest, Math.abs(theta[a] - next[a]));
    theta.set(next);
    J = Jn;
    if (biggest < tol) {
      it++;
      break;
    }
  }
  let right = 0;
  for (let i = 0; i < N; i++) {
    let f = theta[D];
    for (let d = 0; d < D; d++) f += theta[d] * X[i * D + d];
    if ((f > 0 ? 1 : 0) === y[i]) right++;
  }
  return { w: theta.slice(0, D), b: theta[D], iterations: it, accuracy: right / N };
}

/** Log-odds f(x) = w . x + b of class 1 for rows X [N, D]; [N]. */
export function logOdds(model: LogisticModel, X: ArrayLike<number>): Float64Array {
  const D = model.w.length, N = X.length / D;
  const f = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = model.b;
    for (let d = 0; d < D; d++) s += model.w[d] * X[i * D + d];
    f[i] = s;
  }
  return f;
}
