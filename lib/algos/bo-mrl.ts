/**
 * BO-MRL: bilevel meta-RL with universal policy adaptation (Xu & Zhu, NeurIPS 2024), for a
 * softmax table on a finite MDP, with exact or sampled statistics (tabular-estimates.ts).
 *
 * The adaptation algorithm (slides, "Policy adaptation algorithm", eq. Alg):
 *   Alg(pi_phi, lambda, tau) = argmax_theta E_{s~nu_tau^phi, a~pi_phi}[ pi_theta(a|s) / pi_phi(a|s) Q_tau^phi(s,a) ] - lambda D_tau^2(pi_phi, pi_theta)
 * For a table the expectation is sum_s nu(s) sum_a pi_theta(a|s) Q(s,a). Three distances
 * (slides, "Policy adaptation algorithm is universal"):
 *   kl   D^2 = E_{s~nu^phi}[ KL(pi_phi(.|s) || pi_theta(.|s)) ]  -> PPO-like. Both terms are
 *        nu-weighted sums over states, so the argmax is per state; the paper finds it by
 *        inner gradient steps on the one-time data (`inner.steps` > 0); for a table it also
 *        has a closed form up to one scalar per state (`klArgmaxRow`, `inner.steps` = 0),
 *        which the implicit gradient assumes (it is exact at the argmax only);
 *   npg  the same D^2 with the expectation to first order (and KL to second order, the
 *        Fisher metric) -> natural policy gradient; closed form theta_s = phi_s + A_s / lambda
 *        (A = Q - V; any per-state constant is the same policy);
 *   pg   D^2 = ||phi - theta||^2 with the expectation to first order -> policy gradient;
 *        closed form theta = phi + nu(s) pi_phi(a|s) A(s,a) / (2 lambda) = phi + (1-gamma)/(2 lambda) grad J.
 * Note: the per-state update theta = phi + Q / lambda (any per-state constant aside) is the
 * NPG case for a softmax table, not the PG case; the PG case is the policy-gradient step
 * above. Both closed forms are tested against many small gradient steps on their objectives.
 *
 * Algorithm 1 (BO-MRL, the slides' bilevel optimization; one meta-iteration per `step`):
 *   1: input: meta-parameter phi_0, lambda, distance D, meta step size (Adam)
 *   2: for t = 0, 1, 2, ... do
 *   3:   for each training task tau do
 *   4:     collect D_tau^{pi_phi} once with pi_phi; nu_tau^phi, Q_tau^phi from it (exact: linear solves)
 *   5:     theta'_tau = Alg(pi_phi, lambda, tau)                                          (eq. Alg)
 *   6:     g_tau = grad_theta J_tau(pi_theta') by the policy gradient theorem, on data of pi_theta'  (eq. PG)
 *   7:     grad_phi J_tau(pi_theta'_tau) = (grad_phi theta'_tau)^T g_tau by implicit differentiation (eq. IFT):
 *            grad_phi theta' = -E[ grad^2_theta d^2 - grad^2_theta pi_theta / (lambda pi_phi) Q ]^{-1}
 *                               E[ grad_phi^T grad_theta d^2 - grad_theta pi_theta / (lambda pi_phi) grad_phi^T Q ]
 *   8:   phi_{t+1} = phi_t + Adam step along mean_tau grad_phi J_tau                      (eq. Meta, ascent)
 *
 * Line 7 for each distance (w = per-state solves; all exact with exact statistics):
 *   kl   per visited state, H_s = Hess_theta(sum_a pi_theta q_a) - lambda F(pi_theta) at theta'_s
 *        (F = diag(pi) - pi pi^T). With w_s = -H_s^{-1} g_s, the gradient is
 *        lambda F(pi_phi) w_s (through pi_phi in the KL) + sum c dQ/dphi with c_s = F(pi_theta') w_s.
 *        The weights nu(s) cancel at the argmax, so nu's dependence on phi drops out exactly.
 *        Softmax rows are shift invariant; H_s - 1 1^T fixes the shift (g_s sums to 0).
 *   npg  g + sum c dQ/dphi / lambda, c = g on visited states.
 *   pg   g + (1 / (2 lambda)) [ sum_s nu(s) Hess_s(pi.q) g_s + sum c dQ/dphi + sum c_nu dnu/dphi ].
 * Sampled statistics estimate dQ/dphi from the same data by likelihood ratios ("the impact
 * of pi_phi to D_tau^{pi_phi} is considered when approximating grad_phi Q"), and leave
 * dnu/dphi out, as the slides' formula does.
 *
 * References: S. Xu, M. Zhu, "Meta-Reinforcement Learning with Universal Policy Adaptation:
 * Provable Near-Optimality under All-Task Optimum Comparator", NeurIPS 2024,
 * https://openreview.net/forum?id=rpjh69DUX2 (slides: bilevel structure, Alg, meta-gradient
 * by the implicit differentiation theorem, Theorem: near-optimality under the all-task optimum).
 */
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { solve } from '../core/linalg';
import { int, num, Resolved, resolver, section, withDefaults, z } from '../core/schema';
import { LakeMdp } from '../envs/lake';
import { tableProbs } from '../policies/softmax-table';
import { Estimator, PolicyStats } from './tabular-estimates';

