/**
 * Bandwidth rules of the Gaussian KDE in kde.ts: the kernel covariance H for 2D points
 * with normalised weights w_j, chosen by `bandwidth` in `KdeConfig`. Sigma is the weighted sample covariance,
 * n_eff = 1 / sum_j w_j^2 the effective sample size (n for equal weights), d = 2:
 * - 'scott' (default): H = n_eff^{-2/(d+4)} Sigma = n_eff^{-1/3} Sigma (Scott 1992, Ch. 6,
 *   the normal reference rule with a full covariance; also scipy's gaussian_kde default).
 * - 'silverman': Silverman's normal-reference factor for d dimensions (Silverman 1986,
 *   Sec. 4.3) with his outlier-robust spread (Sec. 3.4.2) per axis:
 *   h_k = (4 / ((d+2) n_eff))^{1/(d+4)} A_k, A_k = min(sd_k, IQR_k / 1.349), H = diag(h_1^2, h_2^2).
 *   In 2D the multivariate Scott and Silverman *factors* coincide (both n_eff^{-1/6}); this
 *   rule differs by its robust spread and its axis-aligned (product) kernel.
 * - 'cv': likelihood cross-validation (Silverman 1986, Sec. 3.4.4): H(c) = c^2 H_scott for c
 *   in `cvScales`; the c with the largest leave-one-out log-likelihood
 *   sum_i w_i log( sum_{j != i} w_j N(x_i; x_j, H(c)) / sum_{j != i} w_j ) wins. O(n^2) per
 *   candidate: fine for one trajectory set (~100 states), slow for thousands.
 *
 * Degenerate data (identical points, a single point, a straight-line trajectory) give a
 * singular Sigma. Every H is therefore regularised by an eigenvalue floor before use:
 *   lambda_k <- max(lambda_k, minEigRatio * lambda_max, minStd^2)
 * i.e. the kernel is never thinner than `minStd` in any direction and never more than
 * 1/sqrt(minEigRatio) times longer than it is wide (10x by default, so that a straight
 * trajectory's KDE still gives density to states a little off its line). H is then
 * positive definite.
 *
 * References
 * - D. W. Scott, Multivariate Density Estimation, Wiley 1992, Ch. 6.
 * - B. W. Silverman, Density Estimation for Statistics and Data Analysis, Chapman & Hall 1986.
 */
import { num, Resolved, resolver, section, z } from '../core/schema';

export const BANDWIDTH_RULES = ['scott', 'silverman', 'cv'] as const;
export type BandwidthRule = (typeof BANDWIDTH_RULES)[number];

export const kdeSchema = section({
  bandwidth: z.enum(BANDWIDTH_RULES).default('scott').describe("bandwidth rule: 'scott' (full H = n_eff^{-1/3} Sigma), 'silverman' (diagonal, robust spread) or 'cv' (leave-one-out likelihood over cvScales)"),
  cvScales: z.array(num.positive()).min(1).default([0.25, 0.35, 0.5, 0.7, 1, 1.4, 2]).describe("scale factors c tried by 'cv', H(c) = c^2 H_scott"),
  minStd: num.positive().default(1e-3).describe("absolute floor on the kernel's standard deviation in every direction, in the data's units (the particle moves 0.05 per step)"),
  minEigRatio: num.min(0).max(1).default(1e-2).describe("relative eigenvalue floor: every eigenvalue of H is at least minEigRatio times the largest (caps the kernel's axis ratio at 1/sqrt(minEigRatio))"),
});
export type KdeConfig = Resolved<typeof kdeSchema>;
export const kdeConfig = resolver('kde config', kdeSchema);
export const KDE_DEFAULTS: KdeConfig = kdeConfig();

/** Weighted mean, unbiased weighted covariance [s11, s12, s22] and n_eff = 1 / sum w^2. */
export function moments(x: Float64Array, w: Float64Array): { mean: Float64Array; cov: Float64Array; nEff: number } {
  const n = w.length;
  let mx = 0, my = 0, w2 = 0;
  for (let j = 0; j < n; j++) {
    mx += w[j] * x[2 * j];
    my += w[j] * x[2 * j + 1];
    w2 += w[j] * w[j];
  }
  let sxx = 0, sxy = 0, syy = 0;
  for (let j = 0; j < n; j++) {
    const dx = x[2 * j] - mx, dy = x[2 * j + 1] - my;
    sxx += w[j] * dx * dx;
    sxy += w[j] * dx * dy;
    syy += w[j] * dy * dy;
  }
  // Unbiased for weighted samples: divide by 1 - sum w^2 (= (n-1)/n for equal weights).
  const denom = 1 - w2;
  const f = denom > 1e-12 ? 1 / denom : 0;
  return { mean: Float64Array.of(mx, my), cov: Float64Array.of(sxx * f, sxy * f, syy * f), nEff: 1 / w2 };
}

/** Weighted quantile (linear in the cumulative weight) of one coordinate. */
function weightedQuantile(x: Float64Array, w: Float64Array, axis: number, p: number): number {
  const n = w.length;
  const idx = Array.from({ length: n }, (_, j) => j).sort((a, b) => x[2 * a + axis] - x[2 * b + axis]);
  let acc = 0;
  for (let r = 0; r < n; r++) {
    const j = idx[r];
    const next = acc + w[j];
    if (next >= p) {
      if (r === 0 || w[j] === 0) return x[2 * j + axis];
      // Interpolate between the previous order statistic and this one.
      const prev = x[2 * idx[r - 1] + axis];
      const t = (p - acc) / w[j];
      return prev + t * (x[2 * j + axis] - prev);
    }
    acc = next;
  }
  return x[2 * idx[n - 1] + axis];
}

