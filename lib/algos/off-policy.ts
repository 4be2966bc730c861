/**
 * What every off-policy learner here (SAC, PEARL, TD3 / MQL) does with its networks: a
 * network being learned with its own Adam state and step size, one flat gradient read from
 * tensors with one Adam step per network, named scalar losses read in one call, and the
 * Polyak average of a target network. Plain typed-array math around tfjs.
 */
import type * as TF from '@tensorflow/tfjs';
import { AdamConfig, adamInit, adamInPlace, AdamState } from '../core/adam';
import { tf } from '../core/tf';
import { MlpLayout, readFlat } from '../policies/mlp';

/** One network being learned: its weights, Adam state and step size. */
export interface Learner {
  layout: MlpLayout;
  theta: Float32Array;
  adam: AdamState;
  lr: number;
}

export function learner(layout: MlpLayout, theta: Float32Array, lr: number): Learner {
  if (theta.length !== layout.size) throw new RangeError(`learner: theta has ${theta.length} values, the layout ${layout.size}`);
  return { layout, theta, adam: adamInit(theta.length), lr };
}

/** Polyak averaging in place: target <- tau source + (1 - tau) target. */
export function softUpdate(target: Float32Array, source: Float32Array, tau: number): void {
  if (target.length !== source.length) throw new RangeError(`softUpdate: target has ${target.length} values, source ${source.length}`);
  if (!(tau > 0 && tau <= 1)) throw new RangeError(`softUpdate: tau must be in (0, 1], got ${tau}`);
  const k = 1 - tau;
  for (let i = 0; i < target.length; i++) target[i] = k * target[i] + tau * source[i];
}

/** Parameters of all the learners: the length of their flat gradient. */
export function flatSize(learners: readonly Learner[]): number {
  return learners.reduce((n, l) => n + l.theta.length, 0);
}

/** One Adam step per learner, each on its slice of the flat gradient (learners in order), with its own step size. */
export function adamStepEach(learners: readonly Learner[], flat: Float32Array, adam: AdamConfig): void {
  let o = 0;
  for (const l of learners) {
    adamInPlace(l.theta, flat.subarray(o, o + l.theta.length), l.adam, adam, l.lr);
    o += l.theta.length;
  }
}

/**
 * Read gradient tensors (per learner, in layout order) into one flat array and take an
 * Adam step per learner with its own step size. Returns the flat gradient.
 */
export function applyGrads(learners: readonly Learner[], grads: readonly (readonly TF.Tensor[])[], adam: AdamConfig, scratch?: { grad?: Float32Array }): Float32Array {
  const total = flatSize(learners);
  if (scratch && (!scratch.grad || scratch.grad.length !== total)) scratch.grad = new Float32Array(total);
  const flat = readFlat(grads.flat(), scratch?.grad ?? new Float32Array(total));
  adamStepEach(learners, flat, adam);
  return flat;
}

/** Read named scalar tensors with one kernel and one read. */
export function readScalars<M extends string>(m: Record<M, TF.Scalar>): Record<M, number> {
  const names = Object.keys(m) as M[];
  const v = tf.tidy(() => tf.stack(names.map((n) => m[n])).dataSync());
  const out = {} as Record<M, number>;
  names.forEach((n, i) => (out[n] = v[i]));
  return out;
}