export const DISTANCES = ['kl', 'npg', 'pg'] as const;
export type Distance = (typeof DISTANCES)[number];

export const boMrlSchema = section({
  distance: z.enum(DISTANCES).default('kl').describe('D_tau: "kl" visitation-weighted KL (PPO-like), "npg" its first-order/Fisher form, "pg" ||phi - theta||^2 with the first-order expansion'),
  lambda: num.positive().default(1).describe('regularization weight lambda of Alg (> 0)'),
  inner: section({
    steps: int.min(0).default(0).describe('KL case: 0 = the exact per-state argmax (closed form); > 0 = that many gradient steps from phi on the one-time data (the paper\'s practical solver)'),
    lr: num.positive().default(1).describe('inner step size eta: theta_s += eta / lambda * grad_theta_s of the per-state objective'),
  }).default({}).describe('the KL case\'s inner solver'),
  adam: withDefaults(adamSchema, { lr: 0.1 }).default({}).describe('outer (meta) optimizer, ascent on the meta-objective'),
});
export type BoMrlConfig = Resolved<typeof boMrlSchema>;
export const boMrlConfig = resolver('bo-mrl config', boMrlSchema);
/** What Alg itself needs. */
export type AlgConfig = Pick<BoMrlConfig, 'distance' | 'lambda' | 'inner'>;

/** F(pi) = diag(pi) - pi pi^T of state row o, [A, A]. */
function fisherRow(pi: ArrayLike<number>, o: number, A: number): Float64Array {
  const F = new Float64Array(A * A);
  for (let i = 0; i < A; i++) for (let j = 0; j < A; j++) F[i * A + j] = (i === j ? pi[o + i] : 0) - pi[o + i] * pi[o + j];
  return F;
}

/** Hessian in theta_s of sum_a pi_theta(a|s) q_a at state row o, [A, A] (symmetric). */
function softmaxQHessian(pi: ArrayLike<number>, q: ArrayLike<number>, o: number, A: number): Float64Array {
  let V = 0;
  for (let a = 0; a < A; a++) V += pi[o + a] * q[o + a];
  const H = new Float64Array(A * A);
  for (let i = 0; i < A; i++) {
    for (let j = 0; j < A; j++) {
      const pi_i = pi[o + i], pi_j = pi[o + j];
      H[i * A + j] = (i === j ? pi_i * (q[o + i] - V) : 0) - pi_i * pi_j * (q[o + i] - V) - pi_i * pi_j * (q[o + j] - V);
    }
  }
  return H;
}

function mulRow(Mx: Float64Array, v: ArrayLike<number>, o: number, A: number): Float64Array {
  const y = new Float64Array(A);
  for (let i = 0; i < A; i++) {
    let t = 0;
    for (let j = 0; j < A; j++) t += Mx[i * A + j] * v[o + j];
    y[i] = t;
  }
  return y;
}

/** What Alg returns. */
export interface Adapted {
  /** theta' [S, A] */
  theta: Float64Array;
  /** KL case with inner steps: max over visited states of |per-state gradient| / lambda after them (0 for the closed forms). */
  residual: number;
}

