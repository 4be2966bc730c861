/**
 * RL²: fast reinforcement learning via slow reinforcement learning (Duan et al. 2016;
 * the same idea as Wang et al. 2016, "Learning to reinforcement learn"). The "fast" RL
 * algorithm is the hidden state of a recurrent policy; the "slow" one is a policy-gradient
 * method that trains its weights over trials on the support entity types.
 *
 * Duan et al., Sec. 2.1-2.3, as pseudocode (our line numbers, cited below as "l.N"):
 *
 *   1: initialise the recurrent policy theta (GRU + softmax head + value head)
 *   2: for iteration i = 1, 2, ... do
 *   3:   draw B MDPs M_b ~ p(M): entity types, uniformly from the support types
 *   4:   run one trial per M_b: N episodes, hidden state h reset to 0 at the start of the
 *        trial and kept across its episodes; input phi_t = (s_t, a_{t-1}, r_{t-1}, d_{t-1}),
 *        plus the previous move m_{t-1} = s_t - s_{t-1} (see recurrent-softmax.ts)
 *   5:   GAE(gamma, lambda) advantages, each trial one sequence: the objective is the
 *        discounted return of the whole trial, so credit crosses episode boundaries
 *   6:   for epoch = 1..E: theta <- Adam step on the clipped surrogate + value loss -
 *        entropy bonus, gradients by backpropagation through time over the whole trial
 *
 * Duan et al. optimise with TRPO and GAE; the public RL² code in garage uses PPO, which is
 * what l.6 is (Schulman et al. 2017, clipped ratio). With E = 1 epoch the clipped
 * surrogate's gradient equals the vanilla policy gradient with a learned baseline
 * (ratio 1 at the collecting parameters), i.e. advantage actor-critic (Wang et al.'s A2C).
 *
 * References
 * - Y. Duan, J. Schulman, X. Chen, P. L. Bartlett, I. Sutskever and P. Abbeel, RL²: Fast
 *   reinforcement learning via slow reinforcement learning, arXiv 2016.
 *   https://arxiv.org/abs/1611.02779
 * - J. X. Wang, Z. Kurth-Nelson, D. Tirumala, H. Soyer, J. Z. Leibo, R. Munos, C. Blundell,
 *   D. Kumaran and M. Botvinick, Learning to reinforcement learn, arXiv 2016.
 *   https://arxiv.org/abs/1611.05763
 * - J. Schulman, P. Moritz, S. Levine, M. Jordan and P. Abbeel, High-dimensional continuous
 *   control using generalized advantage estimation, ICLR 2016. https://arxiv.org/abs/1506.02438
 * - J. Schulman, F. Wolski, P. Dhariwal, A. Radford and O. Klimov, Proximal policy
 *   optimization algorithms, arXiv 2017. https://arxiv.org/abs/1707.06347
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { Dynamics } from '../envs/particle';
import { int, num, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { inputSize, recurrentBackward, recurrentForward, recurrentForwardTf, recurrentInit, RecurrentSpec } from '../policies/recurrent-softmax';
import { rolloutTrials, TrialBatch } from '../policies/trials';

export const rl2Schema = section({
  hidden: int.positive().default(32).describe('GRU hidden size H (Duan et al.: 256 units for MDPs; our task has 6 remappings and needs far fewer)'),
  headHidden: int.positive().default(64).describe('F: ReLU units of the policy head on [h_t, phi_t] (Duan et al.: none, a linear read-out of 256 units)'),
  episodesPerTrial: int.positive().default(2).describe('N: episodes per trial on one entity type, hidden state kept across them (Duan et al.: 2 for the maze)'),
  trialsPerUpdate: int.positive().default(8).describe('B: trials per policy update, each on a support type drawn uniformly'),
  gamma: num.min(0).max(1).default(0.99).describe('discount gamma over the whole trial (Duan et al.: 0.99)'),
  lambda: num.min(0).max(1).default(0.95).describe('GAE lambda (Duan et al.: 0.3)'),
  epochs: int.positive().default(1).describe('E: gradient steps per batch of trials (1 = advantage actor-critic / VPG with a learned baseline; PPO uses several)'),
  clip: num.positive().default(0.2).describe('PPO clip range epsilon of the probability ratio (inactive when epochs = 1)'),
  valueCoef: num.min(0).default(0.5).describe('weight of the value loss (shared GRU)'),
  entropyCoef: num.min(0).default(0.01).describe('weight of the entropy bonus'),
  stateScale: num.positive().default(1).describe('the state enters phi_t as s_t * stateScale'),
  rewardInputScale: num.positive().default(1).describe('the previous reward enters phi_t as r_{t-1} * rewardInputScale'),
  moveScale: num.min(0).default(20).describe('the previous move enters phi_t as (s_t - s_{t-1}) * moveScale (20 = step units; 0 leaves it out, as in the papers\' phi)'),
  rewardScale: num.positive().default(0.01).describe('rewards are multiplied by this for advantages and value targets (not in the policy input)'),
  maxGradNorm: num.positive().default(1).describe('global gradient norm clip before Adam'),
  outputScale: num.positive().default(0.01).describe('initial scale of the policy head: 0.01 starts within 1% of uniform'),
  adam: adamSchema.default({ lr: 3e-3 }).describe('Adam settings of l.6'),
});
export type Rl2Config = Resolved<typeof rl2Schema>;
export const rl2Config = resolver('rl2 config', rl2Schema);

/** The particle testbed's recurrent policy for a config: obsDim 2, 4 actions, H hidden. */
export function rl2Spec(cfg: Rl2Config): RecurrentSpec {
  return { obsDim: 2, nActions: 4, hidden: cfg.hidden, headHidden: cfg.headHidden, stateScale: cfg.stateScale, rewardInputScale: cfg.rewardInputScale, moveScale: cfg.moveScale };
}

