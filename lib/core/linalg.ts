/**
 * Small dense linear algebra over row-major Float64Array matrices, for the exact tabular
 * computations (policy evaluation of a 16-state lake is a 16 x 16 solve). Plain loops:
 * at these sizes a solve takes microseconds, and no library call would be faster.
 */

/** Partial pivoting: the row r >= c with the largest |m[r, c]| (row-major n x n); throws when column c is all zero. */
function pivotRow(m: Float64Array, n: number, c: number, who: string): number {
  let p = c, best = Math.abs(m[c * n + c]);
  for (let r = c + 1; r < n; r++) {
    const v = Math.abs(m[r * n + c]);
    if (v > best) {
      best = v;
      p = r;
    }
  }
  if (!(best > 1e-300)) throw new RangeError(`${who}: the matrix is singular (column ${c})`);
  return p;
}

/** The inverse of the n x n matrix `a` (row-major), by Gauss-Jordan elimination with partial pivoting. */
export function inverse(a: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`inverse: expected ${n * n} entries for a ${n} x ${n} matrix, got ${a.length}`);
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    const p = pivotRow(m, n, c, 'inverse');
    if (p !== c) {
      for (let j = 0; j < n; j++) {
        let t = m[c * n + j]; m[c * n + j] = m[p * n + j]; m[p * n + j] = t;
        t = inv[c * n + j]; inv[c * n + j] = inv[p * n + j]; inv[p * n + j] = t;
      }
    }
    const d = 1 / m[c * n + c];
    for (let j = 0; j < n; j++) {
      m[c * n + j] *= d;
      inv[c * n + j] *= d;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * n + c];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

/** x = A^{-1} b for a small n x n system (Gaussian elimination with partial pivoting). */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  if (a.length !== n * n || b.length !== n) throw new RangeError(`solve: expected a ${n} x ${n} matrix and ${n} right-hand sides, got ${a.length} and ${b.length}`);
  const m = Float64Array.from(a), x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    const p = pivotRow(m, n, c, 'solve');
    if (p !== c) {
      for (let j = c; j < n; j++) {
        const t = m[c * n + j]; m[c * n + j] = m[p * n + j]; m[p * n + j] = t;
      }
      const t = x[c]; x[c] = x[p]; x[p] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = m[r * n + c] / m[c * n + c];
      if (f === 0) continue;
      for (let j = c; j < n; j++) m[r * n + j] -= f * m[c * n + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < n; j++) s -= m[r * n + j] * x[j];
    x[r] = s / m[r * n + r];
  }
  return x;
}

/** An LU factorization with partial pivoting of an n x n matrix: P A = L U, L unit lower, both in `lu`. */
export interface Lu {
  n: number;
  /** L (below the diagonal, unit diagonal implied) and U (diagonal and above), row-major [n, n]. */
  lu: Float64Array;
  /** Row i of P A is row piv[i] of A. */
  piv: Int32Array;
}

/** Factor A once (2n^3/3 flops); then each solve costs n^2. */
export function luFactor(a: ArrayLike<number>, n: number): Lu {
  if (a.length !== n * n) throw new RangeError(`luFactor: expected ${n * n} entries for a ${n} x ${n} matrix, got ${a.length}`);
  const lu = Float64Array.from(a), piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  for (let c = 0; c < n; c++) {
    const p = pivotRow(lu, n, c, 'luFactor');
    if (p !== c) {
      for (let j = 0; j < n; j++) {
        const t = lu[c * n + j]; lu[c * n + j] = lu[p * n + j]; lu[p * n + j] = t;
      }
      const t = piv[c]; piv[c] = piv[p]; piv[p] = t;
    }
    const d = lu[c * n + c];
    for (let r = c + 1; r < n; r++) {
      const f = (lu[r * n + c] /= d);
      if (f === 0) continue;
      for (let j = c + 1; j < n; j++) lu[r * n + j] -= f * lu[c * n + j];
    }
  }
  return { n, lu, piv };
}

/** x = A^{-1} b from a factorization. */
export function luSolve(f: Lu, b: ArrayLike<number>): Float64Array {
  const { n, lu, piv } = f, x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[piv[i]];
    for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
    x[i] = s / lu[i * n + i];
  }
  return x;
}

/** x = A^{-T} b (so x^T = b^T A^{-1}) from a factorization of A. */
export function luSolveT(f: Lu, b: ArrayLike<number>): Float64Array {
  const { n, lu, piv } = f, y = new Float64Array(n);
  // A^T = U^T L^T P, so solve U^T z = b, then L^T w = z, then x = P^T w.
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let j = 0; j < i; j++) s -= lu[j * n + i] * y[j];
    y[i] = s / lu[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let j = i + 1; j < n; j++) s -= lu[j * n + i] * y[j];
    y[i] = s;
  }
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[piv[i]] = y[i];
  return x;
}

/** y = M v for an [n, n] matrix. */
export function matVec(m: ArrayLike<number>, v: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += m[i * n + j] * v[j];
    y[i] = s;
  }
  return y;
}

/** y = v^T M (a row vector times an [n, n] matrix). */
export function vecMat(v: ArrayLike<number>, m: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    for (let j = 0; j < n; j++) y[j] += vi * m[i * n + j];
  }
  return y;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}
