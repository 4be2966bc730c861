/**
 * Joint training on all training tasks, the "one policy for every task" baseline of the
 * lake experiment: gradient ascent on the mean return E_tau[J_tau(pi_theta)] without any
 * adaptation inside the objective.
 *
 *   1: for t = 0, 1, 2, ... do
 *   2:   g = mean_tau grad J_tau(pi_theta)    (exact, or from one batch of episodes per task)
 *   3:   theta <- theta + Adam step along g
 *
 * References: paper 000's baseline (1) "joint training" in the same spirit; Sutton & Barto
 * 2018, Ch. 13 (policy gradient).
 */
import { adamInit, AdamConfig, adamStep, AdamState } from '../core/adam';
import { LakeMdp } from '../envs/lake';
import { Estimator } from './tabular-estimates';

export interface JointState {
  theta: Float64Array;
  adam: AdamState;
  iteration: number;
}

export function jointInit(theta0: Float64Array): JointState {
  return { theta: theta0.slice(), adam: adamInit(theta0.length), iteration: 0 };
}

/** Lines 2-3. Returns the new state and the mean J before the step (as the estimator sees it). */
export function jointStep(state: JointState, tasks: readonly LakeMdp[], adam: AdamConfig, estimate: Estimator): { state: JointState; info: { J: number } } {
  if (tasks.length === 0) throw new RangeError('jointStep: no training tasks');
  const n = state.theta.length, grad = new Float32Array(n);
  let J = 0;
  for (const mdp of tasks) {
    const st = estimate(mdp, state.theta); // l.2
    for (let k = 0; k < n; k++) grad[k] -= st.gradient[k] / tasks.length;
    J += st.J / tasks.length;
  }
  const next = adamStep(Float32Array.from(state.theta), grad, state.adam, adam); // l.3
  return { state: { theta: Float64Array.from(next.theta), adam: next.state, iteration: state.iteration + 1 }, info: { J } };
}