/**
 * Alg(pi_phi, lambda, tau) (eq. Alg) from the statistics of pi_phi on tau. States never
 * visited (nu = 0) carry no data and keep phi.
 * @param stats pi = pi_phi, nu = nu_tau^phi, Q = Q_tau^phi (exact or estimated)
 */
export function adapt(phi: Float64Array, stats: Pick<PolicyStats, 'pi' | 'nu' | 'Q'>, cfg: AlgConfig, A: number): Adapted {
  const theta = phi.slice(), S = phi.length / A, { lambda } = cfg, { pi, nu, Q } = stats;
  let residual = 0;
  for (let s = 0; s < S; s++) {
    if (!(nu[s] > 0)) continue;
    const o = s * A;
    let V = 0;
    for (let a = 0; a < A; a++) V += pi[o + a] * Q[o + a];
    if (cfg.distance === 'npg') {
      for (let a = 0; a < A; a++) theta[o + a] = phi[o + a] + (Q[o + a] - V) / lambda;
    } else if (cfg.distance === 'pg') {
      for (let a = 0; a < A; a++) theta[o + a] = phi[o + a] + (nu[s] * pi[o + a] * (Q[o + a] - V)) / (2 * lambda);
    } else if (cfg.inner.steps === 0) {
      klArgmaxRow(phi, pi, Q, o, lambda, A, theta); // the exact argmax
    } else {
      // kl, the paper's practical solver: gradient ascent on
      // sum_a pi_theta(a|s) Q(s,a) - lambda KL(pi_phi(.|s) || pi_theta(.|s)), whose gradient is
      // F(pi_theta) Q_s + lambda (pi_phi - pi_theta).
      const row = new Float64Array(A), g = new Float64Array(A);
      for (let k = 0; k <= cfg.inner.steps; k++) {
        klRowGradient(theta, pi, Q, o, lambda, A, row, g);
        if (k === cfg.inner.steps) break;
        for (let a = 0; a < A; a++) theta[o + a] += (cfg.inner.lr / lambda) * g[a];
      }
      for (let a = 0; a < A; a++) residual = Math.max(residual, Math.abs(g[a]) / lambda);
    }
  }
  return { theta, residual };
}

function klRowGradient(theta: Float64Array, piPhi: ArrayLike<number>, Q: ArrayLike<number>, o: number, lambda: number, A: number, row: Float64Array, g: Float64Array): void {
  let mx = -Infinity, z = 0;
  for (let a = 0; a < A; a++) mx = Math.max(mx, theta[o + a]);
  for (let a = 0; a < A; a++) z += (row[a] = Math.exp(theta[o + a] - mx));
  let V = 0;
  for (let a = 0; a < A; a++) {
    row[a] /= z;
    V += row[a] * Q[o + a];
  }
  for (let a = 0; a < A; a++) g[a] = row[a] * (Q[o + a] - V) + lambda * (piPhi[o + a] - row[a]);
}

/**
 * The exact maximizer of the KL case in one state. The stationarity condition
 * pi(a) (Q(a) - V - lambda) = -lambda pi_phi(a) gives
 *   pi(a) = lambda pi_phi(a) / (lambda + c - Q(a)),   i.e.   theta'_a = phi_a - log(lambda + c - Q(a)) + const,
 * with the scalar c (= V of the result) such that sum_a pi(a) = 1. f(c) = sum_a pi(a) - 1 is
 * convex and decreasing for c > max_a Q(a) - lambda, and c_0 = max_a (Q(a) - lambda + lambda pi_phi(a))
 * is at or left of the root, so Newton's method climbs to it monotonically.
 * Writes theta'_s into `out` at row offset o (rows keep phi's mean) and returns c.
 */
