/**
 * DADS, "Dynamics-Aware Unsupervised Discovery of Skills" (Sharma, Gu, Levine, Kumar &
 * Hausman, ICLR 2020), on point navigation with discrete skills and the policy-gradient
 * learner of diayn.ts.
 *
 * Where DIAYN makes skills distinguishable by the states they visit, DADS makes them
 * predictable: it maximises I(s'; z | s) = H(s' | s) - H(s' | s, z), with a learned
 * skill-dynamics model q_phi(s' | s, z) as the variational bound (survey slides, paper 002,
 * "Dynamics-aware unsupervised discovery of skills"):
 *
 *   r_z(s, a, s') = log [ q_phi(s' | s, z) / (1/L sum_{i=1..L} q_phi(s' | s, z_i)) ],   z_i ~ p(z)
 *
 * With K discrete, equally likely skills the marginal is exact: z_i runs over all K skills
 * (L = K), so r = log q_phi(s' | s, z) - logsumexp_i log q_phi(s' | s, z_i) + log K, and
 * its mean is an estimate of I(s'; z | s) that cannot exceed log K.
 *
 *   Alg. 1 (DADS):  initialise pi, q_phi
 *     while not converged:
 *       sample a skill z ~ p(z) every episode                          (l.3)
 *       collect new M on-policy samples                                 (l.4)
 *       update q_phi using K_1 steps of gradient descent on the M transitions  (l.5)
 *       compute r_z(s, a, s') for the M transitions                     (l.6)
 *       update pi using any RL algorithm (here: VPG with an entropy bonus)    (l.7)
 *
 * q_phi(s' | s, z) predicts the step Delta = s' - s as a Gaussian N(mu_phi(s, z), sigma_phi^2)
 * with a fixed sigma_phi (dynamicsSigma): the Gaussian policy's network (gaussian-mlp.ts) with
 * input [s, onehot(z)], trained by maximum likelihood.
 *
 * References: A. Sharma, S. Gu, S. Levine, V. Kumar, K. Hausman, "Dynamics-Aware
 * Unsupervised Discovery of Skills", ICLR 2020, https://arxiv.org/abs/1907.01657.
 */
import type * as TF from '@tensorflow/tfjs';
import { AdamConfig, adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { int, num, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { PointNavConfig } from '../envs/point-nav';
import { appendOneHot, skillPolicies } from '../policies/condition';
import { GaussianSpec, gaussianEntropy, gaussianInitConfig, gaussianInitSchema, gaussianLogProbTf, gaussianMeans, initGaussian, logSigmaOf } from '../policies/gaussian-mlp';
import { NavBatch, rolloutNav } from '../policies/nav-rollout';
import { skillRows } from './diayn';
import { gaussianVpgUpdate, navAdvantages } from './gaussian-vpg';

export const dadsSchema = section({
  nSkills: int.min(2).default(8).describe('number of discrete skills K, p(z) uniform (one skill has nothing to be told apart from)'),
  entropyWeight: num.min(0).default(0.01).describe('weight beta of the policy\'s entropy bonus'),
  episodesPerSkill: int.min(2).default(4).describe('episodes of every skill per iteration (>= 2 for the per-skill baseline)'),
  gamma: num.min(0).max(1).default(0.99).describe('discount of the reward-to-go'),
  policyHidden: int.positive().default(64).describe('hidden ReLU units of pi(a | s, z)'),
  policyAdam: adamSchema.default({ lr: 0.01 }).describe('Adam settings of the policy update (l.7)'),
  policyInit: gaussianInitSchema.default({}).describe('initial Gaussian policy'),
  dynamicsSigma: num.positive().default(0.05).describe('fixed standard deviation of q_phi\'s Gaussian over Delta (DADS fixes the variance; a learned one collapses on the action box\'s corners, where the clipped step is exactly predictable)'),
  dynamicsHidden: int.positive().default(32).describe('hidden ReLU units of the skill-dynamics model q_phi(s\' | s, z)'),
  dynamicsSteps: int.positive().default(5).describe('Adam steps K_1 of the skill-dynamics model per iteration (l.5)'),
  dynamicsAdam: adamSchema.default({ lr: 0.01 }).describe('Adam settings of the skill-dynamics model'),
});
export type DadsConfig = Resolved<typeof dadsSchema>;
export const dadsConfig = resolver('dads config', dadsSchema);

/** q_phi's network: input [x, y, onehot(z)], a 2D Gaussian over Delta = s' - s. */
export function dynamicsSpec(cfg: Pick<DadsConfig, 'nSkills' | 'dynamicsHidden'>): GaussianSpec {
  return { obsDim: 2 + cfg.nSkills, hidden: cfg.dynamicsHidden, actDim: 2 };
}

/**
 * log q_phi(s'_n | s_n, z) for every skill z, plain typed-array math.
 * @param states [N, 2] s;  @param next [N, 2] s'
 * @returns [N, K]
 */
export function dynamicsLogProbs(phi: Float32Array, states: Float32Array, next: Float32Array, spec: GaussianSpec): Float64Array {
  const K = spec.obsDim - 2, N = states.length / 2;
  const logSigma = logSigmaOf(phi, spec);
  const out = new Float64Array(N * K);
  for (let z = 0; z < K; z++) {
    const mu = gaussianMeans(phi, appendOneHot(states, 2, new Int32Array(N).fill(z), K), spec);
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let d = 0; d < 2; d++) {
        const e = (next[2 * n + d] - states[2 * n + d] - mu[2 * n + d]) / Math.exp(logSigma[d]);
        s += -0.5 * e * e - logSigma[d] - 0.5 * Math.log(2 * Math.PI);
      }
      out[n * K + z] = s;
    }
  }
  return out;
}

