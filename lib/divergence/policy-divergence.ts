/**
 * Policy divergence estimated from observed trajectories: paper 000, Algorithm 1,
 * lines 7-16.
 *
 *   8:  fit the type-specific KDE q_i = q(tau'_i) of each policy's visited states
 *   9:  pool the trajectories tau'_{1:N}
 *   10: fit the pooled KDE q = q(tau'_{1:N}) and draw S states s ~ q
 *   12: evaluate pi_i(.|s) for every policy (one batched forward pass) and q_i(s)
 *   13: rho_i_s = pi_i(.|s) q_i(s)
 *   15: pairwise Jensen-Shannon divergences
 *   16: D_ij = sum_s JS(rho_i_s, rho_j_s) q(s)
 *
 * The pooled KDE is fitted to the concatenated visited states, as line 10 says, so every
 * visited state weighs the same (a policy whose episodes run longer weighs more).
 *
 * Lines 8-13 are `divergenceSample` (the random part, done once); lines 15-16 are
 * `divergenceMatrix`, which turns one sample into a matrix for any of the estimators
 * below, so that the variants can be compared on the same sampled states.
 *
 * The paper's normalisation is ambiguous (rho_i_s is not a distribution, and the sum of
 * line 16 both samples from q and weights by q). `estimator` picks one reading; in every
 * formula s_1..s_S ~ q, JS is natural-log Jensen-Shannon as in `jensen.ts`, A = 4 actions:
 *
 * - 'literal' (default): the paper as written,
 *     D_ij = sum_{s=1..S} JS(rho_i_s, rho_j_s) q(s),   rho_i_s[a] = pi_i(a|s) q_i(s),
 *   with JS evaluated on the unnormalised 4-vectors as given (jensen.ts:
 *   JS(x, y) = sum_a 1/2 x_a ln(x_a/m_a) + 1/2 y_a ln(y_a/m_a), m = (x+y)/2). It is a sum,
 *   so it grows linearly with S; D/S is the Monte Carlo estimate of
 *   integral JS(rho_i(s), rho_j(s)) q(s)^2 ds. Since JS(c x, c y) = c JS(x, y), states where
 *   both policies are frequent dominate.
 * - 'policy': the policy metric d_P of paper 001 (Definition 2) with q_S = the pooled KDE,
 *     D_ij = 1/S sum_{s=1..S} sqrt(JS(pi_i(.|s), pi_j(.|s))),
 *   the Monte Carlo estimate of E_{s~q}[sqrt JS]. It ignores where each policy goes (no
 *   q_i) and is a true (pseudo-)metric on any sample: a mean of metrics. Bounded by sqrt(ln 2).
 * - 'occupancy': JS between the normalised state-action occupancy measures
 *   d_i(s) pi_i(a|s), with d_i = q_i represented on the S samples by self-normalised
 *   importance weights (the samples come from q, not q_i):
 *     w_i(s) = q_i(s) / q(s),   rho~_i(s, a) = pi_i(a|s) w_i(s) / sum_{s'} w_i(s'),
 *     D_ij = JS(rho~_i, rho~_j)   over the S*A entries (each rho~_i sums to 1).
 *   Bounded by ln 2; it sees both where the policies go and what they do there.
 *
 * All three give a symmetric [N, N] matrix with a zero diagonal, and exactly zero between
 * a policy and its clone observed on the same trajectories.
 *
 * References
 * - M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020, Sec. 3.1, Algorithm 1, App. 6.3.
 * - A. Zahed, "Policy Metrics for Hindsight MAML" (idea note), Definition 2 (policy metric d_P).
 * - J. Lin, Divergence measures based on the Shannon entropy, IEEE T-IT 1991 (paper 000 ref. [7]).
 */