export interface Rl2State {
  theta: Float32Array;
  adam: AdamState;
  /** Iterations done. */
  iteration: number;
}

/** l.1: fresh recurrent policy and optimizer. */
export function rl2Init(cfg: Rl2Config, rng: Rng): Rl2State {
  const theta = recurrentInit(rl2Spec(cfg), rng, cfg.outputScale);
  return { theta, adam: adamInit(theta.length), iteration: 0 };
}

/**
 * l.5: GAE over each trial as one sequence of its valid steps (padding skipped); the value
 * after the last step of a trial is 0 (the trial is over).
 *   delta_t = r_t + gamma V_{t+1} - V_t,   A_t = delta_t + gamma lambda A_{t+1},   R_t = A_t + V_t
 * Rewards are multiplied by `scale` first. Returns A and R as [B, L] (0 in padding).
 */
export function trialAdvantages(batch: Pick<TrialBatch, 'B' | 'L' | 'rewards' | 'values' | 'mask'>, gamma: number, lambda: number, scale = 1): { adv: Float32Array; targets: Float32Array } {
  const { B, L, rewards, values, mask } = batch;
  const adv = new Float32Array(B * L), targets = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    let nextV = 0, nextA = 0;
    for (let t = L - 1; t >= 0; t--) {
      const k = b * L + t;
      if (!mask[k]) continue;
      const delta = scale * rewards[k] + gamma * nextV - values[k];
      nextA = delta + gamma * lambda * nextA;
      adv[k] = nextA;
      targets[k] = nextA + values[k];
      nextV = values[k];
    }
  }
  return { adv, targets };
}

/** Scale advantages to mean 0, variance 1 over the valid steps (padding stays 0). */
export function normaliseAdvantages(adv: Float32Array, mask: Uint8Array): Float32Array {
  let n = 0, m = 0;
  for (let k = 0; k < adv.length; k++) if (mask[k]) { n++; m += adv[k]; }
  if (n === 0) return adv.slice();
  m /= n;
  let v = 0;
  for (let k = 0; k < adv.length; k++) if (mask[k]) v += (adv[k] - m) ** 2;
  const sd = Math.sqrt(v / n);
  return adv.map((a, k) => (mask[k] && sd > 1e-8 ? (a - m) / sd : 0));
}