export function klArgmaxRow(phi: ArrayLike<number>, piPhi: ArrayLike<number>, q: ArrayLike<number>, o: number, lambda: number, A: number, out: Float64Array): number {
  let c = -Infinity;
  for (let a = 0; a < A; a++) c = Math.max(c, q[o + a] - lambda + lambda * piPhi[o + a]);
  for (let k = 0; k < 200; k++) {
    let f = -1, df = 0;
    for (let a = 0; a < A; a++) {
      const den = lambda + c - q[o + a], t = (lambda * piPhi[o + a]) / den;
      f += t;
      df -= t / den;
    }
    if (!(f > 0) || df === 0) break;
    const next = c - f / df;
    if (!(next > c)) break;
    c = next;
  }
  let mean = 0;
  for (let a = 0; a < A; a++) mean += (out[o + a] = phi[o + a] - Math.log(lambda + c - q[o + a])) / A;
  let shift = 0;
  for (let a = 0; a < A; a++) shift += phi[o + a] / A;
  for (let a = 0; a < A; a++) out[o + a] += shift - mean;
  return c;
}

/**
 * u^T d(nu pi A)/dphi through pi_phi alone, the data held fixed:
 * sum_s nu(s) Hess_s(sum_a pi_phi(a|s) Q(s,a)) u_s. [S, A]
 */
export function pgDirectVjp(stats: Pick<PolicyStats, 'pi' | 'nu' | 'Q'>, u: ArrayLike<number>, A: number): Float64Array {
  const out = new Float64Array(u.length), S = u.length / A;
  for (let s = 0; s < S; s++) {
    if (!(stats.nu[s] > 0)) continue;
    const y = mulRow(softmaxQHessian(stats.pi, stats.Q, s * A, A), u, s * A, A);
    for (let a = 0; a < A; a++) out[s * A + a] = stats.nu[s] * y[a];
  }
  return out;
}

/**
 * u^T d(nu pi A)/dphi through the data: through Q (c_s = nu(s) F(pi_s) u_s) and, where the
 * statistics provide it, through nu (c_nu(s) = sum_a u(s,a) pi(a|s) A(s,a)). [S, A]
 */
export function pgDataVjp(stats: PolicyStats, u: ArrayLike<number>, A: number): Float64Array {
  const S = u.length / A, c = new Float64Array(u.length), cNu = new Float64Array(S);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    const y = mulRow(fisherRow(stats.pi, o, A), u, o, A);
    let V = 0;
    for (let a = 0; a < A; a++) V += stats.pi[o + a] * stats.Q[o + a];
    for (let a = 0; a < A; a++) {
      c[o + a] = stats.nu[s] * y[a];
      cNu[s] += u[o + a] * stats.pi[o + a] * (stats.Q[o + a] - V);
    }
  }
  const out = stats.qAdjoint(c);
  if (stats.nuAdjoint) {
    const n = stats.nuAdjoint(cNu);
    for (let k = 0; k < out.length; k++) out[k] += n[k];
  }
  return out;
}

/**
 * Line 7: (grad_phi theta')^T u for theta' = Alg(pi_phi, lambda, tau), by implicit differentiation.
 * @param before statistics of pi_phi (the data Alg used)
 * @param theta the adapted theta'
 * @param u grad_theta J(pi_theta') [S, A]
 */
export function implicitVjp(phi: Float64Array, theta: Float64Array, before: PolicyStats, u: Float64Array, cfg: AlgConfig, A: number): Float64Array {
  const S = phi.length / A, { lambda } = cfg;
  if (cfg.distance === 'npg') {
    const c = new Float64Array(u.length);
    for (let s = 0; s < S; s++) if (before.nu[s] > 0) for (let a = 0; a < A; a++) c[s * A + a] = u[s * A + a];
    const dq = before.qAdjoint(c);
    return u.map((x, k) => x + dq[k] / lambda);
  }
  if (cfg.distance === 'pg') {
    const direct = pgDirectVjp(before, u, A), data = pgDataVjp(before, u, A);
    return u.map((x, k) => x + (direct[k] + data[k]) / (2 * lambda));
  }
  // kl
  const grad = new Float64Array(u.length), c = new Float64Array(u.length);
  const piTheta = tableProbs(theta, A);
  for (let s = 0; s < S; s++) {
    const o = s * A;
    if (!(before.nu[s] > 0)) {
      for (let a = 0; a < A; a++) grad[o + a] = u[o + a]; // theta'_s = phi_s
      continue;
    }
    const H = softmaxQHessian(piTheta, before.Q, o, A), Ft = fisherRow(piTheta, o, A);
    for (let k = 0; k < A * A; k++) H[k] -= lambda * Ft[k] + 1; // Hess of the per-state objective, shift fixed by - 1 1^T
    const w = solve(H, Array.from({ length: A }, (_, a) => -u[o + a]), A);
    const dPhi = mulRow(fisherRow(before.pi, o, A), w, 0, A); // grad_phi^T grad_theta d^2 term, through pi_phi
    const cs = mulRow(Ft, w, 0, A); // coefficient of grad_phi Q
    for (let a = 0; a < A; a++) {
      grad[o + a] = lambda * dPhi[a];
      c[o + a] = cs[a];
    }
  }
  const dq = before.qAdjoint(c);
  for (let k = 0; k < grad.length; k++) grad[k] += dq[k];
  return grad;
}

