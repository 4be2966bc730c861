/**
 * Importance weights of off-policy steps and their effective sample size: the ratios
 * rho_t = pi(a_t|s_t) / beta(a_t|s_t) of steps drawn by a behaviour policy beta, combined
 * per trajectory or per decision, clipped or self-normalised, and the ESS of a weight
 * vector. Used by paper 001's replay (hindsight-replay.ts).
 *
 * References: D. Precup, R. S. Sutton, S. Singh, "Eligibility Traces for Off-Policy Policy
 * Evaluation", ICML 2000. A. Kong, "A note on importance sampling using standardized
 * weights", 1992. E. Ionides, "Truncated importance sampling", JCGS 17(2), 2008.
 */
import { num, Resolved, resolver, section, z } from '../core/schema';

export const RATIO_KINDS = ['trajectory', 'perDecision'] as const;
export type RatioKind = (typeof RATIO_KINDS)[number];
export const WEIGHTINGS = ['clipped', 'selfNormalized'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

export const importanceSchema = section({
  ratio: z.enum(RATIO_KINDS).default('perDecision').describe("'trajectory': w = prod of rho over the whole row; 'perDecision': w_t = prod of rho up to step t"),
  weighting: z.enum(WEIGHTINGS).default('selfNormalized').describe("'clipped': w <- min(w, clip); 'selfNormalized': w <- w / mean over the rows running at t"),
  clip: num.positive().default(1).describe("the cap c of min(w, c); used when weighting = 'clipped'"),
});
export type ImportanceConfig = Resolved<typeof importanceSchema>;
export const importanceConfig = resolver('importance config', importanceSchema);
export const IMPORTANCE_DEFAULTS: ImportanceConfig = importanceConfig();

/**
 * ESS / n = (sum w)^2 / (n sum w^2), in [1/n, 1] for non-negative weights that are not all
 * 0 (1 when all are equal, 1/n when one carries everything); 0 when all weights are 0.
 */
export function effectiveSampleSize(w: ArrayLike<number>): number {
  const n = w.length;
  if (n === 0) throw new RangeError('effectiveSampleSize: no weights');
  let s = 0, s2 = 0;
  for (let i = 0; i < n; i++) {
    if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new RangeError(`effectiveSampleSize: weight ${i} is ${w[i]}, expected a finite number >= 0`);
    s += w[i];
    s2 += w[i] * w[i];
  }
  return s2 > 0 ? Math.min(1, (s * s) / (n * s2)) : 0;
}

/** Importance weights of buffered steps and their diagnostics. */
export interface ImportanceWeights {
  /** w_{b,t} as used by the update, [B, T]; 0 where mask = 0. */
  w: Float64Array;
  /** Number n of weighted (mask = 1) steps. */
  n: number;
  /** ESS / n of the n weights used (`effectiveSampleSize`). */
  ess: number;
  /** Largest weight used. */
  maxWeight: number;
  /** Mean of ln rho_t over the n steps: ~0 when target and behaviour agree on the data. */
  meanLogRatio: number;
}

/**
 * Importance weights for buffered trajectories (see the module comment for the kinds).
 * Products are taken in log space; self-normalisation subtracts the per-step maximum
 * before exponentiating, so long horizons do not overflow.
 * @param logTarget [B, T] ln pi(a_t | s_t) under the target (current) policy
 * @param logBehaviour [B, T] ln beta(a_t | s_t) stored with the trajectories
 * @param mask [B, T]
 */
export function importanceWeights(logTarget: ArrayLike<number>, logBehaviour: ArrayLike<number>, mask: ArrayLike<number>, B: number, T: number,
  cfg: ImportanceConfig): ImportanceWeights {
  if (logTarget.length !== B * T || logBehaviour.length !== B * T || mask.length !== B * T) {
    throw new RangeError(`importanceWeights: logTarget, logBehaviour and mask must be [B, T] = ${B * T}, got ${logTarget.length}, ${logBehaviour.length}, ${mask.length}`);
  }
  // ln w_{b,t}: cumulative sums of ln rho (perDecision) or the row total (trajectory).
  const lw = new Float64Array(B * T);
  let n = 0, sumLogRatio = 0;
  for (let b = 0; b < B; b++) {
    let acc = 0;
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (!mask[k]) continue;
      const lr = logTarget[k] - logBehaviour[k];
      acc += lr;
      lw[k] = acc;
      sumLogRatio += lr;
      n++;
    }
    if (cfg.ratio === 'trajectory') for (let t = 0; t < T; t++) if (mask[b * T + t]) lw[b * T + t] = acc;
  }
  const w = new Float64Array(B * T);
  if (cfg.weighting === 'clipped') {
    const lc = Math.log(cfg.clip);
    for (let k = 0; k < B * T; k++) if (mask[k]) w[k] = Math.exp(Math.min(lw[k], lc));
  } else {
    for (let t = 0; t < T; t++) {
      let hi = -Infinity, count = 0;
      for (let b = 0; b < B; b++) {
        if (mask[b * T + t]) {
          hi = Math.max(hi, lw[b * T + t]);
          count++;
        }
      }
      if (count === 0) continue;
      let sum = 0;
      for (let b = 0; b < B; b++) if (mask[b * T + t]) sum += (w[b * T + t] = Math.exp(lw[b * T + t] - hi));
      for (let b = 0; b < B; b++) if (mask[b * T + t]) w[b * T + t] *= count / sum;
    }
  }
  const used: number[] = [];
  let maxWeight = 0;
  for (let k = 0; k < B * T; k++) {
    if (!mask[k]) continue;
    used.push(w[k]);
    maxWeight = Math.max(maxWeight, w[k]);
  }
  return { w, n, ess: n > 0 ? effectiveSampleSize(used) : 0, maxWeight, meanLogRatio: n > 0 ? sumLogRatio / n : 0 };
}
