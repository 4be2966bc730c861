/**
 * Vanilla policy gradient / REINFORCE (Sutton et al. 2000, paper 000's reference [8]),
 * in the shape of Spinning Up's VPG pseudocode:
 *
 *   1: input: initial policy parameters theta_0
 *   2: for k = 0, 1, 2, ... do
 *   3:   collect trajectories D_k = {tau_i} by running pi_{theta_k}        (rollout.ts)
 *   4:   compute rewards-to-go  G_t = sum_{t' >= t} gamma^{t'-t} r_{t'}     (rewardToGo)
 *   5:   compute advantages A_t = G_t - b_t                                 (advantages)
 *   6:   estimate g_k = 1/N sum_{tau, t} grad log pi(a_t|s_t) A_t            (vpgGradient)
 *   7:   theta_{k+1} = Adam step along g_k                                  (vpgUpdate)
 *
 * Variance reduction (line 5): the baseline b_t for trajectory k is the mean reward-to-go
 * at the same time step t of the *other* trajectories of the batch that are still
 * running at t (leave-one-out; Kool, van Hoof & Welling 2019, "Buy 4 REINFORCE samples,
 * get a baseline for free"). Every episode starts at the same state, so time is the main
 * driver of G_t, and because b_t^k never uses trajectory k it adds no bias. Advantages are
 * then scaled to zero mean and unit variance over the batch (as in Spinning Up), which
 * makes the Adam step size independent of the reward scale.
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamSchema, adamStep, AdamState } from '../core/adam';
import { num, Resolved, resolver, section, withDefaults } from '../core/schema';
import { logProbsTf, PolicySpec } from '../policies/softmax-mlp';
import { TrajectoryBatch, meanReturn } from '../policies/rollout';
import { tf } from '../core/tf';

export const vpgSchema = section({
  gamma: num.min(0).max(1).default(0.99).describe('discount gamma of the reward-to-go'),
  adam: withDefaults(adamSchema, { lr: 0.01 }).default({}).describe('Adam settings of the policy update'),
});
export type VpgConfig = Resolved<typeof vpgSchema>;
export const vpgConfig = resolver('vpg config', vpgSchema);
export const VPG_DEFAULTS: VpgConfig = vpgConfig();

/** Discounted reward-to-go G[b, t] = sum_{t' >= t} gamma^{t'-t} r[b, t'] (0 after the episode). [B, T] */
export function rewardToGo(rewards: Float32Array, mask: Uint8Array, B: number, T: number, gamma: number): Float32Array {
  const G = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    let acc = 0;
    for (let t = T - 1; t >= 0; t--) {
      const k = b * T + t;
      acc = mask[k] ? rewards[k] + gamma * acc : 0;
      G[k] = acc;
    }
  }
  return G;
}

/**
 * Leave-one-out baseline b[b, t] = mean of G[j, t] over the other rows j still running at
 * t; 0 when no other row is running. [B, T]
 */
export function looBaseline(G: Float32Array, mask: Uint8Array, B: number, T: number): Float32Array {
  const base = new Float32Array(B * T);
  for (let t = 0; t < T; t++) {
    let sum = 0, n = 0;
    for (let b = 0; b < B; b++) {
      if (mask[b * T + t]) {
        sum += G[b * T + t];
        n++;
      }
    }
    if (n < 2) continue;
    for (let b = 0; b < B; b++) {
      const k = b * T + t;
      if (mask[k]) base[k] = (sum - G[k]) / (n - 1);
    }
  }
  return base;
}

/** Steps of a batch flattened for the loss: only the N steps with mask = 1. */
export interface StepSamples {
  /** [N, 2] states s_t */
  states: Float32Array;
  /** [N] actions a_t */
  actions: Int32Array;
  /** [N] advantages A_t (normalised) */
  advantages: Float32Array;
}

