/**
 * The quantities of BO-MRL's theorem (Xu & Zhu, NeurIPS 2024, slides "Optimality metrics"
 * and "Theoretical guarantee"), computed exactly on finite MDPs:
 *
 * - the all-task optimum E_tau[J_tau(pi_theta*_tau)], each task's optimum by value iteration;
 * - the optimality gap E_tau[J_tau(pi_theta*_tau)] - E_tau[J_tau(Alg(pi_phi, lambda, tau))];
 * - the task variance Var(P(Gamma)) = min_theta E_tau[ D_tau^2(pi_theta, pi_theta*_tau) ].
 *
 * The optimum of a softmax table is only reached in the limit (a deterministic policy), and
 * the KL distance to a deterministic policy is infinite. For the variance we therefore use
 * the softmax policy theta*_tau = beta 1[a optimal in s] (rows centred; ties share the
 * mass; goal, holes and unreachable states have every action optimal, so the uniform
 * policy), with a finite logit margin beta. The gap uses the exact optimum J*_tau.
 *
 *   KL:  Var = min_theta mean_tau sum_s nu_tau^theta(s) KL(pi_theta(.|s) || pi_theta*_tau(.|s)),
 *        minimized by Adam with the exact gradient (direct term plus the visitation's
 *        dependence on theta, tabular.ts `visitationAdjoint`) from two starts (uniform and
 *        the mean of the theta*_tau); a local minimum, so an upper bound on the true min.
 *   L2:  Var = min_theta mean_tau ||theta - theta*_tau||^2 = mean_tau ||theta*_tau - mean theta*||^2 (exact).
 *
 * References: Xu & Zhu, "Meta-Reinforcement Learning with Universal Policy Adaptation:
 * Provable Near-Optimality under All-Task Optimum Comparator", NeurIPS 2024,
 * https://openreview.net/forum?id=rpjh69DUX2 (the task variance, Theorem: the gap is at most
 * K/T + M/sqrt(T) + A_max L / (1 - gamma)^2 Var(P(Gamma))).
 */
import { adamConfig, adamInit, adamStep } from '../core/adam';
import { LakeMdp } from '../envs/lake';
import { centerRows, tableProbs } from '../policies/softmax-table';
import { evaluate, valueIteration, visitationAdjoint } from './tabular';

/** One task's optimum. */
export interface TaskOptimum {
  /** J*_tau, exact (value iteration). */
  J: number;
  /** 1 where a is optimal in s. [S, A] */
  optimal: Uint8Array;
  /** theta*_tau = beta 1[optimal], rows centred. [S, A] */
  thetaStar: Float64Array;
}

/** Value iteration on every task, and the softmax tables theta*_tau with margin beta. */
export function taskOptima(mdps: readonly LakeMdp[], beta: number): TaskOptimum[] {
  if (!(beta > 0 && Number.isFinite(beta))) throw new RangeError(`taskOptima: beta must be a positive finite number, got ${beta}`);
  return mdps.map((m) => {
    const opt = valueIteration(m);
    const thetaStar = centerRows(Array.from(opt.optimal, (o) => beta * o), m.A);
    return { J: opt.J, optimal: opt.optimal, thetaStar };
  });
}

/** E_tau[J*_tau] - E_tau[J_tau], over matched lists of tasks. */
export function optimalityGap(Jstar: readonly number[], J: readonly number[]): number {
  if (Jstar.length !== J.length || J.length === 0) throw new RangeError(`optimalityGap: ${Jstar.length} optima and ${J.length} returns`);
  let g = 0;
  for (let i = 0; i < J.length; i++) g += (Jstar[i] - J[i]) / J.length;
  return g;
}

/** mean_tau ||theta*_tau - mean theta*||^2, the task variance under D^2 = ||phi - theta||^2. */
export function l2TaskVariance(optima: readonly TaskOptimum[]): number {
  const n = optima.length, len = optima[0].thetaStar.length, mean = new Float64Array(len);
  for (const o of optima) for (let k = 0; k < len; k++) mean[k] += o.thetaStar[k] / n;
  let v = 0;
  for (const o of optima) for (let k = 0; k < len; k++) v += (o.thetaStar[k] - mean[k]) ** 2 / n;
  return v;
}

/** mean_tau D_tau^2(pi_theta, pi*_tau) under the visitation-weighted KL, and its exact gradient. */
export function klSpread(mdps: readonly LakeMdp[], optima: readonly TaskOptimum[], theta: Float64Array): { value: number; grad: Float64Array } {
  const A = mdps[0].A, S = mdps[0].S, pi = tableProbs(theta, A), grad = new Float64Array(S * A);
  let value = 0;
  mdps.forEach((mdp, i) => {
    const ev = evaluate(mdp, pi), star = tableProbs(optima[i].thetaStar, A);
    const kl = new Float64Array(S);
    for (let s = 0; s < S; s++) {
      const o = s * A, logRatio = new Float64Array(A);
      let mean = 0;
      for (let a = 0; a < A; a++) {
        logRatio[a] = Math.log(pi[o + a]) - Math.log(star[o + a]);
        kl[s] += pi[o + a] * logRatio[a];
      }
      for (let a = 0; a < A; a++) mean += pi[o + a] * logRatio[a];
      // d KL(pi || p) / d theta_s = F(pi) (log pi - log p)
      for (let a = 0; a < A; a++) grad[o + a] += (ev.nu[s] * pi[o + a] * (logRatio[a] - mean)) / mdps.length;
      value += (ev.nu[s] * kl[s]) / mdps.length;
    }
    const viaNu = visitationAdjoint(mdp, ev, kl);
    for (let k = 0; k < grad.length; k++) grad[k] += viaNu[k] / mdps.length;
  });
  return { value, grad };
}

/** The task variance under the visitation-weighted KL (a local minimum found by Adam; see above). */
export function klTaskVariance(mdps: readonly LakeMdp[], optima: readonly TaskOptimum[], opts: { steps?: number; lr?: number } = {}): { value: number; theta: Float64Array } {
  const steps = opts.steps ?? 400, lr = opts.lr ?? 0.1, len = optima[0].thetaStar.length;
  const mean = new Float64Array(len);
  for (const o of optima) for (let k = 0; k < len; k++) mean[k] += o.thetaStar[k] / optima.length;
  let best = { value: Infinity, theta: mean };
  for (const start of [new Float64Array(len), mean]) {
    let theta = Float32Array.from(start), adam = adamInit(len);
    let last = klSpread(mdps, optima, Float64Array.from(theta));
    let bestHere = { value: last.value, theta: Float64Array.from(theta) };
    const adamCfg = adamConfig({ lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    for (let t = 0; t < steps; t++) {
      const next = adamStep(theta, Float32Array.from(last.grad), adam, adamCfg);
      theta = next.theta;
      adam = next.state;
      last = klSpread(mdps, optima, Float64Array.from(theta));
      if (last.value < bestHere.value) bestHere = { value: last.value, theta: Float64Array.from(theta) };
    }
    if (bestHere.value < best.value) best = bestHere;
  }
  return best;
}
