/**
 * BO-MRL with the KL distance (the PPO-like case of the universal adaptation algorithm)
 * for a neural softmax policy on the personalized particle testbed, with the first-order
 * meta-gradient. The tabular version with the exact implicit meta-gradient is bo-mrl.ts.
 *
 * Alg(pi_phi, lambda, tau) (slides, "Policy adaptation algorithm"), estimated on the one-time
 * data D_tau^{pi_phi} = K episodes of pi_phi on the task:
 *   L(theta) = mean_i [ pi_theta(a_i|s_i) / pi_phi(a_i|s_i) A_i ] - lambda mean_i KL(pi_phi(.|s_i) || pi_theta(.|s_i))
 * over the visited steps i, with A_i the advantages of vpg.ts (reward-to-go, leave-one-out
 * baseline, normalised: a state baseline leaves the argmax in expectation unchanged).
 * The argmax is approached by `inner.steps` Adam steps from phi (step size `inner.lr`).
 *
 *   1: for t = 0, 1, 2, ... do
 *   2:   for each of `metaBatch` support types tau drawn at random do
 *   3:     collect D_tau^{pi_phi}: K episodes of pi_phi; advantages A_i
 *   4:     theta'_tau = Alg(pi_phi, lambda, tau): inner Adam steps on L(theta) from phi
 *   5:     collect K episodes of pi_theta'; g_tau = grad_theta J_tau(pi_theta') (VPG estimate)
 *   6:     first-order meta-gradient: grad_phi J_tau(Alg(pi_phi)) ~ g_tau, i.e. grad_phi theta' ~ I
 *          (the implicit-differentiation term of bo-mrl.ts, l.7, is dropped, as first-order MAML drops its Hessian)
 *   7:   phi <- phi + Adam step along mean_tau g_tau
 *
 * At meta-test (Fig. 1's protocol), the K episodes of the initialization period are the
 * one-time data: the policy adapted by Alg on them is where fine-tuning starts.
 *
 * References: S. Xu, M. Zhu, "Meta-Reinforcement Learning with Universal Policy Adaptation:
 * Provable Near-Optimality under All-Task Optimum Comparator", NeurIPS 2024,
 * https://openreview.net/forum?id=rpjh69DUX2 ; J. Schulman et al., "Proximal Policy
 * Optimization Algorithms", 2017, https://arxiv.org/abs/1707.06347 (the KL-penalized surrogate).
 */
import type * as TF from '@tensorflow/tfjs';
import { adamConfig, adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, withDefaults } from '../core/schema';
import { tf } from '../core/tf';
import { Dynamics } from '../envs/particle';
import { rolloutOne, TrajectoryBatch } from '../policies/rollout';
import { actionProbs, logProbsTf, PolicySpec } from '../policies/softmax-mlp';
import { advantages, StepSamples, vpgGradient } from './vpg';

export const boMrlPpoSchema = section({
  lambda: num.positive().default(1).describe('lambda of Alg: weight of the visitation-weighted KL to pi_phi (> 0)'),
  inner: section({
    steps: int.positive().default(10).describe('Adam steps on the one-time data that approach the argmax of Alg'),
    lr: num.positive().default(0.01).describe('their step size'),
  }).default({}).describe('the inner solver of Alg'),
  metaBatch: int.positive().default(1).describe('support types per meta-update'),
  K: int.positive().default(10).describe('episodes of the one-time data and of the outer batch'),
  gamma: num.min(0).max(1).default(0.99).describe('discount of the advantages'),
  adam: withDefaults(adamSchema, { lr: 0.01 }).default({}).describe('outer (meta) optimizer'),
});
export type BoMrlPpoConfig = Resolved<typeof boMrlPpoSchema>;
export const boMrlPpoConfig = resolver('bo-mrl-ppo config', boMrlPpoSchema);

const INNER_ADAM = adamSchema.parse({});

/** -L(theta) on tensors (a loss, minimized by the inner Adam steps). */
function negObjective(theta: TF.Tensor1D, states: TF.Tensor2D, actions: TF.Tensor2D, adv: TF.Tensor1D, logPiPhi: TF.Tensor2D, piPhi: TF.Tensor2D, lambda: number, spec: PolicySpec): TF.Scalar {
  const logp = logProbsTf(theta, states, spec);
  const logRatio = tf.sum(tf.mul(tf.sub(logp, logPiPhi), actions), 1);
  const surrogate = tf.mean(tf.mul(tf.exp(logRatio), adv));
  const kl = tf.mean(tf.sum(tf.mul(piPhi, tf.sub(logPiPhi, logp)), 1));
  return tf.neg(tf.sub(surrogate, tf.mul(lambda, kl))) as TF.Scalar;
}

/**
 * L(theta) of Alg on fixed one-time data, as a function of theta: the data's tensors are
 * made once (call `dispose` when done).
 */