/**
 * Alg. 1, l.6: r = log q(s' | s, z) - log (1/K sum_i q(s' | s, z_i)), the marginal over all K skills.
 * @returns [N]
 */
export function dadsRewards(phi: Float32Array, states: Float32Array, next: Float32Array, skillOf: ArrayLike<number>, spec: GaussianSpec): Float32Array {
  const K = spec.obsDim - 2, N = skillOf.length;
  const lq = dynamicsLogProbs(phi, states, next, spec);
  const r = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    let m = -Infinity;
    for (let z = 0; z < K; z++) m = Math.max(m, lq[n * K + z]);
    let s = 0;
    for (let z = 0; z < K; z++) s += Math.exp(lq[n * K + z] - m);
    r[n] = lq[n * K + skillOf[n]] - (m + Math.log(s)) + Math.log(K);
  }
  return r;
}

/** Alg. 1, l.5: `steps` Adam steps on -1/N sum_n log q_phi(s'_n | s_n, z_n). Returns the loss before the first step. */
export function dynamicsUpdate(phi: Float32Array, adam: AdamState, states: Float32Array, next: Float32Array, skillOf: Int32Array, spec: GaussianSpec,
  steps: number, cfg: AdamConfig): { phi: Float32Array; adam: AdamState; loss: number } {
  const N = skillOf.length, K = spec.obsDim - 2;
  const delta = new Float32Array(2 * N);
  for (let i = 0; i < 2 * N; i++) delta[i] = next[i] - states[i];
  const [X, Y] = tf.tidy(() => [tf.tensor2d(appendOneHot(states, 2, skillOf, K), [N, spec.obsDim]), tf.tensor2d(delta, [N, 2])]);
  let p = phi, a = adam, first = NaN;
  try {
    for (let i = 0; i < steps; i++) {
      const [g, l] = tf.tidy(() => {
        const f = (th: TF.Tensor1D) => tf.neg(tf.mean(gaussianLogProbTf(th, X as TF.Tensor2D, Y as TF.Tensor2D, spec))) as TF.Scalar;
        const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(p));
        return [grad, value];
      });
      if (i === 0) first = l.dataSync()[0];
      const grad = g.dataSync() as Float32Array;
      grad.fill(0, grad.length - spec.actDim); // sigma_phi is fixed
      const next = adamStep(p, grad, a, cfg);
      tf.dispose([g, l]);
      p = next.theta;
      a = next.state;
    }
  } finally {
    tf.dispose([X, Y]);
  }
  return { phi: p, adam: a, loss: first };
}

