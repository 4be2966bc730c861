/**
 * Meta-Q-Learning's covariate-shift correction (Fakoor et al., ICLR 2020, Sec. 4.2; slides
 * eq. 19 and the ESS box): how much each transition of the meta-training replay buffer
 * D_meta looks like the new task's data D_new.
 *
 * 1. A logistic regression tells the context features of D_new (class 1) from those of
 *    D_meta (class 0). Its log-odds f(x) = w . x + b estimate log P(new | x) / P(meta | x).
 * 2. The propensity weight of a meta-training transition x is the density ratio
 *
 *      beta(x) = P(x in D_new) / P(x in D_meta) = exp( f(x) + log(n_meta / n_new) ),
 *
 *    the odds corrected for the two class sizes (so E_meta[beta] is about 1 whatever the
 *    sample sizes), with log beta clipped at `betaClip` as the authors' code does.
 * 3. The normalised effective sample size of m weights,
 *
 *      ESS = (sum_k beta_k)^2 / (m sum_k beta_k^2)  in [1/m, 1],
 *
 *    is 1 when every transition is equally relevant and 1/m when one transition carries
 *    all the weight; the proximal coefficient is lambda = 1 - ESS (clipped ESS, see
 *    `essClip`): the less the meta-training data covers the new task, the more the
 *    adaptation stays near theta_meta.
 *
 * References: R. Fakoor, P. Chaudhari, S. Soatto, A. J. Smola, "Meta-Q-Learning",
 * ICLR 2020, https://arxiv.org/abs/1910.00125 (code: github.com/amazon-research/meta-q-learning).
 */
import { fitLogistic, LogisticModel, logOdds } from '../core/logistic-regression';
import { int, num, Resolved, resolver, section, unit, z } from '../core/schema';

export const propensitySchema = section({
  C: num.positive().default(0.5).describe('inverse L2 penalty of the logistic regression, scikit-learn\'s C (authors\' lam_csc: 0.5 by default, 0.05-0.5 per environment)'),
  betaClip: num.positive().default(1).describe('log beta is clipped at this value, so beta <= exp(betaClip) (authors\' beta_clip: 1 by default, 1-2 per environment)'),
  essClip: z.tuple([unit, unit]).default([0, 1]).describe('[lo, hi] within [0, 1]: the ESS is clipped to it before lambda = 1 - ESS (default: no clipping)'),
  metaSamples: int.positive().default(4).describe('meta-training transitions drawn for the fit, as a multiple of |D_new| (authors: about as many as |D_new|, spread over the training tasks)'),
}).superRefine((c, ctx) => {
  if (c.essClip[0] > c.essClip[1]) ctx.addIssue({ code: 'custom', path: ['essClip'], message: `must be [lo, hi] with lo <= hi, got ${JSON.stringify(c.essClip)}` });
});
export type PropensityConfig = Resolved<typeof propensitySchema>;
export const propensityConfig = resolver('propensity config', propensitySchema);

/** A fitted propensity model. */
export interface Propensity {
  /** The logistic regression: log-odds of "new" against "meta". */
  model: LogisticModel;
  /** log(n_meta / n_new): turns the fitted odds into a density ratio. */
  logPrior: number;
  /** log beta is clipped at this value. */
  betaClip: number;
}

/**
 * Fit the propensity model (step 1) on context features of D_new [nNew, D] and of
 * D_meta [nMeta, D], both row-major.
 */
export function fitPropensity(featNew: ArrayLike<number>, featMeta: ArrayLike<number>, D: number, cfg: PropensityConfig): Propensity {
  const nNew = featNew.length / D, nMeta = featMeta.length / D;
  if (!Number.isInteger(nNew) || nNew < 1) throw new RangeError(`fitPropensity: featNew must hold whole rows of D = ${D} features, got ${featNew.length} numbers`);
  if (!Number.isInteger(nMeta) || nMeta < 1) throw new RangeError(`fitPropensity: featMeta must hold whole rows of D = ${D} features, got ${featMeta.length} numbers`);
  const X = new Float64Array((nNew + nMeta) * D), y = new Float64Array(nNew + nMeta);
  for (let i = 0; i < nNew * D; i++) X[i] = featNew[i];
  for (let i = 0; i < nMeta * D; i++) X[nNew * D + i] = featMeta[i];
  y.fill(1, 0, nNew);
  return { model: fitLogistic(X, y, D, { C: cfg.C }), logPrior: Math.log(nMeta / nNew), betaClip: cfg.betaClip };
}

/** beta(x) = exp(min(f(x) + logPrior, betaClip)) for rows X [N, D] (step 2); [N]. */
export function propensityWeights(p: Propensity, X: ArrayLike<number>): Float32Array {
  const f = logOdds(p.model, X);
  const beta = new Float32Array(f.length);
  for (let i = 0; i < f.length; i++) beta[i] = Math.exp(Math.min(f[i] + p.logPrior, p.betaClip));
  return beta;
}

/**
 * Normalised effective sample size (step 3): (sum beta)^2 / (m sum beta^2), in [1/m, 1]
 * for non-negative weights not all zero; 0 when every weight is 0 (nothing is relevant).
 */
export function effectiveSampleSize(beta: ArrayLike<number>): number {
  const m = beta.length;
  if (m === 0) throw new RangeError('effectiveSampleSize: needs at least one weight');
  let s = 0, s2 = 0;
  for (let k = 0; k < m; k++) {
    if (!(beta[k] >= 0)) throw new RangeError(`effectiveSampleSize: beta[${k}] must be >= 0, got ${beta[k]}`);
    s += beta[k];
    s2 += beta[k] * beta[k];
  }
  return s2 === 0 ? 0 : Math.min(1, (s * s) / (m * s2));
}

/** lambda = 1 - ESS, with the ESS clipped to `cfg.essClip` first. */
export function essProximalCoefficient(ess: number, cfg: PropensityConfig): number {
  const [lo, hi] = cfg.essClip;
  return 1 - Math.min(hi, Math.max(lo, ess));
}