/** One task's meta-gradient (lines 4-7). */
export interface MetaGradient {
  /** grad_phi J_tau(Alg(pi_phi, lambda, tau)) [S, A] */
  grad: Float64Array;
  /** theta'_tau [S, A] */
  theta: Float64Array;
  /** J_tau(pi_phi) and J_tau(pi_theta') as the estimator sees them (exact, or mean sampled returns). */
  before: number;
  after: number;
  /** The KL case's inner residual. */
  residual: number;
}

/** Lines 4-7 for one task. */
export function metaGradient(mdp: LakeMdp, phi: Float64Array, cfg: AlgConfig, estimate: Estimator): MetaGradient {
  const A = mdp.A;
  const before = estimate(mdp, phi); // l.4
  const { theta, residual } = adapt(phi, before, cfg, A); // l.5
  const after = estimate(mdp, theta); // l.6
  const grad = implicitVjp(phi, theta, before, after.gradient, cfg, A); // l.7
  return { grad, theta, before: before.J, after: after.J, residual };
}

/** Adaptation steps 0..steps: theta_0 = phi, theta_{k+1} = Alg(pi_theta_k, lambda, tau), fresh statistics each step. */
export function adaptSteps(mdp: LakeMdp, phi: Float64Array, cfg: AlgConfig, steps: number, estimate: Estimator): Float64Array[] {
  const out = [phi.slice()];
  for (let k = 0; k < steps; k++) out.push(adapt(out[k], estimate(mdp, out[k]), cfg, mdp.A).theta);
  return out;
}

/** The meta-learner's state. */
export interface BoMrlState {
  phi: Float64Array;
  adam: AdamState;
  iteration: number;
}

export function boMrlInit(phi0: Float64Array): BoMrlState {
  return { phi: phi0.slice(), adam: adamInit(phi0.length), iteration: 0 };
}

export interface BoMrlStepInfo {
  /** Mean over tasks of J(pi_phi) and of J(Alg(pi_phi)), as the estimator sees them. */
  before: number;
  after: number;
  /** Largest inner residual over tasks (KL case). */
  residual: number;
  /** theta'_tau of every task, for exact evaluation by the caller. */
  thetas: Float64Array[];
}

/** One meta-iteration (lines 3-8) over all `tasks`. */
export function boMrlStep(state: BoMrlState, tasks: readonly LakeMdp[], cfg: BoMrlConfig, estimate: Estimator): { state: BoMrlState; info: BoMrlStepInfo } {
  if (tasks.length === 0) throw new RangeError('boMrlStep: no training tasks');
  const n = state.phi.length, grad = new Float32Array(n);
  let before = 0, after = 0, residual = 0;
  const thetas: Float64Array[] = [];
  for (const mdp of tasks) { // l.3
    const mg = metaGradient(mdp, state.phi, cfg, estimate); // l.4-7
    for (let k = 0; k < n; k++) grad[k] -= mg.grad[k] / tasks.length; // Adam descends: minus the ascent direction
    before += mg.before / tasks.length;
    after += mg.after / tasks.length;
    residual = Math.max(residual, mg.residual);
    thetas.push(mg.theta);
  }
  const next = adamStep(Float32Array.from(state.phi), grad, state.adam, cfg.adam); // l.8
  return {
    state: { phi: Float64Array.from(next.theta), adam: next.state, iteration: state.iteration + 1 },
    info: { before, after, residual, thetas },
  };
}
