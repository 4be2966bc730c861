/**
 * The two upper bounds of paper 001 on the Jensen-Shannon divergence J from the symmetric
 * KL S (Sec. IV, after Def. 4), with S(p, q) = (KL(p||q) + KL(q||p)) / 2:
 *
 *   J <= S / 2                         (the loose bound)
 *   J <= ln(2 / (1 + e^{-S}))          (the tighter bound; cf. Crooks 2008, stated for Jeffreys' 2S)
 *
 * The second is always at least as tight: 2/(1+e^{-S}) <= e^{S/2}  <=>  2 <= e^{S/2} + e^{-S/2}
 * = 2 cosh(S/2). For diagonal Gaussians (continuous actions) KL and S have closed forms;
 * J has none, so `gaussianJensenShannonMc` estimates it by Monte Carlo.
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note), Sec. IV.
 * G. E. Crooks, "Inequalities between the Jensen-Shannon and Jeffreys divergences",
 * technical note, 2008.
 */
import { check } from '../core/config';
import { Rng } from '../core/rng';
import { jensenShannon, symmetricKl } from './jensen';

// ---------------------------------------------------------------------------------------
// The two upper bounds on J from the symmetric KL S
// ---------------------------------------------------------------------------------------

function checkS(S: number, where: string): void {
  if (!(S >= 0)) throw new RangeError(`${where}: the symmetric KL S must be >= 0 (or +Infinity), got ${S}`);
}

/** The loose bound J <= S/2. `S` may be +Infinity. */
export function jsBoundHalfS(S: number): number {
  checkS(S, 'jsBoundHalfS');
  return S / 2;
}

/**
 * The tighter bound J <= ln(2 / (1 + e^{-S})), computed as -log1p(expm1(-S)/2) so that it
 * stays accurate for small S (where it is S/2 - S^2/8 + ...). Equals ln 2 at S = +Infinity.
 */
export function jsBoundLog(S: number): number {
  checkS(S, 'jsBoundLog');
  return -Math.log1p(Math.expm1(-S) / 2);
}

/** J, S and both bounds on J for one pair of discrete distributions. */
export interface JsBounds {
  /** Jensen-Shannon divergence J(p, q), natural log. */
  js: number;
  /** Symmetric KL S(p, q) = (KL(p||q) + KL(q||p)) / 2; +Infinity when supports differ. */
  symKl: number;
  /** S / 2. */
  boundHalfS: number;
  /** ln(2 / (1 + e^{-S})). */
  boundLog: number;
}

/** J(p, q), S(p, q) and both of the paper's upper bounds for discrete p, q (same length). */
export function jsAndBounds(p: ArrayLike<number>, q: ArrayLike<number>): JsBounds {
  const symKl = symmetricKl(p, q);
  return { js: jensenShannon(p, q), symKl, boundHalfS: jsBoundHalfS(symKl), boundLog: jsBoundLog(symKl) };
}

// ---------------------------------------------------------------------------------------
// Diagonal Gaussians (continuous actions)
// ---------------------------------------------------------------------------------------

/**
 * A diagonal Gaussian N(mean, diag(std^2)).
 *
 * | Field | Shape | Description                   |
 * |-------|-------|-------------------------------|
 * | mean  | [d]   | mean mu                       |
 * | std   | [d]   | standard deviations sigma > 0 |
 */
