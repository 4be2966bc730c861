/**
 * DIAYN, "Diversity is All You Need" (Eysenbach, Gupta, Ibarz & Levine, ICLR 2019), with a
 * policy-gradient learner, on point navigation (Gaussian policy) and on the particle
 * testbed (softmax policy).
 *
 * The objective, as derived on the survey slides (paper 002, "Learning skills without a
 * reward function"):
 *
 *   F(theta) = I(S; Z) + H[A | S] - I(A; Z | S) = H[A | S, Z] - H[Z | S] + H[Z]
 *            = H[A | S, Z] + E_{z ~ p(z), s ~ pi(z)}[log p(z | s)] - E_{z ~ p(z)}[log p(z)]
 *           >= H[A | S, Z] + E_{z ~ p(z), s ~ pi(z)}[log q_phi(z | s) - log p(z)]  = G(theta, phi)
 *
 * so each skill is rewarded with r_z(s) = log q_phi(z | s) - log p(z) and acts as randomly
 * as it can. The paper's Algorithm 1, batched over episodes:
 *
 *   Alg. 1, l.1: while not converged do
 *           l.2:   sample skill z ~ p(z) and initial state s_0 (every episode of the batch)
 *           l.4:   a_t ~ pi_theta(a_t | s_t, z)
 *           l.5:   s_{t+1} ~ p(s_{t+1} | s_t, a_t)
 *           l.6:   q_phi(z | s_{t+1}) with the discriminator
 *           l.7:   r_t = log q_phi(z | s_{t+1}) - log p(z)
 *           l.8:   update theta to maximise r_t (the paper: SAC; here: VPG with an entropy bonus beta H[A|S,Z])
 *           l.9:   update phi with SGD on -log q_phi(z | s_{t+1}) (here: Adam, a few steps on the batch)
 *
 * Why a policy-gradient learner: the unsupervised meta-RL experiment hands DIAYN's tasks to
 * MAML, whose inner loop is VPG anyway (Gupta et al.), so one learner, one policy class and
 * one rollout path serve both halves; it keeps this file independent of the off-policy SAC
 * machinery. The cost: on-policy samples, so DIAYN needs more episodes than with SAC.
 * The H[A|S,Z] term enters the loss as an entropy bonus (as in A3C), not as SAC's soft
 * value: with the Gaussian's state-independent sigma, an entropy reward would be the same
 * constant in every state and the baseline would remove it.
 *
 * p(z) is uniform over nSkills skills. Each batch gives every skill the same number of
 * episodes (stratified draws from the uniform p(z)), so the leave-one-out baseline can use
 * the other episodes of the same skill: the rewards of different skills are different
 * functions, and a baseline across skills would be a worse one (still unbiased).
 *
 * References: B. Eysenbach, A. Gupta, J. Ibarz, S. Levine, "Diversity is All You Need:
 * Learning Skills without a Reward Function", ICLR 2019, https://arxiv.org/abs/1802.06070.
 */
