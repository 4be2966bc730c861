/**
 * Exact tabular reinforcement learning on a finite MDP (the lake): policy evaluation by a
 * linear solve, discounted state visitation, Q, the policy gradient of a softmax table,
 * its Hessian-vector product, the adjoint of Q with respect to the policy, and value
 * iteration for the optimal policy pi*_tau.
 *
 * Symbols (Sutton & Barto; Agarwal et al. 2021 for the softmax policy gradient):
 *   P_pi[s, s'] = sum_a pi(a|s) P(s'|s,a)       r_pi[s] = sum_a pi(a|s) R(s,a)
 *   M = (I - gamma P_pi)^{-1}                    V = M r_pi      Q = R + gamma P V
 *   d = rho^T M   (discounted occupancy, sums to 1/(1-gamma))     nu = (1 - gamma) d
 *   (M is never formed: one LU factorization of I - gamma P_pi, then O(S^2) solves)
 *   J(pi) = rho^T V = sum_s d(s) r_pi(s)
 *   dJ/dtheta[s,a] = d(s) pi(a|s) A(s,a),  A = Q - V        (softmax policy gradient theorem)
 *
 * Everything is exact up to floating point: M is a 16 x 16 inverse on the 4 x 4 lake.
 *
 * References: R. S. Sutton, A. G. Barto, "Reinforcement Learning: An Introduction", 2nd ed.,
 * MIT Press 2018 (Ch. 4 policy evaluation and value iteration, Ch. 13 policy gradient);
 * A. Agarwal, S. M. Kakade, J. D. Lee, G. Mahajan, "On the Theory of Policy Gradient
 * Methods", JMLR 22(98), 2021, https://arxiv.org/abs/1908.00261 (Lemma C.1, softmax gradient).
 */
import { Lu, luFactor, luSolve, luSolveT } from '../core/linalg';
import { LakeMdp } from '../envs/lake';

/**
 * Minimal view of a finite MDP: states S, actions A, P [S, A, S], R [S, A], rho [S], gamma;
 * optionally `next` [S, A], the successor of each (s, a) when every transition is
 * deterministic (the lake), which turns the O(S^2 A) products with P into O(S A).
 */
export type FiniteMdp = Pick<LakeMdp, 'S' | 'A' | 'P' | 'R' | 'rho' | 'gamma'> & { next?: Int32Array };

/**
 * The exact evaluation of a policy on an MDP.
 *
 * | Field | Shape   | Meaning                                              |
 * |-------|---------|------------------------------------------------------|
 * | pi    | [S, A]  | the policy evaluated                                 |
 * | lu    | [S, S]  | LU factors of I - gamma P_pi (M = its inverse)        |
 * | V     | [S]     | state values                                         |
 * | Q     | [S, A]  | action values                                        |
 * | d     | [S]     | discounted occupancy rho^T M (sums to 1/(1-gamma))   |
 * | nu    | [S]     | discounted visitation (1 - gamma) d (a distribution)  |
 */
export interface Evaluation {
  pi: Float64Array;
  lu: Lu;
  V: Float64Array;
  Q: Float64Array;
  d: Float64Array;
  nu: Float64Array;
  /** J(pi) = rho^T V, the expected discounted return from the start. */
  J: number;
}

/** Exact policy evaluation of the policy table `pi` [S, A]. */
export function evaluate(mdp: FiniteMdp, pi: Float64Array): Evaluation {
  const { S, A, P, R, rho, gamma, next } = mdp;
  if (pi.length !== S * A) throw new RangeError(`evaluate: pi has ${pi.length} entries, expected S * A = ${S * A}`);
  const I_gP = new Float64Array(S * S), rpi = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    I_gP[s * S + s] += 1;
    for (let a = 0; a < A; a++) {
      const p = pi[s * A + a];
      if (p === 0) continue;
      rpi[s] += p * R[s * A + a];
      if (next) {
        I_gP[s * S + next[s * A + a]] -= gamma * p;
        continue;
      }
      const o = (s * A + a) * S;
      for (let s2 = 0; s2 < S; s2++) I_gP[s * S + s2] -= gamma * p * P[o + s2];
    }
  }
  const lu = luFactor(I_gP, S);
  const V = luSolve(lu, rpi);
  const Q = qFromV(mdp, V);
  const d = luSolveT(lu, rho);
  const nu = d.map((x) => (1 - gamma) * x);
  let J = 0;
  for (let s = 0; s < S; s++) J += rho[s] * V[s];
  return { pi, lu, V, Q, d, nu, J };
}