export interface DadsState {
  theta: Float32Array;
  policyAdam: AdamState;
  phi: Float32Array;
  dynamicsAdam: AdamState;
  iteration: number;
}

export interface DadsMetrics {
  iteration: number;
  /** Mean reward of the batch before the policy update: an estimate of I(s'; z | s) in nats (at most log K). */
  miEstimate: number;
  /** Negative log-likelihood of the batch's transitions under q_phi, before its update. */
  dynamicsLoss: number;
  /** Policy entropy (nats). */
  entropy: number;
}

function policySpec(cfg: DadsConfig): GaussianSpec {
  return { obsDim: 2 + cfg.nSkills, hidden: cfg.policyHidden, actDim: 2 };
}

export function dadsInit(cfg: DadsConfig, rng: Rng): DadsState {
  const theta = initGaussian(policySpec(cfg), rng.split(), cfg.policyInit);
  const phi = initGaussian(dynamicsSpec(cfg), rng.split(), gaussianInitConfig({ outputScale: 1, logSigma: Math.log(cfg.dynamicsSigma) }));
  return { theta, policyAdam: adamInit(theta.length), phi, dynamicsAdam: adamInit(phi.length), iteration: 0 };
}

/** Roll out `perSkill` episodes of every skill from the origin (rows skill-major). */
export function dadsSkillRollout(theta: Float32Array, cfg: DadsConfig, perSkill: number, env: PointNavConfig, rng: Rng): NavBatch {
  const spec = policySpec(cfg);
  return rolloutNav(skillPolicies(theta, spec.obsDim, spec.hidden, cfg.nSkills), skillRows(cfg.nSkills, perSkill), env, { obsDim: 2, hidden: spec.hidden, actDim: 2 }, rng);
}

/** One iteration of Alg. 1 on point navigation. */
export function dadsStep(s: DadsState, cfg: DadsConfig, env: PointNavConfig, rng: Rng): { state: DadsState; metrics: DadsMetrics } {
  const spec = policySpec(cfg), qspec = dynamicsSpec(cfg);
  const batch = dadsSkillRollout(s.theta, cfg, cfg.episodesPerSkill, env, rng); // l.3-4
  const { B, T } = batch;
  const states = new Float32Array(B * T * 2), next = new Float32Array(B * T * 2), zs = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    states.set(batch.states.subarray(b * (T + 1) * 2, (b * (T + 1) + T) * 2), b * T * 2);
    next.set(batch.states.subarray((b * (T + 1) + 1) * 2, (b + 1) * (T + 1) * 2), b * T * 2);
    zs.fill(batch.policyOf[b], b * T, (b + 1) * T);
  }
  const dyn = dynamicsUpdate(s.phi, s.dynamicsAdam, states, next, zs, qspec, cfg.dynamicsSteps, cfg.dynamicsAdam); // l.5
  const r = dadsRewards(dyn.phi, states, next, zs, qspec); // l.6
  const samples = navAdvantages(batch, r, cfg.gamma, batch.policyOf, { of: batch.policyOf, n: cfg.nSkills });
  const pol = gaussianVpgUpdate(s.theta, s.policyAdam, samples, spec, cfg.policyAdam, cfg.entropyWeight); // l.7
  let mi = 0;
  for (let i = 0; i < r.length; i++) mi += r[i] / r.length;
  return {
    state: { theta: pol.theta, policyAdam: pol.adam, phi: dyn.phi, dynamicsAdam: dyn.adam, iteration: s.iteration + 1 },
    metrics: { iteration: s.iteration, miEstimate: mi, dynamicsLoss: dyn.loss, entropy: gaussianEntropy(s.theta, spec) },
  };
}
