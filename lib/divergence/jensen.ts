/**
 * Divergences between discrete distributions (natural log throughout).
 *
 *   KL(p || q)  = sum_i p_i ln(p_i / q_i)                      (0 ln 0 = 0)
 *   JS(p, q)    = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q)/2   (Lin 1991; paper 000 ref. [7])
 *   sqrt(JS)    is a metric (Endres & Schindelin 2003)
 *   S(p, q)     = (KL(p || q) + KL(q || p)) / 2                 (paper 001's symmetric KL)
 *
 * For normalised inputs 0 <= JS <= ln 2. Inputs need not be normalised: JS is evaluated
 * on the vectors as given (Algorithm 1's occupancy vectors rho_s are not normalised);
 * `normalize` is there when a distribution is wanted.
 */

/** p / sum(p). Throws if the sum is not positive and finite. */
export function normalize(p: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (!(p[i] >= 0)) throw new RangeError(`normalize: entry ${i} is ${p[i]}, expected a non-negative number`);
    s += p[i];
  }
  if (!(s > 0) || !Number.isFinite(s)) throw new RangeError(`normalize: the entries sum to ${s}, expected a positive finite sum`);
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] / s;
  return out;
}

function sameLength(p: ArrayLike<number>, q: ArrayLike<number>, where: string): void {
  if (p.length !== q.length) throw new RangeError(`${where}: lengths differ (${p.length} vs ${q.length})`);
}

/** x ln(x / y) with the conventions 0 ln(0/y) = 0 and x ln(x/0) = +Infinity. */
function xlogxy(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Infinity;
  return x * Math.log(x / y);
}

/** KL(p || q); +Infinity where q has zeros under p's mass. */
export function klDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  sameLength(p, q, 'klDivergence');
  let s = 0;
  for (let i = 0; i < p.length; i++) s += xlogxy(p[i], q[i]);
  // KL >= 0 for distributions, but rounding can leave -1e-17 for nearly equal ones.
  // (Unnormalised vectors can have a genuinely negative value, which is kept.)
  return s < 0 && s > -1e-12 ? 0 : s;
}

/** S(p, q) = (KL(p||q) + KL(q||p)) / 2. */
export function symmetricKl(p: ArrayLike<number>, q: ArrayLike<number>): number {
  return 0.5 * (klDivergence(p, q) + klDivergence(q, p));
}

/**
 * JS between the `len` entries of p starting at index i and those of q starting at j:
 * sum_k 1/2 x_k ln(x_k/m_k) + 1/2 y_k ln(y_k/m_k), m = (x + y)/2, clamped at 0 (rounding
 * can leave -1e-17 for identical inputs). The one JS loop of the lab: `jensenShannon`,
 * `rowwiseJensenShannon` and the policy metrics all call it.
 */
export function jsSpan(p: ArrayLike<number>, i: number, q: ArrayLike<number>, j: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) {
    const x = p[i + k], y = q[j + k], m = 0.5 * (x + y);
    s += 0.5 * xlogxy(x, m) + 0.5 * xlogxy(y, m);
  }
  return s > 0 ? s : 0;
}

/**
 * The same JS between the entries of v at i and at j, given f = v ln v (0 ln 0 = 0)
 * precomputed: JS(x, y) = sum_k [ (x_k ln x_k + y_k ln y_k)/2 - m_k ln m_k ], term by term
 * equal to `jsSpan`'s, with one log per entry instead of two (Algorithm 1 of paper 000
 * compares N policies pairwise at S states, so each entry enters N - 1 pairs). Equal to
 * `jsSpan` up to rounding, not bit for bit.
 */
export function jsSpanXlogx(v: ArrayLike<number>, f: ArrayLike<number>, i: number, j: number, len: number): number {
  let s = 0;
  for (let k = 0; k < len; k++) {
    const m = 0.5 * (v[i + k] + v[j + k]);
    if (m > 0) s += 0.5 * (f[i + k] + f[j + k]) - m * Math.log(m);
  }
  return s > 0 ? s : 0;
}

/** x ln x with 0 ln 0 = 0: the `f` of `jsSpanXlogx`. */
export function xlogx(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

/** Jensen-Shannon divergence, natural log. Always finite; <= ln 2 for normalised inputs. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>): number {
  sameLength(p, q, 'jensenShannon');
  return jsSpan(p, 0, q, 0, p.length);
}

/** sqrt(JS): the Jensen-Shannon distance, a metric. */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  return Math.sqrt(jensenShannon(p, q));
}

/**
 * JS between rows of two [N, A] arrays: out[n] = JS(p[n, :], q[n, :]). The batched form
 * used by the divergence estimators (A = number of actions).
 */
export function rowwiseJensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, A: number): Float64Array {
  sameLength(p, q, 'rowwiseJensenShannon');
  const N = p.length / A;
  if (!Number.isInteger(N)) throw new RangeError(`rowwiseJensenShannon: length ${p.length} is not a multiple of A = ${A}`);
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) out[n] = jsSpan(p, n * A, q, n * A, A);
  return out;
}