/** Q[s, a] = R[s, a] + gamma sum_s' P(s'|s,a) V[s']. */
export function qFromV(mdp: FiniteMdp, V: ArrayLike<number>): Float64Array {
  const { S, A, P, R, gamma, next } = mdp;
  const Q = new Float64Array(S * A);
  for (let k = 0; k < S * A; k++) {
    if (next) {
      Q[k] = R[k] + gamma * V[next[k]];
      continue;
    }
    let v = 0;
    const o = k * S;
    for (let s2 = 0; s2 < S; s2++) v += P[o + s2] * V[s2];
    Q[k] = R[k] + gamma * v;
  }
  return Q;
}

/** x[s'] = gamma sum_{s,a} c[s,a] P(s'|s,a), the one-step image of c [S, A]. */
function pushForward(mdp: FiniteMdp, c: ArrayLike<number>): Float64Array {
  const { S, A, P, gamma, next } = mdp, x = new Float64Array(S);
  for (let k = 0; k < S * A; k++) {
    const ck = c[k];
    if (ck === 0) continue;
    if (next) {
      x[next[k]] += gamma * ck;
      continue;
    }
    const o = k * S;
    for (let s2 = 0; s2 < S; s2++) x[s2] += gamma * ck * P[o + s2];
  }
  return x;
}

/** The directional derivative of a softmax table's probabilities: dpi[s,a] = pi[s,a] (v[s,a] - sum_b pi[s,b] v[s,b]). */
export function softmaxJvp(pi: ArrayLike<number>, v: ArrayLike<number>, A: number): Float64Array {
  const out = new Float64Array(pi.length);
  for (let o = 0; o < pi.length; o += A) {
    let m = 0;
    for (let a = 0; a < A; a++) m += pi[o + a] * v[o + a];
    for (let a = 0; a < A; a++) out[o + a] = pi[o + a] * (v[o + a] - m);
  }
  return out;
}

/** The policy gradient of the softmax table: dJ/dtheta[s,a] = d(s) pi(a|s) (Q(s,a) - V(s)). [S, A] */
export function policyGradient(mdp: FiniteMdp, ev: Evaluation): Float64Array {
  const { S, A } = mdp, g = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) g[s * A + a] = ev.d[s] * ev.pi[s * A + a] * (ev.Q[s * A + a] - ev.V[s]);
  }
  return g;
}

/**
 * The adjoint of Q with respect to the softmax logits: sum_{s,a} c[s,a] dQ(s,a)/dtheta. [S, A]
 *
 *   dQ(s,a)/dtheta[s',b] = gamma sum_s'' P(s''|s,a) M[s'', s'] pi(b|s') A(s',b)
 *
 * so the contraction is a policy gradient started from x = gamma sum_{s,a} c[s,a] P(.|s,a)
 * instead of rho: one vector-matrix product with M.
 */
export function qAdjoint(mdp: FiniteMdp, ev: Evaluation, c: ArrayLike<number>): Float64Array {
  const { S, A } = mdp;
  const e = luSolveT(ev.lu, pushForward(mdp, c)); // e^T = x^T M
  const out = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) out[s * A + a] = e[s] * ev.pi[s * A + a] * (ev.Q[s * A + a] - ev.V[s]);
  }
  return out;
}

/**
 * The Hessian of J at the evaluated policy times a direction v [S, A], exactly, by
 * differentiating dJ/dtheta = d pi A along v (forward mode by hand):
 *   dpi = softmaxJvp(pi, v);   dV = M (sum_a dpi Q);   dQ = gamma P dV
 *   dd  = (gamma d^T dP_pi) M;  dA = dQ - dV
 *   H v = dd pi A + d dpi A + d pi dA
 */