import type * as TF from '@tensorflow/tfjs';
import { AdamConfig, adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { int, num, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { Dynamics } from '../envs/particle';
import { PointNavConfig } from '../envs/point-nav';
import { appendOneHot, skillPolicies } from '../policies/condition';
import { GaussianSpec, gaussianEntropy, initGaussian, gaussianInitSchema } from '../policies/gaussian-mlp';
import { NavBatch, nextStates, rolloutNav } from '../policies/nav-rollout';
import { rollout, TrajectoryBatch } from '../policies/rollout';
import { actionProbs, initConfig, initParams, logitsTf, PolicySpec } from '../policies/softmax-mlp';
import { gaussianVpgUpdate, navAdvantages } from './gaussian-vpg';
import { looBaseline, rewardToGo } from './vpg';

export const diaynSchema = section({
  nSkills: int.min(2).default(8).describe('number of skills K; p(z) is uniform over them (one skill has nothing to be told apart from)'),
  entropyWeight: num.min(0).default(0.01).describe('weight beta of the entropy term H[A|S,Z] in the policy loss (the paper\'s SAC temperature plays this role)'),
  episodesPerSkill: int.min(2).default(4).describe('episodes of every skill per iteration (>= 2: the baseline of an episode uses the other episodes of its skill)'),
  gamma: num.min(0).max(1).default(0.99).describe('discount of the pseudo-reward\'s reward-to-go'),
  policyHidden: int.positive().default(64).describe('hidden ReLU units of the skill-conditioned policy pi(a | s, z)'),
  policyAdam: adamSchema.default({ lr: 0.01 }).describe('Adam settings of the policy update (l.8)'),
  policyInit: gaussianInitSchema.default({}).describe('initial Gaussian policy (point navigation); the softmax policy starts near uniform'),
  discriminatorHidden: int.positive().default(32).describe('hidden ReLU units of the discriminator q_phi(z | s)'),
  discriminatorSteps: int.positive().default(5).describe('Adam steps of the discriminator per iteration, on the batch\'s states (l.9)'),
  discriminatorAdam: adamSchema.default({ lr: 0.01 }).describe('Adam settings of the discriminator'),
});
export type DiaynConfig = Resolved<typeof diaynSchema>;
export const diaynConfig = resolver('diayn config', diaynSchema);

// ---------------------------------------------------------------------------------------
// The discriminator q_phi(z | s): a softmax classifier over skills, the softmax policy's
// network with "actions" = skills (softmax-mlp.ts).

export function discriminatorSpec(cfg: Pick<DiaynConfig, 'nSkills' | 'discriminatorHidden'>): PolicySpec {
  return { obsDim: 2, hidden: cfg.discriminatorHidden, nActions: cfg.nSkills };
}

/**
 * log q_phi(z | s) for N states, plain typed-array math.
 * @param states [N, 2]
 * @returns [N, nSkills]
 */
export function discriminatorLogProbs(phi: Float32Array, states: ArrayLike<number>, spec: PolicySpec): Float64Array {
  const p = actionProbs(phi, states, spec);
  for (let i = 0; i < p.length; i++) p[i] = Math.log(Math.max(p[i], 1e-300));
  return p;
}

/**
 * Alg. 1, l.7: the pseudo-reward r = log q_phi(z | s') - log p(z) with p(z) = 1/nSkills.
 * @param next [N, 2] next states s'
 * @param skillOf [N] the skill z of each state's episode
 * @returns [N]
 */
export function pseudoRewards(phi: Float32Array, next: ArrayLike<number>, skillOf: ArrayLike<number>, spec: PolicySpec): Float32Array {
  const K = spec.nActions, N = skillOf.length;
  if (next.length !== 2 * N) throw new RangeError(`pseudoRewards: ${next.length / 2} states but ${N} skills`);
  const logq = discriminatorLogProbs(phi, next, spec);
  const logPz = -Math.log(K);
  const r = new Float32Array(N);
  for (let n = 0; n < N; n++) r[n] = logq[n * K + skillOf[n]] - logPz;
  return r;
}

/** Share of states whose most likely skill under q_phi is their own. */
export function discriminatorAccuracy(phi: Float32Array, states: ArrayLike<number>, skillOf: ArrayLike<number>, spec: PolicySpec): number {
  const K = spec.nActions, N = skillOf.length;
  const p = actionProbs(phi, states, spec);
  let hits = 0;
  for (let n = 0; n < N; n++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (p[n * K + k] > p[n * K + best]) best = k;
    if (best === skillOf[n]) hits++;
  }
  return hits / N;
}

/** Fresh discriminator parameters (fan-in init, output layer at full scale). */
export function initDiscriminator(spec: PolicySpec, rng: Rng): Float32Array {
  return initParams(spec, rng, initConfig({ outputScale: 1 }));
}

/**
 * Alg. 1, l.9: `steps` Adam steps on the cross-entropy -1/N sum_n log q_phi(z_n | s_n).
 * @returns new parameters, optimizer state and the loss before the first step
 */
export function discriminatorUpdate(phi: Float32Array, adam: AdamState, states: Float32Array, skillOf: Int32Array, spec: PolicySpec,
  steps: number, cfg: AdamConfig): { phi: Float32Array; adam: AdamState; loss: number } {
  const N = skillOf.length;
  let p = phi, a = adam, first = NaN;
  const [S, Y] = tf.tidy(() => [tf.tensor2d(states, [N, 2]), tf.oneHot(tf.tensor1d(skillOf, 'int32'), spec.nActions).toFloat()]);
  try {
    for (let i = 0; i < steps; i++) {
      const [g, l] = tf.tidy(() => {
        const f = (th: TF.Tensor1D) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logitsTf(th, S as TF.Tensor2D, spec)), Y), 1))) as TF.Scalar;
        const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(p));
        return [grad, value];
      });
      const grad = g.dataSync() as Float32Array;
      if (i === 0) first = l.dataSync()[0];
      tf.dispose([g, l]);
      const next = adamStep(p, grad, a, cfg);
      p = next.theta;
      a = next.state;
    }
  } finally {
    tf.dispose([S, Y]);
  }
  return { phi: p, adam: a, loss: first };
}

