/**
 * Gaussian kernel density estimation over 2D points (states) with a full bandwidth
 * matrix H:
 *
 *   q(x) = sum_j w_j N(x; x_j, H),   N(x; mu, H) = exp(-1/2 (x-mu)^T H^{-1} (x-mu)) / (2 pi sqrt(det H))
 *
 * Algorithm 1 of paper 000 (l.8 and l.10) fits one KDE per policy's trajectories tau'_i
 * and one on the pooled trajectories tau'_{1:N}; `policy-divergence.ts` evaluates them and draws
 * states from the pooled one.
 *
 * The bandwidth H comes from kde-bandwidth.ts (Scott, Silverman or likelihood
 * cross-validation, then an eigenvalue floor that keeps H positive definite); log-densities
 * use log-sum-exp, so no NaN or Infinity can come out (a density underflows to 0 only tens
 * of kernel widths away from every point).
 *
 * References
 * - M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020, Sec. 3.1 and Algorithm 1, l.8-10.
 * - P. T. P. Tang, Table-driven implementation of the exponential function in IEEE
 *   floating-point arithmetic, ACM TOMS 15 (1989) 144-157.
 */
import { check } from '../core/config';
import { Rng } from '../core/rng';
import { bandwidth, KDE_DEFAULTS, kdeConfig, KdeConfig, moments } from './kde-bandwidth';

export { BANDWIDTH_RULES, BandwidthRule, floorBandwidth, KDE_DEFAULTS, kdeConfig, KdeConfig, kdeSchema } from './kde-bandwidth';

/**
 * A fitted KDE.
 *
 * | Field    | Shape  | Description                                                       |
 * |----------|--------|-------------------------------------------------------------------|
 * | n        |        | number of kernel centres (centres of weight 0 are dropped)        |
 * | points   | [n, 2] | kernel centres x_j                                                |
 * | weights  | [n]    | w_j, normalised to sum 1                                          |
 * | H        | [3]    | bandwidth (kernel covariance) after the floor: [h11, h12, h22]    |
 * | Hinv     | [3]    | H^{-1} as [a, b, c]: (x^T H^{-1} x) = a x1^2 + 2 b x1 x2 + c x2^2 |
 * | chol     | [3]    | lower Cholesky factor L of H, [l11, l21, l22]                     |
 * | logNorm  |        | log of the kernel's normaliser, -log(2 pi) - 1/2 log det H        |
 * | factor   |        | c in H = c^2 H_scott for 'scott' / 'cv' (1 for Scott); NaN for 'silverman' and `kdeWithBandwidth` |
 * | mean     | [2]    | weighted mean of the points                                       |
 * | cov      | [3]    | weighted (unbiased) sample covariance Sigma, [s11, s12, s22]      |
 * | nEff     |        | effective sample size 1 / sum w_j^2                               |
 */
export interface Kde {
  n: number;
  points: Float64Array;
  weights: Float64Array;
  H: Float64Array;
  Hinv: Float64Array;
  chol: Float64Array;
  logNorm: number;
  factor: number;
  mean: Float64Array;
  cov: Float64Array;
  nEff: number;
  /** The resolved config (the floor in force; `bandwidth` names the rule used). */
  config: KdeConfig;
}

function toPoints(points: ArrayLike<number>, where: string): Float64Array {
  if (points.length === 0 || points.length % 2 !== 0) {
    throw new RangeError(`${where}: points must be a non-empty [n, 2] array (even length), got length ${points.length}`);
  }
  const out = Float64Array.from(points);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      throw new RangeError(`${where}: point ${i >> 1} has a non-finite coordinate (${out[i]})`);
    }
  }
  return out;
}

function toWeights(weights: ArrayLike<number> | undefined, n: number, where: string): Float64Array {
  const w = new Float64Array(n);
  if (weights === undefined) return w.fill(1 / n);
  if (weights.length !== n) throw new RangeError(`${where}: ${weights.length} weights for ${n} points`);
  let s = 0;
  for (let j = 0; j < n; j++) {
    if (!(weights[j] >= 0) || !Number.isFinite(weights[j])) {
      throw new RangeError(`${where}: weight ${j} is ${weights[j]}, expected a finite number >= 0`);
    }
    s += weights[j];
  }
  if (!(s > 0)) throw new RangeError(`${where}: the weights sum to ${s}, expected a positive sum`);
  for (let j = 0; j < n; j++) w[j] = weights[j] / s;
  return w;
}

