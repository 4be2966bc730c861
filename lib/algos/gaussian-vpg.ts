/**
 * Vanilla policy gradient for the Gaussian policy on point navigation, the same update
 * as vpg.ts (Spinning Up's VPG pseudocode) with continuous actions:
 *
 *   4: rewards-to-go  G_t = sum_{t' >= t} gamma^{t'-t} r_{t'}           (vpg.ts rewardToGo)
 *   5: advantages A_t = G_t - b_t, b_t leave-one-out over the rows of the same group
 *      (same task, or same DIAYN skill), then scaled to zero mean, unit variance
 *   6: g = grad of L(theta) = -1/N sum A_t log pi_theta(a_t|s_t) - beta H[pi_theta]
 *   7: Adam step (gaussianVpgUpdate) or plain gradient step (MAML's inner update)
 *
 * beta >= 0 weighs an entropy bonus (DIAYN's H[A|S,Z] term); 0 gives plain VPG.
 */
import type * as TF from '@tensorflow/tfjs';
import { AdamConfig, adamStep, AdamState } from '../core/adam';
import { tf } from '../core/tf';
import { appendOneHot } from '../policies/condition';
import { GaussianSpec, gaussianEntropyTf, gaussianLogProbTf } from '../policies/gaussian-mlp';
import { NavBatch } from '../policies/nav-rollout';
import { looBaseline, rewardToGo } from './vpg';

/**
 * Steps of a batch flattened for the loss.
 *
 * | Field      | Shape           | Meaning                                  |
 * |------------|-----------------|------------------------------------------|
 * | obs        | [N, obsDim]     | policy input at s_t (state, then one-hot skill if conditioned) |
 * | actions    | [N, actDim]     | a_t as sampled                           |
 * | advantages | [N]             | normalised A_t                           |
 */
export interface NavSamples {
  obs: Float32Array;
  actions: Float32Array;
  advantages: Float32Array;
  obsDim: number;
}

/**
 * Lines 4-5 for a batch and its rewards [B, T].
 * @param groupOf [B] group of each row for the leave-one-out baseline (rows of one task or skill); null: one group
 * @param skills when given, the policy input is [s_t, onehot(skills.of[b])] (a skill-conditioned policy)
 */
export function navAdvantages(batch: NavBatch, rewards: Float32Array, gamma: number, groupOf: Int32Array | null = null,
  skills: { of: Int32Array; n: number } | null = null): NavSamples {
  const { B, T } = batch;
  const mask = new Uint8Array(B * T).fill(1); // point navigation never ends early
  const G = rewardToGo(rewards, mask, B, T, gamma);
  const base = new Float32Array(B * T);
  const groups = new Map<number, number[]>();
  for (let b = 0; b < B; b++) {
    const g = groupOf ? groupOf[b] : 0;
    const rows = groups.get(g) ?? [];
    rows.push(b);
    groups.set(g, rows);
  }
  for (const rows of groups.values()) {
    const n = rows.length, Gg = new Float32Array(n * T);
    rows.forEach((b, i) => Gg.set(G.subarray(b * T, (b + 1) * T), i * T));
    const bg = looBaseline(Gg, new Uint8Array(n * T).fill(1), n, T);
    rows.forEach((b, i) => base.set(bg.subarray(i * T, (i + 1) * T), b * T));
  }
  const N = B * T;
  const states = new Float32Array(N * 2), adv = new Float32Array(N);
  let mean = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const n = b * T + t, k = (b * (T + 1) + t) * 2;
      states[2 * n] = batch.states[k];
      states[2 * n + 1] = batch.states[k + 1];
      adv[n] = G[n] - base[n];
      mean += adv[n];
    }
  }
  mean /= N;
  let v = 0;
  for (let i = 0; i < N; i++) v += (adv[i] - mean) * (adv[i] - mean);
  const sd = Math.sqrt(v / N);
  for (let i = 0; i < N; i++) adv[i] = sd > 1e-8 ? (adv[i] - mean) / sd : 0;
  if (!skills) return { obs: states, actions: batch.actions.slice(), advantages: adv, obsDim: 2 };
  const skillOfStep = new Int32Array(N);
  for (let b = 0; b < B; b++) skillOfStep.fill(skills.of[b], b * T, (b + 1) * T);
  return { obs: appendOneHot(states, 2, skillOfStep, skills.n), actions: batch.actions.slice(), advantages: adv, obsDim: 2 + skills.n };
}

/** Tensors of a sample set, for use inside a tidy. */
export function navSamplesToTensors(s: NavSamples, spec: GaussianSpec) {
  const N = s.advantages.length;
  if (s.obsDim !== spec.obsDim) throw new RangeError(`navSamplesToTensors: samples have obsDim ${s.obsDim}, the policy ${spec.obsDim}`);
  return {
    obs: tf.tensor2d(s.obs, [N, spec.obsDim]),
    actions: tf.tensor2d(s.actions, [N, spec.actDim]),
    adv: tf.tensor1d(s.advantages),
  };
}

/**
 * The surrogate of line 6, twice differentiable:
 *   L(theta) = -1/N sum_i A_i log pi_theta(a_i | s_i) - beta H[pi_theta]
 */
export function gaussianVpgLossTf(theta: TF.Tensor1D, obs: TF.Tensor2D, actions: TF.Tensor2D, adv: TF.Tensor1D, spec: GaussianSpec, beta = 0): TF.Scalar {
  const pg = tf.neg(tf.mean(tf.mul(gaussianLogProbTf(theta, obs, actions, spec), adv)));
  return (beta > 0 ? tf.sub(pg, tf.mul(beta, gaussianEntropyTf(theta, spec))) : pg) as TF.Scalar;
}

/** Line 6: gradient of the surrogate at theta, and its value. */
export function gaussianVpgGradient(theta: Float32Array, samples: NavSamples, spec: GaussianSpec, beta = 0): { grad: Float32Array; loss: number } {
  const [g, l] = tf.tidy(() => {
    const { obs, actions, adv } = navSamplesToTensors(samples, spec);
    const { value, grad } = tf.valueAndGrad((th: TF.Tensor1D) => gaussianVpgLossTf(th, obs, actions, adv, spec, beta))(tf.tensor1d(theta));
    return [grad, value];
  });
  const grad = g.dataSync().slice() as Float32Array;
  const loss = l.dataSync()[0];
  tf.dispose([g, l]);
  return { grad, loss };
}

/** Line 7 with Adam. Pure: returns new parameters and optimizer state. */
export function gaussianVpgUpdate(theta: Float32Array, adam: AdamState, samples: NavSamples, spec: GaussianSpec, cfg: AdamConfig, beta = 0): { theta: Float32Array; adam: AdamState; loss: number } {
  const { grad, loss } = gaussianVpgGradient(theta, samples, spec, beta);
  const next = adamStep(theta, grad, adam, cfg);
  return { theta: next.theta, adam: next.state, loss };
}

/** Line 7 as plain gradient descent, theta - alpha grad L(theta) (MAML's inner update and its adaptation at test time). */
export function gaussianSgdStep(theta: Float32Array, samples: NavSamples, spec: GaussianSpec, alpha: number): Float32Array {
  const { grad } = gaussianVpgGradient(theta, samples, spec);
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] - alpha * grad[i];
  return out;
}
