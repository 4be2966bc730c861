/**
 * Tabular quantities estimated from sampled episodes, the way a practical meta-RL method
 * sees a task: the discounted visitation nu, the action values Q, the policy gradient, and
 * the adjoint of Q with respect to the sampling policy (for the meta-gradient), all from
 * one batch of episodes collected once by one policy.
 *
 * Estimators (every-visit Monte Carlo):
 *   nu_hat(s)   = (1 - gamma) / N sum_episodes sum_t gamma^t 1[s_t = s]
 *   Q_hat(s,a)  = mean of the discounted return-to-go G_t over the visits t of (s, a), and 0
 *                 for an action never tried: the importance-sampled surrogate of the paper,
 *                 E_{a~pi_phi}[pi_theta(a|s) / pi_phi(a|s) Q(s,a)], has no term for such an
 *                 action, as if its Q were 0
 *   sum c dQ/dtheta: the likelihood-ratio identity
 *       dQ(s,a)/dtheta = E[ sum_{t' >= 1} gamma^t' dlog pi(a_t'|s_t')/dtheta A(s_t',a_t') | s_0 = s, a_0 = a ]
 *     averaged over the visits of (s, a), with A from Q_hat (a state baseline adds no bias).
 * Returns-to-go are truncated at the episode's end (49 steps: at most gamma^(49-t)/(1-gamma)
 * off for late visits).
 *
 * References: Sutton & Barto 2018, Sec. 5.1 (every-visit Monte Carlo); R. J. Williams,
 * "Simple statistical gradient-following algorithms for connectionist reinforcement
 * learning", Machine Learning 8, 1992 (the likelihood-ratio gradient).
 */
import { LakeMdp } from '../envs/lake';
import { Rng } from '../core/rng';
import { discountedReturns, LakeEpisodes, rolloutTables, tableProbs } from '../policies/softmax-table';
import { evaluate, policyGradient, qAdjoint, visitationAdjoint } from './tabular';

/**
 * What the adaptation algorithm needs to know about pi_phi on a task: nu [S] and Q [S, A].
 * An exact `Evaluation` (tabular.ts) has both; so does a `SampleStats`.
 */
export interface TaskStats {
  nu: Float64Array;
  Q: Float64Array;
}

/** Sample estimates of one task's statistics under the policy that collected the episodes. */
export interface SampleStats extends TaskStats {
  /** Visits of each (s, a). [S, A] */
  counts: Int32Array;
  /** Episodes used. */
  episodes: number;
}

/** nu_hat and Q_hat from the rows of `ep` that ran on task `task`. */
export function estimateStats(ep: LakeEpisodes, task: number, gamma: number, S: number, A: number): SampleStats {
  const { T } = ep;
  const sumG = new Float64Array(S * A), counts = new Int32Array(S * A), nu = new Float64Array(S);
  let episodes = 0;
  for (let b = 0; b < ep.B; b++) {
    if (ep.taskOf[b] !== task) continue;
    episodes++;
    let G = 0;
    for (let t = T - 1; t >= 0; t--) {
      G = ep.rewards[b * T + t] + gamma * G;
      const k = ep.states[b * (T + 1) + t] * A + ep.actions[b * T + t];
      sumG[k] += G;
      counts[k]++;
    }
    let w = 1 - gamma;
    for (let t = 0; t < T; t++) {
      nu[ep.states[b * (T + 1) + t]] += w;
      w *= gamma;
    }
  }
  if (episodes === 0) throw new RangeError(`estimateStats: no episode of task ${task} in the batch`);
  for (let s = 0; s < S; s++) nu[s] /= episodes;
  const Q = new Float64Array(S * A);
  for (let k = 0; k < S * A; k++) Q[k] = counts[k] > 0 ? sumG[k] / counts[k] : 0;
  return { nu, Q, counts, episodes };
}

/**
 * The policy gradient from statistics: dJ/dtheta[s,a] ~ nu(s) / (1 - gamma) pi(a|s) (Q(s,a) - sum_b pi(b|s) Q(s,b)).
 * With exact nu and Q this is the exact gradient (tabular.ts `policyGradient`).
 */
export function statsPolicyGradient(stats: TaskStats, pi: ArrayLike<number>, gamma: number, A: number): Float64Array {
  const g = new Float64Array(pi.length);
  for (let o = 0, s = 0; o < pi.length; o += A, s++) {
    let v = 0;
    for (let a = 0; a < A; a++) v += pi[o + a] * stats.Q[o + a];
    for (let a = 0; a < A; a++) g[o + a] = (stats.nu[s] / (1 - gamma)) * pi[o + a] * (stats.Q[o + a] - v);
  }
  return g;
}