/** Lines 4-5: rewards-to-go, leave-one-out baseline, normalised advantages. */
export function advantages(batch: TrajectoryBatch, gamma: number): StepSamples {
  const { B, T, mask } = batch;
  const G = rewardToGo(batch.rewards, mask, B, T, gamma);
  const base = looBaseline(G, mask, B, T);
  let N = 0;
  for (let k = 0; k < B * T; k++) N += mask[k];
  const states = new Float32Array(N * 2), actions = new Int32Array(N), adv = new Float32Array(N);
  let n = 0, mean = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const k = b * T + t;
      if (!mask[k]) continue;
      const s = (b * (T + 1) + t) * 2;
      states[2 * n] = batch.states[s];
      states[2 * n + 1] = batch.states[s + 1];
      actions[n] = batch.actions[k];
      adv[n] = G[k] - base[k];
      mean += adv[n];
      n++;
    }
  }
  mean /= Math.max(N, 1);
  let v = 0;
  for (let i = 0; i < N; i++) v += (adv[i] - mean) * (adv[i] - mean);
  const std = Math.sqrt(v / Math.max(N, 1));
  for (let i = 0; i < N; i++) adv[i] = std > 1e-8 ? (adv[i] - mean) / std : 0;
  return { states, actions, advantages: adv };
}

/** A log-policy: log pi_theta(.|s) for a batch of states. */
export type LogPolicy = (theta: TF.Tensor1D, states: TF.Tensor2D, spec: PolicySpec) => TF.Tensor2D;

/**
 * The surrogate loss whose gradient is minus line 6's estimate:
 *   L(theta) = -1/N sum_i A_i log pi_theta(a_i | s_i)
 * With `logProbs = logProbsTwiceTf` it is twice differentiable (MAML's inner loss).
 */
export function vpgLossTf(theta: TF.Tensor1D, states: TF.Tensor2D, actionsOneHot: TF.Tensor2D, adv: TF.Tensor1D, spec: PolicySpec,
  logProbs: LogPolicy = logProbsTf): TF.Scalar {
  const logp = tf.sum(tf.mul(logProbs(theta, states, spec), actionsOneHot), 1);
  return tf.neg(tf.mean(tf.mul(logp, adv))) as TF.Scalar;
}

/** Tensors of a sample set, for use inside a tidy. */
export function samplesToTensors(s: StepSamples, spec: PolicySpec) {
  const N = s.actions.length;
  return {
    states: tf.tensor2d(s.states, [N, spec.obsDim]),
    actions: tf.oneHot(tf.tensor1d(s.actions, 'int32'), spec.nActions).toFloat() as TF.Tensor2D,
    adv: tf.tensor1d(s.advantages),
  };
}

/** Line 6: gradient of the surrogate loss (the negative policy gradient) at theta. */
export function vpgGradient(theta: Float32Array, samples: StepSamples, spec: PolicySpec): { grad: Float32Array; loss: number } {
  if (samples.actions.length === 0) return { grad: new Float32Array(theta.length), loss: 0 };
  const [g, l] = tf.tidy(() => {
    const { states, actions, adv } = samplesToTensors(samples, spec);
    const { value, grad } = tf.valueAndGrad((th: TF.Tensor1D) => vpgLossTf(th, states, actions, adv, spec))(tf.tensor1d(theta));
    return [grad, value];
  });
  const grad = g.dataSync().slice() as Float32Array;
  const loss = l.dataSync()[0];
  tf.dispose([g, l]);
  return { grad, loss };
}

/** A policy being trained: its parameters and optimizer state. */
export interface Learner {
  theta: Float32Array;
  adam: AdamState;
}

export function newLearner(theta: Float32Array): Learner {
  return { theta: theta.slice(), adam: adamInit(theta.length) };
}

export interface UpdateStats {
  /** Mean undiscounted return of the batch the update used. */
  meanReturn: number;
  /** Surrogate loss before the update. */
  loss: number;
}

/** Lines 4-7 on one batch collected with `learner.theta`. Pure: returns a new learner. */
export function vpgUpdate(learner: Learner, batch: TrajectoryBatch, cfg: VpgConfig, spec: PolicySpec): { learner: Learner; stats: UpdateStats } {
  const samples = advantages(batch, cfg.gamma);
  const { grad, loss } = vpgGradient(learner.theta, samples, spec);
  const next = adamStep(learner.theta, grad, learner.adam, cfg.adam);
  return { learner: { theta: next.theta, adam: next.state }, stats: { meanReturn: meanReturn(batch), loss } };
}