import { check } from '../core/config';
import { int, Resolved, resolver, section, z } from '../core/schema';
import { jsSpanXlogx, xlogx } from './jensen';
import { fitKde, Kde, kdeSchema, logDensity, sampleKde } from './kde';
import { batchedActionProbs, PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { TrajectoryBatch, visitedStates } from '../policies/rollout';

export const DIVERGENCE_ESTIMATORS = ['literal', 'policy', 'occupancy'] as const;
export type DivergenceEstimator = (typeof DIVERGENCE_ESTIMATORS)[number];

export const divergenceSchema = section({
  estimator: z.enum(DIVERGENCE_ESTIMATORS).default('literal').describe("reading of Alg. 1, l.13-16: 'literal' (the paper's sum), 'policy' (d_P of paper 001) or 'occupancy' (JS of importance-weighted occupancy measures); formulas in the module doc"),
  samples: int.positive().default(1000).describe('S: number of states drawn from the pooled KDE (Alg. 1, l.10)'),
  kde: kdeSchema.default({}).describe('settings of every KDE: the N type-specific ones and the pooled one'),
});
export type DivergenceConfig = Resolved<typeof divergenceSchema>;
export const divergenceConfig = resolver('divergence config', divergenceSchema);
export const DIVERGENCE_DEFAULTS: DivergenceConfig = divergenceConfig();

/**
 * Everything Algorithm 1 computes before the pairwise divergences (l.8-13).
 *
 * | Field       | Shape     | Description                                          |
 * |-------------|-----------|------------------------------------------------------|
 * | N, S, A     |           | policies, sampled states, actions                    |
 * | states      | [S, 2]    | s_1..s_S ~ q(tau'_{1:N}) (l.10)                       |
 * | logPooled   | [S]       | log q(tau'_{1:N})(s)                                 |
 * | logType     | [N, S]    | log q(tau'_i)(s) (l.12)                              |
 * | probs       | [N, S, A] | pi_i(a|s) (l.12)                                     |
 * | kdes        | N         | the type-specific KDEs (l.8)                         |
 * | pooled      |           | the pooled KDE (l.10)                                |
 */
export interface DivergenceSample {
  N: number;
  S: number;
  A: number;
  states: Float64Array;
  logPooled: Float64Array;
  logType: Float64Array;
  probs: Float64Array;
  kdes: Kde[];
  pooled: Kde;
}

/**
 * The visited states of each policy's rows, concatenated: out[i] holds s_0..s_{L_b} of
 * every row b with policyOf[b] = i, as [sum_b (L_b + 1), 2]. Rows of `rolloutPaired`
 * (b = i*K + k) give one array per policy.
 * @param N number of policies (default: max policyOf + 1); each must have a row
 */
export function statesByPolicy(batch: TrajectoryBatch, N?: number): Float32Array[] {
  let max = -1;
  for (let b = 0; b < batch.B; b++) max = Math.max(max, batch.policyOf[b]);
  const n = N ?? max + 1;
  if (max >= n) throw new RangeError(`statesByPolicy: row policy index ${max} is not below N = ${n}`);
  const parts: Float32Array[][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < batch.B; b++) parts[batch.policyOf[b]].push(visitedStates(batch, b));
  return parts.map((ps, i) => {
    if (ps.length === 0) throw new RangeError(`statesByPolicy: policy ${i} has no rows in the batch`);
    const out = new Float32Array(ps.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of ps) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  });
}

/**
 * Alg. 1, l.8-13: the KDEs, S states from the pooled KDE, the densities of every KDE
 * at them and every policy's action probabilities there (one batched forward pass).
 * @param thetas N flat policy parameter vectors
 * @param states N arrays of visited states, states[i] as [L_i, 2] (tau'_i)
 * @param rng draws the S states (3 draws per state)
 */
export function divergenceSample(thetas: readonly Float32Array[], states: readonly ArrayLike<number>[],
  cfg: DivergenceConfig, spec: PolicySpec, rng: Rng): DivergenceSample {
  const c = cfg;
  const N = thetas.length, S = c.samples, A = spec.nActions;
  if (N === 0) throw new RangeError('divergenceSample: need at least one policy');
  if (states.length !== N) throw new RangeError(`divergenceSample: ${states.length} state arrays for ${N} policies`);
  if (spec.obsDim !== 2) throw new RangeError(`divergenceSample: the KDEs are over 2D states, got obsDim ${spec.obsDim}`);
  // Alg. 1, l.8: type-specific KDEs q(tau'_i).
  const kdes = states.map((s, i) => {
    try {
      return fitKde(s, c.kde);
    } catch (e) {
      throw new RangeError(`divergenceSample: states of policy ${i}: ${(e as Error).message}`);
    }
  });
  // Alg. 1, l.9-10: the pooled trajectories tau'_{1:N}, their KDE, and s ~ q(tau'_{1:N}).
  const total = states.reduce((s, x) => s + x.length, 0);
  const all = new Float64Array(total);
  let o = 0;
  for (const s of states) {
    all.set(s, o);
    o += s.length;
  }
  const pooled = fitKde(all, c.kde);
  const sampled = sampleKde(pooled, S, rng);
  const logPooled = logDensity(pooled, sampled);
  // Alg. 1, l.12: q(tau'_i)(s), each KDE evaluated once on all S states ...
  const logType = new Float64Array(N * S);
  kdes.forEach((k, i) => logType.set(logDensity(k, sampled), i * S));
  // ... and pi_i(.|s) for all N policies and S states in one forward pass.
  const p32 = batchedActionProbs(thetas, Float32Array.from(sampled), spec);
  const probs = new Float64Array(N * S * A);
  p32.forEach((p, i) => probs.set(p, i * S * A));
  return { N, S, A, states: sampled, logPooled, logType, probs, kdes, pooled };
}

/**
 * Alg. 1, l.15-16: the pairwise divergence matrix of one sample under `estimator`
 * (formulas in the module doc).
 * @returns D [N, N] row-major, symmetric, zero diagonal
 */
export function divergenceMatrix(sample: DivergenceSample, estimator: DivergenceEstimator): Float64Array {
  check.oneOf('divergenceMatrix', 'estimator', estimator, DIVERGENCE_ESTIMATORS);
  const { N, S, A, probs, logType, logPooled } = sample;
  const SA = S * A;
  const D = new Float64Array(N * N);
  // The per-policy vectors compared pairwise, [N, S, A], with their x ln x.
  const v = new Float64Array(N * SA);
  if (estimator === 'literal') {
    // Alg. 1, l.13: rho_i_s[a] = pi_i(a|s) q_i(s).
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < S; s++) {
        const q = Math.exp(logType[i * S + s]);
        for (let a = 0; a < A; a++) v[i * SA + s * A + a] = probs[i * SA + s * A + a] * q;
      }
    }
  } else if (estimator === 'policy') {
    v.set(probs);
  } else {
    // rho~_i(s, a) = pi_i(a|s) w_i(s) / sum_s' w_i(s'), w_i = q_i / q, normalised in the log domain.
    const lw = new Float64Array(S);
    for (let i = 0; i < N; i++) {
      let mx = -Infinity;
      for (let s = 0; s < S; s++) {
        lw[s] = logType[i * S + s] - logPooled[s];
        if (lw[s] > mx) mx = lw[s];
      }
      let z = 0;
      for (let s = 0; s < S; s++) z += Math.exp(lw[s] - mx);
      const logZ = mx + Math.log(z);
      for (let s = 0; s < S; s++) {
        const w = Math.exp(lw[s] - logZ);
        for (let a = 0; a < A; a++) v[i * SA + s * A + a] = probs[i * SA + s * A + a] * w;
      }
    }
  }
  const f = v.map(xlogx);
  const qPooled = logPooled.map(Math.exp);
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      let d = 0;
      if (estimator === 'occupancy') {
        d = jsSpanXlogx(v, f, i * SA, j * SA, SA);
      } else {
        for (let s = 0; s < S; s++) {
          const js = jsSpanXlogx(v, f, i * SA + s * A, j * SA + s * A, A);
          // l.16 weights by q(s); d_P averages sqrt(JS) over s ~ q.
          d += estimator === 'literal' ? js * qPooled[s] : Math.sqrt(js);
        }
        if (estimator === 'policy') d /= S;
      }
      D[i * N + j] = d;
      D[j * N + i] = d;
    }
  }
  return D;
}

export interface DivergenceResult {
  /** [N, N] pairwise divergences, symmetric, zero diagonal. */
  D: Float64Array;
  N: number;
  /** The sampled states, densities, action probabilities and KDEs behind D. */
  sample: DivergenceSample;
  /** The resolved config. */
  config: DivergenceConfig;
}

/**
 * Algorithm 1, l.7-16 in one call: divergence matrix of N policies from their post-update
 * trajectories tau'_i.
 * @param thetas N flat policy parameter vectors
 * @param states N arrays of visited states [L_i, 2] (e.g. `statesByPolicy(batch)`)
 * @param cfg resolved settings (`divergenceConfig({...})`)
 * @param rng draws the S states from the pooled KDE
 */
export function policyDivergence(thetas: readonly Float32Array[], states: readonly ArrayLike<number>[],
  cfg: DivergenceConfig, spec: PolicySpec, rng: Rng): DivergenceResult {
  const config = cfg;
  const sample = divergenceSample(thetas, states, config, spec, rng);
  return { D: divergenceMatrix(sample, config.estimator), N: sample.N, sample, config };
}