/** Drop the centres of weight 0: they add nothing to q and nothing to the moments. */
function dropZeroWeights(x: Float64Array, w: Float64Array): { x: Float64Array; w: Float64Array } {
  const keep: number[] = [];
  for (let j = 0; j < w.length; j++) if (w[j] > 0) keep.push(j);
  if (keep.length === w.length) return { x, w };
  const x2 = new Float64Array(2 * keep.length), w2 = new Float64Array(keep.length);
  keep.forEach((j, r) => {
    x2[2 * r] = x[2 * j];
    x2[2 * r + 1] = x[2 * j + 1];
    w2[r] = w[j];
  });
  return { x: x2, w: w2 };
}

/** Assemble a KDE from centres, normalised weights and a positive-definite H. */
function assemble(x: Float64Array, w: Float64Array, H: Float64Array, factor: number, config: KdeConfig, where: string): Kde {
  const [h11, h12, h22] = H;
  const det = h11 * h22 - h12 * h12;
  if (!(h11 > 0) || !(det > 0) || !Number.isFinite(det)) {
    throw new RangeError(`${where}: bandwidth H = [[${h11}, ${h12}], [${h12}, ${h22}]] is not positive definite`);
  }
  const l11 = Math.sqrt(h11), l21 = h12 / l11;
  const l22 = Math.sqrt(Math.max(h22 - l21 * l21, 0));
  const { mean, cov, nEff } = moments(x, w);
  return {
    n: w.length,
    points: x,
    weights: w,
    H: Float64Array.from(H),
    Hinv: Float64Array.of(h22 / det, -h12 / det, h11 / det),
    chol: Float64Array.of(l11, l21, l22),
    logNorm: -Math.log(2 * Math.PI) - 0.5 * Math.log(det),
    factor,
    mean,
    cov,
    nEff,
    config,
  };
}

/**
 * Fit a Gaussian KDE to 2D points with the configured bandwidth rule (module doc).
 * @param points [n, 2] row-major, any finite values (n >= 1)
 * @param cfg resolved settings (`kdeConfig({...})`), default `KDE_DEFAULTS`
 * @param weights [n] optional non-negative weights (normalised internally)
 */
export function fitKde(points: ArrayLike<number>, cfg: KdeConfig = KDE_DEFAULTS, weights?: ArrayLike<number>): Kde {
  const where = 'fitKde';
  const x0 = toPoints(points, where);
  const { x, w } = dropZeroWeights(x0, toWeights(weights, x0.length / 2, where));
  const { H, factor } = bandwidth(x, w, cfg);
  return assemble(x, w, H, factor, cfg, where);
}

/**
 * A KDE with a given bandwidth H = [h11, h12, h22] (no rule, no floor): for hand-checked
 * cases and for callers that choose H themselves. Throws if H is not positive definite.
 */
export function kdeWithBandwidth(points: ArrayLike<number>, H: ArrayLike<number>, weights?: ArrayLike<number>): Kde {
  const where = 'kdeWithBandwidth';
  if (H.length !== 3) throw new RangeError(`${where}: H must be [h11, h12, h22], got length ${H.length}`);
  const x0 = toPoints(points, where);
  const { x, w } = dropZeroWeights(x0, toWeights(weights, x0.length / 2, where));
  return assemble(x, w, Float64Array.from(H), NaN, kdeConfig(), where);
}

/**
 * Kernels whose Mahalanobis term m_j exceeds the smallest one by more than this are left
 * out of the log-sum-exp: each would add less than e^{-37.5} (5e-17, below double
 * rounding) times the largest term, so the result is exact to n * 5e-17 relative.
 */
const LSE_SKIP = 75;

/** Table of exp(-k / EXP_STEPS) for k = 0 .. LSE_SKIP/2 * EXP_STEPS (+1). */
const EXP_STEPS = 64;
const EXP_TABLE = Float64Array.from({ length: (LSE_SKIP / 2) * EXP_STEPS + 2 }, (_, k) => Math.exp(-k / EXP_STEPS));

/**
 * exp(-g/2) for 0 <= g < LSE_SKIP, table-driven (Tang 1989): -g/2 = -k/64 + r with
 * -1/64 < r <= 0, exp = table[k] * (1 + r + r^2/2 + ... + r^5/120). Relative error below
 * (1/64)^6 / 720 = 2e-14; about 4x faster than Math.exp in V8, and the KDE sums spend
 * most of their time here.
 */