export function hessianVector(mdp: FiniteMdp, ev: Evaluation, v: ArrayLike<number>): Float64Array {
  const { S, A } = mdp;
  const dpi = softmaxJvp(ev.pi, v, A);
  const rhs = new Float64Array(S), w = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const k = s * A + a;
      rhs[s] += dpi[k] * ev.Q[k];
      w[k] = ev.d[s] * dpi[k];
    }
  }
  const dV = luSolve(ev.lu, rhs);
  const dQ = qFromV({ ...mdp, R: new Float64Array(S * A) }, dV);
  const dd = luSolveT(ev.lu, pushForward(mdp, w));
  const out = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    for (let a = 0; a < A; a++) {
      const k = s * A + a, adv = ev.Q[k] - ev.V[s];
      out[k] = dd[s] * ev.pi[k] * adv + ev.d[s] * dpi[k] * adv + ev.d[s] * ev.pi[k] * (dQ[k] - dV[s]);
    }
  }
  return out;
}

/** The optimum of an MDP by value iteration. */
export interface Optimum {
  /** V* [S] */
  V: Float64Array;
  /** Q* [S, A] */
  Q: Float64Array;
  /** J* = rho^T V*, the best expected discounted return from the start. */
  J: number;
  /** 1 where a is optimal in s (within `tol` of max_a Q*(s,a)). [S, A] */
  optimal: Uint8Array;
  iterations: number;
}

/**
 * Value iteration: V <- max_a (R + gamma P V) until max |V_new - V| < tol (the error is
 * then below tol gamma / (1 - gamma)).
 */
export function valueIteration(mdp: FiniteMdp, tol = 1e-12, maxIterations = 100000): Optimum {
  const { S, A } = mdp;
  let V = new Float64Array(S), Q = new Float64Array(S * A), it = 0;
  for (; it < maxIterations; it++) {
    Q = qFromV(mdp, V);
    const next = new Float64Array(S);
    let delta = 0;
    for (let s = 0; s < S; s++) {
      let m = -Infinity;
      for (let a = 0; a < A; a++) m = Math.max(m, Q[s * A + a]);
      next[s] = m;
      delta = Math.max(delta, Math.abs(m - V[s]));
    }
    V = next;
    if (delta < tol) break;
  }
  Q = qFromV(mdp, V);
  const optimal = new Uint8Array(S * A);
  const gap = Math.max(1e-9, 10 * tol);
  for (let s = 0; s < S; s++) {
    let m = -Infinity;
    for (let a = 0; a < A; a++) m = Math.max(m, Q[s * A + a]);
    for (let a = 0; a < A; a++) optimal[s * A + a] = Q[s * A + a] >= m - gap ? 1 : 0;
  }
  let J = 0;
  for (let s = 0; s < S; s++) J += mdp.rho[s] * V[s];
  return { V, Q, J, optimal, iterations: it + 1 };
}

/**
 * The adjoint of the discounted visitation: sum_s c[s] dnu(s)/dtheta [S, A], exactly.
 * With W = M c (the value of the per-state "reward" c),
 *   sum_s c[s] dnu(s)/dtheta[s',b] = (1 - gamma) d(s') pi(b|s') (gamma P(.|s',b) W - sum_a pi(a|s') gamma P(.|s',a) W).
 */
export function visitationAdjoint(mdp: FiniteMdp, ev: Evaluation, c: ArrayLike<number>): Float64Array {
  const { S, A, gamma } = mdp;
  const W = luSolve(ev.lu, c);
  const PW = qFromV({ ...mdp, R: new Float64Array(S * A) }, W); // gamma P(.|s,a) W
  const out = new Float64Array(S * A);
  for (let s = 0; s < S; s++) {
    let mean = 0;
    for (let a = 0; a < A; a++) mean += ev.pi[s * A + a] * PW[s * A + a];
    for (let a = 0; a < A; a++) out[s * A + a] = (1 - gamma) * ev.d[s] * ev.pi[s * A + a] * (PW[s * A + a] - mean);
  }
  return out;
}