export interface DiagGaussian {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

function checkGaussians(p: DiagGaussian, q: DiagGaussian, where: string): number {
  const d = p.mean.length;
  if (p.std.length !== d || q.mean.length !== d || q.std.length !== d) {
    throw new RangeError(`${where}: dimensions differ (p: ${p.mean.length}/${p.std.length}, q: ${q.mean.length}/${q.std.length})`);
  }
  for (const [name, g] of [['p', p], ['q', q]] as const) {
    for (let i = 0; i < d; i++) {
      if (!(g.std[i] > 0) || !Number.isFinite(g.std[i])) throw new RangeError(`${where}: ${name}.std[${i}] must be a positive finite number, got ${g.std[i]}`);
      if (!Number.isFinite(g.mean[i])) throw new RangeError(`${where}: ${name}.mean[${i}] must be finite, got ${g.mean[i]}`);
    }
  }
  return d;
}

/**
 * KL(p || q) for diagonal Gaussians:
 *   sum_i [ ln(sigma_q,i / sigma_p,i) + (sigma_p,i^2 + (mu_p,i - mu_q,i)^2) / (2 sigma_q,i^2) - 1/2 ]
 */
export function gaussianKl(p: DiagGaussian, q: DiagGaussian): number {
  const d = checkGaussians(p, q, 'gaussianKl');
  let s = 0;
  for (let i = 0; i < d; i++) {
    const dm = p.mean[i] - q.mean[i], vp = p.std[i] * p.std[i], vq = q.std[i] * q.std[i];
    s += Math.log(q.std[i] / p.std[i]) + (vp + dm * dm) / (2 * vq) - 0.5;
  }
  return s;
}

/**
 * S(p, q) = (KL(p||q) + KL(q||p)) / 2 for diagonal Gaussians; the log terms cancel:
 *   sum_i [ (sigma_p^2 + dmu^2) / (4 sigma_q^2) + (sigma_q^2 + dmu^2) / (4 sigma_p^2) - 1/2 ]
 */
export function gaussianSymmetricKl(p: DiagGaussian, q: DiagGaussian): number {
  const d = checkGaussians(p, q, 'gaussianSymmetricKl');
  let s = 0;
  for (let i = 0; i < d; i++) {
    const dm = p.mean[i] - q.mean[i], vp = p.std[i] * p.std[i], vq = q.std[i] * q.std[i];
    s += (vp + dm * dm) / (4 * vq) + (vq + dm * dm) / (4 * vp) - 0.5;
  }
  return s;
}

/** Closed-form S and both bounds on J for two diagonal Gaussians (J itself has no closed form). */
export function gaussianJsBounds(p: DiagGaussian, q: DiagGaussian): { symKl: number; boundHalfS: number; boundLog: number } {
  const symKl = gaussianSymmetricKl(p, q);
  return { symKl, boundHalfS: jsBoundHalfS(symKl), boundLog: jsBoundLog(symKl) };
}

/** ln N(x; mean, diag(std^2)). @param x [d] */
export function gaussianLogDensity(g: DiagGaussian, x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < g.mean.length; i++) {
    const z = (x[i] - g.mean[i]) / g.std[i];
    s += -0.5 * z * z - Math.log(g.std[i]) - 0.5 * Math.log(2 * Math.PI);
  }
  return s;
}

/** One draw x ~ N(mean, diag(std^2)), [d]; d normal draws from `rng`. */
export function gaussianSample(g: DiagGaussian, rng: Rng): Float64Array {
  const x = new Float64Array(g.mean.length);
  for (let i = 0; i < x.length; i++) x[i] = g.mean[i] + g.std[i] * rng.normal();
  return x;
}

/**
 * Monte Carlo estimate of J(p, q) for diagonal Gaussians, n draws from each:
 *   J = 1/2 E_p[ln p(x) - ln m(x)] + 1/2 E_q[ln q(x) - ln m(x)],  m = (p + q)/2,
 * with ln m = logsumexp(ln p, ln q) - ln 2. Returns the estimate and its standard error.
 */
export function gaussianJensenShannonMc(p: DiagGaussian, q: DiagGaussian, n: number, rng: Rng): { js: number; stderr: number } {
  checkGaussians(p, q, 'gaussianJensenShannonMc');
  check.positiveInt('gaussianJensenShannonMc', 'n', n);
  const term = (lp: number, lq: number, own: number) => {
    const hi = Math.max(lp, lq);
    const lm = hi + Math.log(Math.exp(lp - hi) + Math.exp(lq - hi)) - Math.LN2;
    return own - lm;
  };
  // Each sample pairs one draw from p with one from q: z_k = (term_p + term_q) / 2.
  let sum = 0, sum2 = 0;
  for (let k = 0; k < n; k++) {
    const xp = gaussianSample(p, rng), xq = gaussianSample(q, rng);
    const lpp = gaussianLogDensity(p, xp), lqp = gaussianLogDensity(q, xp);
    const lpq = gaussianLogDensity(p, xq), lqq = gaussianLogDensity(q, xq);
    const z = 0.5 * term(lpp, lqp, lpp) + 0.5 * term(lpq, lqq, lqq);
    sum += z;
    sum2 += z * z;
  }
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sum2 - n * mean * mean) / (n - 1)) : 0;
  return { js: Math.max(0, mean), stderr: Math.sqrt(variance / n) };
}