function expHalfNeg(g: number): number {
  const y = g * (EXP_STEPS / 2);
  const k = y | 0;
  const r = (k - y) / EXP_STEPS;
  return EXP_TABLE[k] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))))));
}

/**
 * log q(x) for m query points, by log-sum-exp over the n kernels:
 *   log q(x) = logNorm - m_min/2 + log sum_j w_j exp(-(m_j - m_min)/2),  m_j = (x-x_j)^T H^{-1} (x-x_j)
 * in one pass with a running minimum (the sum is rescaled when m_min drops), skipping the
 * kernels beyond LSE_SKIP: a query far from most kernels costs one quadratic form per
 * kernel and few exps.
 * @param points [m, 2]
 * @returns [m]
 */
export function logDensity(kde: Kde, points: ArrayLike<number>): Float64Array {
  const M = Math.floor(points.length / 2);
  const { n, points: X, weights: w, logNorm } = kde;
  const a = kde.Hinv[0], b2 = 2 * kde.Hinv[1], c = kde.Hinv[2];
  const out = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    const px = points[2 * i], py = points[2 * i + 1];
    let mMin = Infinity, s = 0;
    for (let j = 0; j < n; j++) {
      const dx = px - X[2 * j], dy = py - X[2 * j + 1];
      const q = a * dx * dx + b2 * dx * dy + c * dy * dy;
      const gap = q - mMin;
      if (gap < 0) {
        // New nearest kernel: rescale the sum to the new shift; terms now beyond LSE_SKIP
        // (all of them on the first kernel, where gap = -Infinity) are dropped.
        s = (gap > -LSE_SKIP ? s * expHalfNeg(-gap) : 0) + w[j];
        mMin = q;
      } else if (gap < LSE_SKIP) {
        s += w[j] * expHalfNeg(gap);
      }
    }
    out[i] = logNorm - 0.5 * mMin + Math.log(s);
  }
  return out;
}

/**
 * q(x) for m query points (exp of `logDensity`; 0 only where the density is below the
 * smallest double).
 * @param points [m, 2]
 * @returns [m]
 */
export function density(kde: Kde, points: ArrayLike<number>): Float64Array {
  const out = logDensity(kde, points);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
  return out;
}

/**
 * Draw n points from the KDE: pick kernel j with probability w_j, then x_j + L z with
 * z ~ N(0, I) and L the Cholesky factor of H. Three rng draws per point (one uniform,
 * two normals).
 * @returns [n, 2]
 */
export function sampleKde(kde: Kde, n: number, rng: Rng): Float64Array {
  check.nonNegativeInt('sampleKde', 'n', n);
  const cum = new Float64Array(kde.n);
  let acc = 0;
  for (let j = 0; j < kde.n; j++) cum[j] = acc += kde.weights[j];
  const [l11, l21, l22] = kde.chol;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    // Binary search for the first j with cum[j] > u.
    const u = rng.random() * acc;
    let lo = 0, hi = kde.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    const z1 = rng.normal(), z2 = rng.normal();
    out[2 * i] = kde.points[2 * lo] + l11 * z1;
    out[2 * i + 1] = kde.points[2 * lo + 1] + l21 * z1 + l22 * z2;
  }
  return out;
}

/**
 * Mean and covariance of the KDE as a distribution (a Gaussian mixture):
 * mean = sum_j w_j x_j, cov = H + sum_j w_j (x_j - mean)(x_j - mean)^T, as [c11, c12, c22].
 */
export function kdeMoments(kde: Kde): { mean: Float64Array; cov: Float64Array } {
  const { n, points: X, weights: w } = kde;
  let mx = 0, my = 0;
  for (let j = 0; j < n; j++) {
    mx += w[j] * X[2 * j];
    my += w[j] * X[2 * j + 1];
  }
  let sxx = kde.H[0], sxy = kde.H[1], syy = kde.H[2];
  for (let j = 0; j < n; j++) {
    const dx = X[2 * j] - mx, dy = X[2 * j + 1] - my;
    sxx += w[j] * dx * dx;
    sxy += w[j] * dx * dy;
    syy += w[j] * dy * dy;
  }
  return { mean: Float64Array.of(mx, my), cov: Float64Array.of(sxx, sxy, syy) };
}