function objectiveOn(phi: Float32Array, samples: StepSamples, lambda: number, spec: PolicySpec): { at(theta: Float32Array): { value: number; grad: Float32Array }; dispose(): void } {
  const N = samples.actions.length, A = spec.nActions;
  if (N === 0) return { at: (theta) => ({ value: 0, grad: new Float32Array(theta.length) }), dispose: () => undefined };
  const pPhi = actionProbs(phi, samples.states, spec);
  const data = tf.tidy(() => ({
    states: tf.tensor2d(samples.states, [N, spec.obsDim]),
    actions: tf.oneHot(tf.tensor1d(samples.actions, 'int32'), A).toFloat() as TF.Tensor2D,
    adv: tf.tensor1d(samples.advantages),
    pp: tf.tensor2d(Float32Array.from(pPhi), [N, A]),
    lp: tf.tensor2d(Float32Array.from(pPhi, (p) => Math.log(Math.max(p, 1e-30))), [N, A]),
  }));
  return {
    at(theta) {
      const [g, l] = tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((th: TF.Tensor1D) => negObjective(th, data.states, data.actions, data.adv, data.lp, data.pp, lambda, spec))(tf.tensor1d(theta));
        return [grad, value];
      });
      const grad = (g.dataSync() as Float32Array).map((x) => -x);
      const value = -l.dataSync()[0];
      tf.dispose([g, l]);
      return { value, grad };
    },
    dispose: () => tf.dispose(Object.values(data)),
  };
}

/**
 * L(theta) of Alg on the one-time data and its gradient in theta (tfjs, first derivatives).
 * @param phi the policy that collected `samples` (pi_phi in the ratio and the KL)
 */
export function ppoObjective(theta: Float32Array, phi: Float32Array, samples: StepSamples, lambda: number, spec: PolicySpec): { value: number; grad: Float32Array } {
  const f = objectiveOn(phi, samples, lambda, spec);
  try {
    return f.at(theta);
  } finally {
    f.dispose();
  }
}

/** What Alg returns on one batch. */
export interface PpoAdapted {
  theta: Float32Array;
  /** L before and after the inner steps. */
  before: number;
  after: number;
}

/**
 * Line 4: theta' = Alg(pi_phi, lambda, tau) on the one-time data `samples` (collected by
 * pi_phi), by `inner.steps` Adam steps from phi (ascent on L). Pure: phi is not modified.
 */
export function ppoAdapt(phi: Float32Array, samples: StepSamples, cfg: Pick<BoMrlPpoConfig, 'lambda' | 'inner'>, spec: PolicySpec): PpoAdapted {
  const f = objectiveOn(phi, samples, cfg.lambda, spec);
  try {
    let theta = phi.slice(), adam = adamInit(phi.length), before = 0;
    const innerAdam = adamConfig({ ...INNER_ADAM, lr: cfg.inner.lr });
    for (let k = 0; k < cfg.inner.steps; k++) {
      const { value, grad } = f.at(theta);
      if (k === 0) before = value;
      const next = adamStep(theta, grad.map((x) => -x), adam, innerAdam);
      theta = next.theta;
      adam = next.state;
    }
    return { theta, before, after: f.at(theta).value };
  } finally {
    f.dispose();
  }
}

/** Alg on a batch of episodes collected by pi_phi (advantages from vpg.ts). */
export function ppoAdaptBatch(phi: Float32Array, batch: TrajectoryBatch, cfg: Pick<BoMrlPpoConfig, 'lambda' | 'inner' | 'gamma'>, spec: PolicySpec): PpoAdapted {
  return ppoAdapt(phi, advantages(batch, cfg.gamma), cfg, spec);
}

export interface BoMrlPpoState {
  theta: Float32Array;
  adam: AdamState;
  iteration: number;
}

export function boMrlPpoInit(theta: Float32Array): BoMrlPpoState {
  return { theta: theta.slice(), adam: adamInit(theta.length), iteration: 0 };
}

export interface BoMrlPpoStepInfo {
  types: number[];
  /** Mean episode return of pi_phi (the one-time data) and of pi_theta' (the outer batch). */
  preReturn: number;
  postReturn: number;
}

function meanReturn(b: TrajectoryBatch): number {
  let s = 0;
  for (let i = 0; i < b.rewards.length; i++) s += b.rewards[i];
  return s / b.B;
}

/** One meta-iteration (lines 2-7). */
export function boMrlPpoStep(s: BoMrlPpoState, supportTypes: readonly number[], cfg: BoMrlPpoConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { state: BoMrlPpoState; info: BoMrlPpoStepInfo } {
  if (supportTypes.length === 0) throw new RangeError('boMrlPpoStep: no support types');
  const grad = new Float32Array(s.theta.length), types: number[] = [];
  let pre = 0, post = 0;
  for (let m = 0; m < cfg.metaBatch; m++) {
    const type = rng.choice(supportTypes);
    types.push(type);
    const data = rolloutOne(s.theta, [type], cfg.K, dyn, spec, rng); // l.3
    pre += meanReturn(data) / cfg.metaBatch;
    const adapted = ppoAdaptBatch(s.theta, data, cfg, spec).theta; // l.4
    const outer = rolloutOne(adapted, [type], cfg.K, dyn, spec, rng); // l.5
    post += meanReturn(outer) / cfg.metaBatch;
    const g = vpgGradient(adapted, advantages(outer, cfg.gamma), spec).grad; // l.5-6: the surrogate loss's gradient, -g_tau
    for (let j = 0; j < grad.length; j++) grad[j] += g[j] / cfg.metaBatch;
  }
  const next = adamStep(s.theta, grad, s.adam, cfg.adam); // l.7 (Adam descends the loss: ascent on J)
  return { state: { theta: next.theta, adam: next.state, iteration: s.iteration + 1 }, info: { types, preReturn: pre, postReturn: post } };
}