/** What one gradient step of l.6 measured, before the step. */
export interface Rl2Loss {
  loss: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
}

/**
 * l.6, one gradient: the PPO-clip objective over all n valid steps of the batch,
 *   L = -1/n sum min(rho A, clip(rho, 1-eps, 1+eps) A) + c_v/n sum (V - R)^2 - c_H/n sum H(pi(.|h_t)),
 * with rho = pi_theta(a|h) / pi_old(a|h). Typed-array math: the loss's gradients with
 * respect to the logits and values by hand, then backpropagation through time
 * (`recurrentBackward`, lib/policies/gru-bptt.ts `gruBackprop`). Equals `rl2GradientTf`
 * (tfjs autodiff of the same loss; test/rl2.test.ts), about 5x faster.
 * @param adv [B, L] normalised advantages (0 in padding)
 * @param targets [B, L] value targets R_t
 */
export function rl2Gradient(theta: Float32Array, batch: TrialBatch, adv: Float32Array, targets: Float32Array, cfg: Rl2Config): { grad: Float32Array } & Rl2Loss {
  const spec = rl2Spec(cfg), A = spec.nActions;
  const { B, L, mask } = batch;
  const fwd = recurrentForward(theta, spec, batch.inputs, mask, B, L);
  let n = 0;
  for (let k = 0; k < B * L; k++) n += mask[k];
  const dlogits = new Float64Array(B * L * A), dvalues = new Float64Array(B * L);
  let policyLoss = 0, valueLoss = 0, entropy = 0;
  if (n > 0) {
    for (let k = 0; k < B * L; k++) {
      if (!mask[k]) continue;
      const a = batch.actions[k], lp = fwd.logp.subarray(k * A, (k + 1) * A);
      const rho = Math.exp(lp[a] - batch.logp[k]);
      const rhoClip = Math.min(Math.max(rho, 1 - cfg.clip), 1 + cfg.clip);
      const unclipped = rho * adv[k] <= rhoClip * adv[k];
      policyLoss -= (unclipped ? rho * adv[k] : rhoClip * adv[k]) / n;
      const dLogpA = unclipped ? (-rho * adv[k]) / n : 0; // the clipped branch has zero gradient
      let Hk = 0;
      for (let c = 0; c < A; c++) Hk -= Math.exp(lp[c]) * lp[c];
      entropy += Hk / n;
      for (let c = 0; c < A; c++) {
        const pc = Math.exp(lp[c]);
        // d logpi(a)/d z_c = 1[c = a] - p_c;  d H/d z_c = -p_c (log p_c + H)
        dlogits[k * A + c] = dLogpA * ((c === a ? 1 : 0) - pc) + (cfg.entropyCoef / n) * pc * (lp[c] + Hk);
      }
      const e = fwd.values[k] - targets[k];
      valueLoss += (e * e) / n;
      dvalues[k] = (cfg.valueCoef * 2 * e) / n;
    }
  }
  const grad = recurrentBackward(theta, spec, fwd, dlogits, dvalues);
  return { grad, loss: policyLoss + cfg.valueCoef * valueLoss - cfg.entropyCoef * entropy, policyLoss, valueLoss, entropy };
}