// ---------------------------------------------------------------------------------------
// The loop, shared by both environments.

export interface DiaynState {
  /** Skill-conditioned policy pi_theta(a | s, z), input [s, onehot(z)]. */
  theta: Float32Array;
  policyAdam: AdamState;
  /** Discriminator q_phi(z | s). */
  phi: Float32Array;
  discriminatorAdam: AdamState;
  iteration: number;
}

/** What one iteration measured, on the batch it collected (before its updates). */
export interface DiaynMetrics {
  iteration: number;
  /** Share of the batch's next states that q_phi assigns to their own skill (chance: 1/nSkills). */
  accuracy: number;
  /**
   * E[log q_phi(z | s) - log p(z)] over the batch's next states: the variational lower
   * bound on I(S; Z) in nats (at most log nSkills), and the mean pseudo-reward per step.
   */
  miLowerBound: number;
  /** Cross-entropy of the discriminator before its update. */
  discriminatorLoss: number;
  /** Policy entropy H[A | S, Z] (nats), mean over the batch's states. */
  entropy: number;
}

/** Skills of a stratified batch: episode b plays skill floor(b / episodesPerSkill). */
export function skillRows(nSkills: number, episodesPerSkill: number): Int32Array {
  const out = new Int32Array(nSkills * episodesPerSkill);
  for (let b = 0; b < out.length; b++) out[b] = Math.floor(b / episodesPerSkill);
  return out;
}

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** The skill of every next state of a batch whose row b plays skillOf[b] for T steps. */
function skillPerStep(skillOf: Int32Array, T: number): Int32Array {
  const out = new Int32Array(skillOf.length * T);
  for (let b = 0; b < skillOf.length; b++) out.fill(skillOf[b], b * T, (b + 1) * T);
  return out;
}

// ---------------------------------------------------------------------------------------
// Point navigation: Gaussian skills.

/** The policy's network for point navigation: input [x, y, onehot(z)], 2D Gaussian action. */
export function navPolicySpec(cfg: DiaynConfig): GaussianSpec {
  return { obsDim: 2 + cfg.nSkills, hidden: cfg.policyHidden, actDim: 2 };
}

export function diaynNavInit(cfg: DiaynConfig, rng: Rng): DiaynState {
  const theta = initGaussian(navPolicySpec(cfg), rng.split(), cfg.policyInit);
  const phi = initDiscriminator(discriminatorSpec(cfg), rng.split());
  return { theta, policyAdam: adamInit(theta.length), phi, discriminatorAdam: adamInit(phi.length), iteration: 0 };
}

/** Roll out `perSkill` episodes of every skill from the origin (rows skill-major). */
export function navSkillRollout(theta: Float32Array, cfg: DiaynConfig, perSkill: number, env: PointNavConfig, rng: Rng): NavBatch {
  const spec = navPolicySpec(cfg);
  const policies = skillPolicies(theta, spec.obsDim, spec.hidden, cfg.nSkills); // theta_z: the skill folded into the bias
  return rolloutNav(policies, skillRows(cfg.nSkills, perSkill), env, { obsDim: 2, hidden: spec.hidden, actDim: 2 }, rng);
}