/**
 * The eigenvalue floor: H = R diag(l1, l2) R^T with each l_k raised to
 * max(l_k, minEigRatio * l_max, minStd^2). Returns [h11, h12, h22].
 */
export function floorBandwidth(H: ArrayLike<number>, minStd: number, minEigRatio: number): Float64Array {
  const a = H[0], b = H[1], c = H[2];
  if (b === 0) {
    // Axis-aligned: the eigenvalues are the diagonal (no rotation, no rounding).
    const floor = Math.max(minEigRatio * Math.max(a, c, 0), minStd * minStd);
    return Float64Array.of(Math.max(a, floor), 0, Math.max(c, floor));
  }
  // Rotation angle of the eigenvectors: tan(2 phi) = 2b / (a - c).
  const phi = 0.5 * Math.atan2(2 * b, a - c);
  const cs = Math.cos(phi), sn = Math.sin(phi);
  let l1 = a * cs * cs + 2 * b * sn * cs + c * sn * sn;
  let l2 = a * sn * sn - 2 * b * sn * cs + c * cs * cs;
  const floor = Math.max(minEigRatio * Math.max(l1, l2, 0), minStd * minStd);
  l1 = Math.max(l1, floor);
  l2 = Math.max(l2, floor);
  return Float64Array.of(
    l1 * cs * cs + l2 * sn * sn,
    (l1 - l2) * sn * cs,
    l1 * sn * sn + l2 * cs * cs,
  );
}

/**
 * Leave-one-out log-likelihood of the points under the KDE with bandwidth H:
 * sum_i w_i log( sum_{j != i} w_j N(x_i; x_j, H) / sum_{j != i} w_j ). -Infinity for n = 1.
 */
function looLogLikelihood(x: Float64Array, w: Float64Array, H: Float64Array): number {
  const n = w.length;
  if (n < 2) return -Infinity;
  const det = H[0] * H[2] - H[1] * H[1];
  const a = H[2] / det, b = -H[1] / det, c = H[0] / det;
  const logNorm = -Math.log(2 * Math.PI) - 0.5 * Math.log(det);
  const m = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[2 * i], yi = x[2 * i + 1];
    let mMin = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = x[2 * j] - xi, dy = x[2 * j + 1] - yi;
      const q = a * dx * dx + 2 * b * dx * dy + c * dy * dy;
      m[j] = q;
      if (q < mMin) mMin = q;
    }
    let s = 0;
    for (let j = 0; j < n; j++) if (j !== i) s += w[j] * Math.exp(-0.5 * (m[j] - mMin));
    const rest = 1 - w[i];
    if (!(rest > 1e-12)) return -Infinity; // all the weight on one point: nothing held out
    total += w[i] * (Math.log(s / rest) - 0.5 * mMin + logNorm);
  }
  return total;
}

/**
 * H = [h11, h12, h22] by the configured rule (module doc), floored, and the factor c in
 * H = c^2 H_scott (1 for Scott, the chosen c for 'cv', NaN for Silverman).
 * @param x [n, 2] kernel centres; w [n] weights summing to 1
 */
export function bandwidth(x: Float64Array, w: Float64Array, cfg: KdeConfig): { H: Float64Array; factor: number } {
  const { cov, nEff } = moments(x, w);
  const floor = (H: ArrayLike<number>) => floorBandwidth(H, cfg.minStd, cfg.minEigRatio);
  const scott = Math.pow(nEff, -1 / 3); // n_eff^{-2/(d+4)} with d = 2
  const Hscott = Float64Array.of(scott * cov[0], scott * cov[1], scott * cov[2]);

  if (cfg.bandwidth === 'scott') return { H: floor(Hscott), factor: 1 };

  if (cfg.bandwidth === 'silverman') {
    const f = Math.pow(4 / (4 * nEff), 1 / 6); // (4 / ((d+2) n_eff))^{1/(d+4)}, d = 2
    const h = [0, 1].map((k) => {
      const sd = Math.sqrt(cov[k === 0 ? 0 : 2]);
      const iqr = weightedQuantile(x, w, k, 0.75) - weightedQuantile(x, w, k, 0.25);
      const A = iqr > 0 ? Math.min(sd, iqr / 1.349) : sd;
      return f * A;
    });
    return { H: floor([h[0] * h[0], 0, h[1] * h[1]]), factor: NaN };
  }

  // 'cv': leave-one-out likelihood over H(c) = c^2 H_scott (each candidate floored first).
  let best = cfg.cvScales[0], bestLl = -Infinity;
  for (const c of cfg.cvScales) {
    const ll = looLogLikelihood(x, w, floor(Hscott.map((h) => c * c * h)));
    if (ll > bestLl) {
      bestLl = ll;
      best = c;
    }
  }
  // n = 1 (or all weight on one point): no held-out likelihood, Scott's H stands.
  if (bestLl === -Infinity) best = 1;
  return { H: floor(Hscott.map((h) => best * best * h)), factor: best };
}