/** l.6 by tfjs autodiff (BPTT through `gruSequenceTf`): the reference `rl2Gradient` is tested against. */
export function rl2GradientTf(theta: Float32Array, batch: TrialBatch, adv: Float32Array, targets: Float32Array, cfg: Rl2Config): { grad: Float32Array } & Rl2Loss {
  const spec = rl2Spec(cfg);
  const { B, L } = batch, I = inputSize(spec);
  let nValid = 0;
  for (let k = 0; k < batch.mask.length; k++) nValid += batch.mask[k];
  const out = tf.tidy(() => {
    const inputs = tf.tensor3d(batch.inputs, [B, L, I]);
    const mask = tf.tensor2d(Float32Array.from(batch.mask), [B, L]);
    const onehot = tf.oneHot(tf.tensor2d(Int32Array.from(batch.actions), [B, L], 'int32'), spec.nActions).toFloat();
    const oldLogp = tf.tensor2d(batch.logp, [B, L]);
    const A = tf.tensor2d(adv, [B, L]), R = tf.tensor2d(targets, [B, L]);
    const parts: TF.Scalar[] = [];
    const f = (th: TF.Tensor) => {
      const { logp, values } = recurrentForwardTf(th as TF.Tensor1D, spec, inputs, mask);
      const logpA = tf.sum(tf.mul(logp, onehot), 2);
      const ratio = tf.exp(tf.mul(tf.sub(logpA, oldLogp), mask));
      const surr = tf.minimum(tf.mul(ratio, A), tf.mul(tf.clipByValue(ratio, 1 - cfg.clip, 1 + cfg.clip), A));
      const policyLoss = tf.neg(tf.div(tf.sum(tf.mul(surr, mask)), nValid)) as TF.Scalar;
      const valueLoss = tf.div(tf.sum(tf.mul(tf.square(tf.sub(values, R)), mask)), nValid) as TF.Scalar;
      const entropy = tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), 2)), mask)), nValid) as TF.Scalar;
      parts.push(tf.keep(policyLoss), tf.keep(valueLoss), tf.keep(entropy));
      return tf.sub(tf.add(policyLoss, tf.mul(valueLoss, cfg.valueCoef)), tf.mul(entropy, cfg.entropyCoef)) as TF.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(f)(tf.tensor1d(theta));
    return [grad, value, ...parts];
  });
  const [g, v, pl, vl, en] = out;
  const grad = g.dataSync().slice() as Float32Array;
  const res = { grad, loss: v.dataSync()[0], policyLoss: pl.dataSync()[0], valueLoss: vl.dataSync()[0], entropy: en.dataSync()[0] };
  tf.dispose(out);
  return res;
}

/** Scale `g` in place so that its Euclidean norm is at most `max`; returns the norm before. */
export function clipGradNorm(g: Float32Array, max: number): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  if (norm > max) for (let i = 0; i < g.length; i++) g[i] *= max / norm;
  return norm;
}

export interface Rl2StepInfo extends Rl2Loss {
  iteration: number;
  /** Mean undiscounted return of episode n of the collected trials, n = 0..N-1. */
  episodeReturns: number[];
  /** Gradient norm before clipping (first epoch). */
  gradNorm: number;
}

/** One iteration, l.3-6. Pure: returns a new state. */
export function rl2Step(s: Rl2State, supportTypes: readonly number[], cfg: Rl2Config, dyn: Dynamics, rng: Rng): { state: Rl2State; info: Rl2StepInfo; batch: TrialBatch } {
  if (supportTypes.length === 0) throw new RangeError('rl2Step: no support types');
  const typeOf = new Int32Array(cfg.trialsPerUpdate);
  for (let b = 0; b < typeOf.length; b++) typeOf[b] = rng.choice(supportTypes); // l.3
  const batch = rolloutTrials(s.theta, rl2Spec(cfg), typeOf, cfg.episodesPerTrial, dyn, rng); // l.4
  const { adv, targets } = trialAdvantages(batch, cfg.gamma, cfg.lambda, cfg.rewardScale); // l.5
  const A = normaliseAdvantages(adv, batch.mask);
  let theta = s.theta, adam = s.adam, first: (Rl2Loss & { gradNorm: number }) | null = null;
  for (let e = 0; e < cfg.epochs; e++) { // l.6
    const { grad, ...loss } = rl2Gradient(theta, batch, A, targets, cfg);
    const gradNorm = clipGradNorm(grad, cfg.maxGradNorm);
    if (first === null) first = { ...loss, gradNorm };
    const next = adamStep(theta, grad, adam, cfg.adam);
    theta = next.theta;
    adam = next.state;
  }
  const episodeReturns = Array.from({ length: batch.N }, (_, n) => {
    let sum = 0;
    for (let b = 0; b < batch.B; b++) sum += batch.returns[b * batch.N + n];
    return sum / batch.B;
  });
  const iteration = s.iteration + 1;
  return { state: { theta, adam, iteration }, info: { iteration, episodeReturns, ...first! }, batch };
}
