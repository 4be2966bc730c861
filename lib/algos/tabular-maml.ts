/**
 * MAML with one policy-gradient step on a softmax table (Finn, Abbeel & Levine 2017), the
 * baseline of BO-MRL's lake experiment, meta-trained on its own objective
 * E_tau[J_tau(phi + alpha grad J_tau(phi))] (the slides' "Example: MAML").
 *
 *   1: for t = 0, 1, 2, ... do
 *   2:   for each training task tau do
 *   3:     collect D_tau^{pi_phi} with pi_phi; g_tau(phi) = grad J_tau from it (exact: linear solves)
 *   4:     theta'_tau = phi + alpha g_tau(phi)                         (the inner PG step)
 *   5:     u_tau = grad J_tau(pi_theta') on data of pi_theta'
 *   6:     grad_phi = u_tau + alpha (dg_tau/dphi)^T u_tau
 *   7:   phi <- phi + Adam step along mean_tau grad_phi                  (ascent)
 *
 * Line 6 with exact statistics is the true gradient of the meta-objective: dg/dphi is the
 * Hessian of J (through pi, Q and the visitation). With sampled statistics it is MAML's
 * estimator, which treats D_tau^{pi_phi} as a fixed dataset (the slides' "Limitations:
 * ... no gradient grad_phi D computed"): only the dependence through pi_phi in the
 * estimate g = nu pi (Q - V) / (1 - gamma) is differentiated.
 *
 * With exact statistics this is the BO-MRL PG case with alpha = (1 - gamma) / (2 lambda)
 * (bo-mrl.ts); the two differ in their sampled meta-gradients and in their tuning grids.
 *
 * References: C. Finn, P. Abbeel, S. Levine, "Model-Agnostic Meta-Learning for Fast
 * Adaptation of Deep Networks", ICML 2017, https://arxiv.org/abs/1703.03400 ; Xu & Zhu,
 * NeurIPS 2024 (the slides' "Example: MAML").
 */
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { num, Resolved, resolver, section, withDefaults } from '../core/schema';
import { LakeMdp } from '../envs/lake';
import { pgDataVjp, pgDirectVjp } from './bo-mrl';
import { Estimator } from './tabular-estimates';

export const tabularMamlSchema = section({
  alpha: num.positive().default(1).describe('inner policy-gradient step size alpha'),
  adam: withDefaults(adamSchema, { lr: 0.1 }).default({}).describe('outer (meta) optimizer, ascent'),
});
export type TabularMamlConfig = Resolved<typeof tabularMamlSchema>;
export const tabularMamlConfig = resolver('tabular maml config', tabularMamlSchema);

/** Line 4: one policy-gradient step theta = phi + alpha g. */
export function pgStep(phi: Float64Array, gradient: Float64Array, alpha: number): Float64Array {
  return phi.map((x, k) => x + alpha * gradient[k]);
}

/** Lines 3-6 for one task. */
export function mamlMetaGradient(mdp: LakeMdp, phi: Float64Array, alpha: number, estimate: Estimator): { grad: Float64Array; theta: Float64Array; before: number; after: number } {
  const A = mdp.A, k = alpha / (1 - mdp.gamma);
  const before = estimate(mdp, phi); // l.3
  const theta = pgStep(phi, before.gradient, alpha); // l.4
  const after = estimate(mdp, theta); // l.5
  const u = after.gradient;
  const direct = pgDirectVjp(before, u, A); // l.6: g = nu pi A / (1 - gamma), through pi
  const data = before.exact ? pgDataVjp(before, u, A) : null; // exact: through Q and nu too
  const grad = u.map((x, j) => x + k * (direct[j] + (data ? data[j] : 0)));
  return { grad, theta, before: before.J, after: after.J };
}

/** Adaptation steps 0..steps of repeated PG steps, fresh statistics each step. */
export function pgSteps(mdp: LakeMdp, phi: Float64Array, alpha: number, steps: number, estimate: Estimator): Float64Array[] {
  const out = [phi.slice()];
  for (let k = 0; k < steps; k++) out.push(pgStep(out[k], estimate(mdp, out[k]).gradient, alpha));
  return out;
}

export interface TabularMamlState {
  phi: Float64Array;
  adam: AdamState;
  iteration: number;
}

export function tabularMamlInit(phi0: Float64Array): TabularMamlState {
  return { phi: phi0.slice(), adam: adamInit(phi0.length), iteration: 0 };
}

/** One meta-iteration (lines 2-7) over all tasks. */
export function tabularMamlStep(state: TabularMamlState, tasks: readonly LakeMdp[], cfg: TabularMamlConfig, estimate: Estimator) {
  if (tasks.length === 0) throw new RangeError('tabularMamlStep: no training tasks');
  const n = state.phi.length, grad = new Float32Array(n);
  let before = 0, after = 0;
  const thetas: Float64Array[] = [];
  for (const mdp of tasks) {
    const mg = mamlMetaGradient(mdp, state.phi, cfg.alpha, estimate);
    for (let k = 0; k < n; k++) grad[k] -= mg.grad[k] / tasks.length;
    before += mg.before / tasks.length;
    after += mg.after / tasks.length;
    thetas.push(mg.theta);
  }
  const next = adamStep(Float32Array.from(state.phi), grad, state.adam, cfg.adam); // l.7
  return {
    state: { phi: Float64Array.from(next.theta), adam: next.state, iteration: state.iteration + 1 } as TabularMamlState,
    info: { before, after, thetas },
  };
}
