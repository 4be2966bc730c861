/**
 * The softmax table policy of BO-MRL's lake experiment: one logit per (state, action),
 * theta in R^{S x A} (16 x 4 on the 4 x 4 lake), pi_theta(a|s) = exp(theta[s,a]) / sum_b exp(theta[s,b]).
 *
 * Tables are row-major Float64Arrays [S * A]. Softmax is invariant to adding a constant to
 * a state's row; functions here never rely on a particular row offset.
 *
 * Episodes on the lake are sampled here, batched over typed arrays: B agents, possibly on
 * different maps and under different tables, advance in lock-step through `lake.step`.
 */
import { LakeMdp, N_LAKE_ACTIONS, step } from '../envs/lake';
import { Rng } from '../core/rng';

/** pi[s, a] = softmax(theta[s, :])[a]. [S * A] */
export function tableProbs(theta: ArrayLike<number>, A: number = N_LAKE_ACTIONS): Float64Array {
  const n = theta.length, pi = new Float64Array(n);
  for (let o = 0; o < n; o += A) {
    let mx = -Infinity;
    for (let a = 0; a < A; a++) mx = Math.max(mx, theta[o + a]);
    let z = 0;
    for (let a = 0; a < A; a++) z += (pi[o + a] = Math.exp(theta[o + a] - mx));
    for (let a = 0; a < A; a++) pi[o + a] /= z;
  }
  return pi;
}

/** A table of small Gaussian logits (a near-uniform policy): theta ~ N(0, scale^2). */
export function randomTable(S: number, A: number, rng: Rng, scale = 0.01): Float64Array {
  const t = new Float64Array(S * A);
  for (let i = 0; i < t.length; i++) t[i] = scale * rng.normal();
  return t;
}

/** Each state's row shifted to mean 0 (the canonical representative of a softmax table). */
export function centerRows(theta: ArrayLike<number>, A: number = N_LAKE_ACTIONS): Float64Array {
  const out = Float64Array.from(theta);
  for (let o = 0; o < out.length; o += A) {
    let m = 0;
    for (let a = 0; a < A; a++) m += out[o + a];
    m /= A;
    for (let a = 0; a < A; a++) out[o + a] -= m;
  }
  return out;
}

/**
 * B episodes of T steps on the lake, never ended early (goal and holes are absorbing).
 *
 * | Field   | Shape      | Meaning                                     |
 * |---------|------------|---------------------------------------------|
 * | states  | [B, T + 1] | s_t for t = 0..T                             |
 * | actions | [B, T]     | a_t                                          |
 * | rewards | [B, T]     | r_t, the reward of step t                    |
 * | taskOf  | [B]        | task index of row b                          |
 * | policyOf| [B]        | index of the table that drove row b          |
 */
export interface LakeEpisodes {
  B: number;
  T: number;
  states: Int32Array;
  actions: Uint8Array;
  rewards: Float64Array;
  taskOf: Int32Array;
  policyOf: Int32Array;
}

/**
 * Sample episodes: row b runs table pis[policyOf[b]] on task mdps[taskOf[b]] from its start.
 * @param pis action probabilities [S * A] per policy (see `tableProbs`)
 */
export function rolloutTables(mdps: readonly LakeMdp[], pis: readonly Float64Array[], taskOf: Int32Array, policyOf: Int32Array, T: number, rng: Rng): LakeEpisodes {
  const B = taskOf.length, A = N_LAKE_ACTIONS;
  if (policyOf.length !== B) throw new RangeError(`rolloutTables: policyOf has ${policyOf.length} rows but taskOf has ${B}`);
  const states = new Int32Array(B * (T + 1)), actions = new Uint8Array(B * T), rewards = new Float64Array(B * T);
  let s = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const m = mdps[taskOf[b]];
    if (!m) throw new RangeError(`rolloutTables: taskOf[${b}] = ${taskOf[b]} is not a task index in [0, ${mdps.length})`);
    if (!pis[policyOf[b]]) throw new RangeError(`rolloutTables: policyOf[${b}] = ${policyOf[b]} is not a policy index in [0, ${pis.length})`);
    s[b] = m.start;
  }
  const act = new Uint8Array(B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      states[b * (T + 1) + t] = s[b];
      const pi = pis[policyOf[b]], o = s[b] * A;
      let u = rng.random(), a = A - 1;
      for (let k = 0; k < A; k++) {
        u -= pi[o + k];
        if (u < 0) {
          a = k;
          break;
        }
      }
      act[b] = a;
      actions[b * T + t] = a;
    }
    const r = step(mdps, taskOf, s, act);
    for (let b = 0; b < B; b++) rewards[b * T + t] = r.reward[b];
    s = r.state;
  }
  for (let b = 0; b < B; b++) states[b * (T + 1) + T] = s[b];
  return { B, T, states, actions, rewards, taskOf, policyOf };
}

/** Discounted return of each episode, sum_t gamma^t r_t. [B] */
export function discountedReturns(ep: LakeEpisodes, gamma: number): Float64Array {
  const out = new Float64Array(ep.B);
  for (let b = 0; b < ep.B; b++) {
    let g = 0;
    for (let t = ep.T - 1; t >= 0; t--) g = ep.rewards[b * ep.T + t] + gamma * g;
    out[b] = g;
  }
  return out;
}