/** One iteration of Alg. 1 on point navigation. */
export function diaynNavStep(s: DiaynState, cfg: DiaynConfig, env: PointNavConfig, rng: Rng): { state: DiaynState; metrics: DiaynMetrics } {
  const spec = navPolicySpec(cfg), dspec = discriminatorSpec(cfg);
  const batch = navSkillRollout(s.theta, cfg, cfg.episodesPerSkill, env, rng); // l.2-5
  const next = nextStates(batch);
  const zPerStep = skillPerStep(batch.policyOf, batch.T);
  const r = pseudoRewards(s.phi, next, zPerStep, dspec); // l.6-7
  const accuracy = discriminatorAccuracy(s.phi, next, zPerStep, dspec);
  const samples = navAdvantages(batch, r, cfg.gamma, batch.policyOf, { of: batch.policyOf, n: cfg.nSkills });
  const pol = gaussianVpgUpdate(s.theta, s.policyAdam, samples, spec, cfg.policyAdam, cfg.entropyWeight); // l.8
  const disc = discriminatorUpdate(s.phi, s.discriminatorAdam, next, zPerStep, dspec, cfg.discriminatorSteps, cfg.discriminatorAdam); // l.9
  return {
    state: { theta: pol.theta, policyAdam: pol.adam, phi: disc.phi, discriminatorAdam: disc.adam, iteration: s.iteration + 1 },
    metrics: { iteration: s.iteration, accuracy, miLowerBound: meanOf(r), discriminatorLoss: disc.loss, entropy: gaussianEntropy(s.theta, spec) },
  };
}

// ---------------------------------------------------------------------------------------
// The particle testbed: softmax skills over the four buttons.

/** The policy's network on the particle testbed: input [x, y, onehot(z)], 4 actions. */
export function particlePolicySpec(cfg: DiaynConfig): PolicySpec {
  return { obsDim: 2 + cfg.nSkills, hidden: cfg.policyHidden, nActions: 4 };
}

export function diaynParticleInit(cfg: DiaynConfig, rng: Rng): DiaynState {
  const theta = initParams(particlePolicySpec(cfg), rng.split(), initConfig({ outputScale: 0.01 }));
  const phi = initDiscriminator(discriminatorSpec(cfg), rng.split());
  return { theta, policyAdam: adamInit(theta.length), phi, discriminatorAdam: adamInit(phi.length), iteration: 0 };
}

/** Roll out `perSkill` episodes of every skill on entity type `type` of `dyn` (rows skill-major). */
export function particleSkillRollout(theta: Float32Array, cfg: DiaynConfig, perSkill: number, dyn: Dynamics, type: number, rng: Rng): TrajectoryBatch {
  const spec = particlePolicySpec(cfg);
  const policies = skillPolicies(theta, spec.obsDim, spec.hidden, cfg.nSkills);
  const skillOf = skillRows(cfg.nSkills, perSkill);
  return rollout(policies, skillOf, new Int32Array(skillOf.length).fill(type), dyn, { obsDim: 2, hidden: spec.hidden, nActions: 4 }, rng);
}

/**
 * Flattened steps of a particle batch with pseudo-rewards: next states, skills, and the
 * policy's samples (input [s_t, onehot(z)], action, normalised advantage).
 */
function particleSamples(batch: TrajectoryBatch, phi: Float32Array, cfg: DiaynConfig) {
  const { B, T, mask } = batch;
  const skillOf = batch.policyOf;
  const dspec = discriminatorSpec(cfg);
  const nextAll = new Float32Array(B * T * 2);
  for (let b = 0; b < B; b++) nextAll.set(batch.states.subarray((b * (T + 1) + 1) * 2, (b + 1) * (T + 1) * 2), b * T * 2);
  const rAll = pseudoRewards(phi, nextAll, skillPerStep(skillOf, T), dspec);
  for (let k = 0; k < B * T; k++) if (!mask[k]) rAll[k] = 0;
  const G = rewardToGo(rAll, mask, B, T, cfg.gamma);
  const base = new Float32Array(B * T);
  const per = cfg.episodesPerSkill;
  for (let z = 0; z < cfg.nSkills; z++) {
    const from = z * per * T, to = (z + 1) * per * T;
    base.set(looBaseline(G.subarray(from, to), mask.subarray(from, to), per, T), from);
  }
  let N = 0;
  for (let k = 0; k < B * T; k++) N += mask[k];
  const states = new Float32Array(N * 2), next = new Float32Array(N * 2), actions = new Int32Array(N), adv = new Float32Array(N), zs = new Int32Array(N);
  const r = new Float32Array(N);
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (!mask[k]) continue;
      const si = (b * (T + 1) + t) * 2;
      states[2 * n] = batch.states[si];
      states[2 * n + 1] = batch.states[si + 1];
      next[2 * n] = batch.states[si + 2];
      next[2 * n + 1] = batch.states[si + 3];
      actions[n] = batch.actions[k];
      adv[n] = G[k] - base[k];
      zs[n] = skillOf[b];
      r[n] = rAll[k];
      n++;
    }
  }
  const m = meanOf(adv);
  let v = 0;
  for (let i = 0; i < N; i++) v += (adv[i] - m) * (adv[i] - m);
  const sd = Math.sqrt(v / Math.max(N, 1));
  for (let i = 0; i < N; i++) adv[i] = sd > 1e-8 ? (adv[i] - m) / sd : 0;
  return { obs: appendOneHot(states, 2, zs, cfg.nSkills), next, actions, adv, zs, r };
}