/**
 * The likelihood-ratio estimate of sum_{s,a} c[s,a] dQ(s,a)/dtheta from the episodes of
 * `task` (collected by pi). One backward-free pass: with w_t = c[s_t,a_t] / visits(s_t,a_t)
 * and kappa_t' = sum_{t < t'} gamma^(t'-t) w_t (kappa_t' = gamma (kappa_{t'-1} + w_{t'-1})),
 *   estimate += kappa_t' A_hat(s_t', a_t') dlog pi(a_t'|s_t')/dtheta.
 */
export function sampledQAdjoint(ep: LakeEpisodes, task: number, stats: SampleStats, pi: ArrayLike<number>, c: ArrayLike<number>, gamma: number, A: number): Float64Array {
  const { T } = ep, out = new Float64Array(pi.length);
  const S = pi.length / A, V = new Float64Array(S);
  for (let s = 0; s < S; s++) for (let a = 0; a < A; a++) V[s] += pi[s * A + a] * stats.Q[s * A + a];
  for (let b = 0; b < ep.B; b++) {
    if (ep.taskOf[b] !== task) continue;
    let kappa = 0, wPrev = 0;
    for (let t = 0; t < T; t++) {
      kappa = t === 0 ? 0 : gamma * (kappa + wPrev);
      const s = ep.states[b * (T + 1) + t], a = ep.actions[b * T + t], k = s * A + a;
      if (kappa !== 0) {
        const adv = stats.Q[k] - V[s];
        // dlog pi(a|s)/dtheta[s, b'] = 1[b' = a] - pi(b'|s)
        for (let a2 = 0; a2 < A; a2++) out[s * A + a2] += kappa * adv * ((a2 === a ? 1 : 0) - pi[s * A + a2]);
      }
      wPrev = stats.counts[k] > 0 ? c[k] / stats.counts[k] : 0;
    }
  }
  return out;
}

/**
 * Everything an algorithm may ask about a policy on a task, from one source (exact
 * linear solves, or one batch of episodes collected by the policy).
 */
export interface PolicyStats extends TaskStats {
  /** pi [S, A], the policy the statistics describe. */
  pi: Float64Array;
  /** dJ/dtheta [S, A]. */
  gradient: Float64Array;
  /** J: exact, or the mean sampled discounted return. */
  J: number;
  /** True when the statistics are exact functions of theta (not estimates from one batch). */
  exact: boolean;
  /** c [S, A] -> sum_{s,a} c[s,a] dQ(s,a)/dtheta [S, A]. */
  qAdjoint(c: ArrayLike<number>): Float64Array;
  /**
   * c [S] -> sum_s c[s] dnu(s)/dtheta [S, A], or null where the source leaves the
   * visitation's dependence on the policy out (the sampled source, as the slides' meta-gradient does).
   */
  nuAdjoint: ((c: ArrayLike<number>) => Float64Array) | null;
}

/** Where statistics of a policy table theta on a task come from. */
export type Estimator = (mdp: LakeMdp, theta: Float64Array) => PolicyStats;

/** Exact statistics: policy evaluation by linear solves (tabular.ts). */
export const exactEstimator: Estimator = (mdp, theta) => {
  const pi = tableProbs(theta, mdp.A);
  const ev = evaluate(mdp, pi);
  return {
    pi, nu: ev.nu, Q: ev.Q, J: ev.J, exact: true, gradient: policyGradient(mdp, ev),
    qAdjoint: (c) => qAdjoint(mdp, ev, c),
    nuAdjoint: (c) => visitationAdjoint(mdp, ev, c),
  };
};

/**
 * Statistics from `episodes` fresh episodes of `horizon` steps collected by the policy on
 * the task each time it is asked (data collected once per policy, as in the paper).
 */
export function sampledEstimator(episodes: number, horizon: number, rng: Rng): Estimator {
  if (!(Number.isInteger(episodes) && episodes >= 1)) throw new RangeError(`sampledEstimator: episodes must be a positive integer, got ${episodes}`);
  return (mdp, theta) => {
    const pi = tableProbs(theta, mdp.A);
    const ep = rolloutTables([mdp], [pi], new Int32Array(episodes), new Int32Array(episodes), horizon, rng);
    const st = estimateStats(ep, 0, mdp.gamma, mdp.S, mdp.A);
    const ret = discountedReturns(ep, mdp.gamma);
    let J = 0;
    for (let b = 0; b < ret.length; b++) J += ret[b] / ret.length;
    return {
      pi, nu: st.nu, Q: st.Q, J, exact: false, gradient: statsPolicyGradient(st, pi, mdp.gamma, mdp.A),
      qAdjoint: (c) => sampledQAdjoint(ep, 0, st, pi, c, mdp.gamma, mdp.A),
      nuAdjoint: null,
    };
  };
}