/**
 * The softmax policy's loss with an entropy bonus:
 *   L = -1/N sum A_n log pi(a_n | s_n, z_n) - beta 1/N sum_n H[pi(. | s_n, z_n)]
 * Returns the gradient, the loss and the mean entropy.
 */
export function softmaxEntropyPgGradient(theta: Float32Array, obs: Float32Array, actions: Int32Array, adv: Float32Array, spec: PolicySpec, beta: number): { grad: Float32Array; loss: number; entropy: number } {
  const N = actions.length;
  const [g, l, h] = tf.tidy(() => {
    const S = tf.tensor2d(obs, [N, spec.obsDim]);
    const A = tf.oneHot(tf.tensor1d(actions, 'int32'), spec.nActions).toFloat();
    const adv1 = tf.tensor1d(adv);
    let ent: TF.Scalar = tf.scalar(0);
    const f = (th: TF.Tensor1D) => {
      const logp = tf.logSoftmax(logitsTf(th, S, spec));
      const H = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 1))) as TF.Scalar;
      ent = tf.keep(H);
      return tf.sub(tf.neg(tf.mean(tf.mul(tf.sum(tf.mul(logp, A), 1), adv1))), tf.mul(beta, H)) as TF.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(theta));
    return [grad, value, ent];
  });
  const out = { grad: g.dataSync().slice() as Float32Array, loss: l.dataSync()[0], entropy: h.dataSync()[0] };
  tf.dispose([g, l, h]);
  return out;
}

/** One iteration of Alg. 1 on the particle testbed (entity type `type`). */
export function diaynParticleStep(s: DiaynState, cfg: DiaynConfig, dyn: Dynamics, type: number, rng: Rng): { state: DiaynState; metrics: DiaynMetrics } {
  const spec = particlePolicySpec(cfg), dspec = discriminatorSpec(cfg);
  const batch = particleSkillRollout(s.theta, cfg, cfg.episodesPerSkill, dyn, type, rng); // l.2-5
  const smp = particleSamples(batch, s.phi, cfg); // l.6-7
  const accuracy = discriminatorAccuracy(s.phi, smp.next, smp.zs, dspec);
  const g = softmaxEntropyPgGradient(s.theta, smp.obs, smp.actions, smp.adv, spec, cfg.entropyWeight); // l.8
  const pol = adamStep(s.theta, g.grad, s.policyAdam, cfg.policyAdam);
  const disc = discriminatorUpdate(s.phi, s.discriminatorAdam, smp.next, smp.zs, dspec, cfg.discriminatorSteps, cfg.discriminatorAdam); // l.9
  return {
    state: { theta: pol.theta, policyAdam: pol.state, phi: disc.phi, discriminatorAdam: disc.adam, iteration: s.iteration + 1 },
    metrics: { iteration: s.iteration, accuracy, miLowerBound: meanOf(smp.r), discriminatorLoss: disc.loss, entropy: g.entropy },
  };
}

// ---------------------------------------------------------------------------------------
// Unsupervised meta-RL (Gupta et al.): the skills' rewards as tasks.

/**
 * The tasks DIAYN proposes: for every skill z, the reward r_z(s') = log q_phi(z | s')
 * (Gupta, Eysenbach, Finn & Levine, "Unsupervised Meta-Learning for Reinforcement
 * Learning", 2018, Sec. 4: the discriminator's log-likelihood as the task reward; the
 * constant -log p(z) changes no policy gradient). Rewards of the next state, as
 * envs/nav-tasks.ts's NavReward.
 */
export function skillTasks(phi: Float32Array, spec: PolicySpec): ((next: Float32Array) => Float32Array)[] {
  const K = spec.nActions;
  return Array.from({ length: K }, (_, z) => (next: Float32Array) => {
    const logq = discriminatorLogProbs(phi, next, spec);
    const N = next.length / 2, r = new Float32Array(N);
    for (let n = 0; n < N; n++) r[n] = logq[n * K + z];
    return r;
  });
}
