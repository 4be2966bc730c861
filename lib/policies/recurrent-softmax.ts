/**
 * The recurrent softmax policy of RL² (Duan et al. 2016, Sec. 2.2 and Fig. 1; Wang et al.
 * 2016): a GRU reads phi_t = (s_t, one-hot a_{t-1}, r_{t-1}, d_{t-1}) at every step and
 * its hidden state h_t feeds two linear heads,
 *
 *   pi(.|h_t) = softmax(h_t W_pi + b_pi)      the policy over the 4 actions
 *   V(h_t, t) = h_t w_v + u_v * t / L + b_v   the value baseline (sees the hidden state)
 *
 * The value head also sees the step's position t / L in the trial (L step slots): the
 * remaining reward of a trial depends mostly on how many steps remain, which the GRU
 * would otherwise have to learn to count (Pardo et al. 2018, "Time limits in
 * reinforcement learning"). The policy head sees h_t only.
 *
 * theta is one flat Float32Array: the GRU's block (lib/policies/gru.ts) then the heads.
 *
 * | Symbol | Shape      | Offset               |
 * |--------|------------|----------------------|
 * | GRU    | [3H(I+H+2)]| 0                    |
 * | W_pi   | [H, A]     | g = gruParamCount    |
 * | b_pi   | [A]        | g + HA               |
 * | w_v    | [H]        | g + HA + A           |
 * | u_v    | [1]        | g + HA + A + H       |
 * | b_v    | [1]        | g + HA + A + H + 1   |
 *
 * with I = obsDim + nActions + 2 (state, previous action, previous reward, done flag).
 *
 * References
 * - Y. Duan, J. Schulman, X. Chen, P. L. Bartlett, I. Sutskever and P. Abbeel, RL²: Fast
 *   reinforcement learning via slow reinforcement learning, arXiv 2016 (ICLR 2017
 *   submission). https://arxiv.org/abs/1611.02779
 * - J. X. Wang, Z. Kurth-Nelson, D. Tirumala, H. Soyer, J. Z. Leibo, R. Munos, C. Blundell,
 *   D. Kumaran and M. Botvinick, Learning to reinforcement learn, arXiv 2016.
 *   https://arxiv.org/abs/1611.05763
 * - F. Pardo, A. Tavakoli, V. Levdik and P. Kormushev, Time limits in reinforcement
 *   learning, ICML 2018. https://arxiv.org/abs/1712.00378
 */
import type * as TF from '@tensorflow/tfjs';
import { ConfigError } from '../core/config';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { gruBackward, gruForwardTape, gruInit, gruParamCount, gruSequenceTf, GruSpec, GruTape, packGru, PackedGru } from './gru';

export interface RecurrentSpec {
  /** State dimension (2: the particle's position). */
  obsDim: number;
  /** Number of discrete actions (4). */
  nActions: number;
  /** GRU hidden size H. */
  hidden: number;
  /** phi's state entries are s_t * stateScale (default 1). */
  stateScale?: number;
  /** phi's reward entry is r_{t-1} * rewardInputScale (default 1). */
  rewardInputScale?: number;
}

/** Check the sizes; errors name the field. */
export function recurrentSpec(obsDim: number, nActions: number, hidden: number, where = 'recurrent policy'): RecurrentSpec {
  for (const [field, v] of [['obsDim', obsDim], ['nActions', nActions], ['hidden', hidden]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(where, field, `must be an integer > 0, got ${v}`);
  }
  return { obsDim, nActions, hidden };
}

/** Size of phi_t = (s_t, one-hot a_{t-1}, r_{t-1}, d_{t-1}). */
export function inputSize(spec: RecurrentSpec): number {
  return spec.obsDim + spec.nActions + 2;
}

/** The GRU inside the policy. */
export function gruOf(spec: RecurrentSpec): GruSpec {
  return { inputSize: inputSize(spec), hiddenSize: spec.hidden };
}

export function recurrentOffsets(spec: RecurrentSpec) {
  const H = spec.hidden, A = spec.nActions;
  const wpi = gruParamCount(gruOf(spec)), bpi = wpi + H * A, wv = bpi + A, uv = wv + H, bv = uv + 1;
  return { gru: 0, wpi, bpi, wv, uv, bv, end: bv + 1 };
}

export function recurrentParamCount(spec: RecurrentSpec): number {
  return recurrentOffsets(spec).end;
}

/**
 * Fresh parameters: the GRU's usual U(-1/sqrt(H), 1/sqrt(H)); W_pi scaled by `outputScale`
 * (0.01: the first policy is within 1% of uniform, as for the lab's feed-forward
 * policies); value head zero.
 */
export function recurrentInit(spec: RecurrentSpec, rng: Rng, outputScale = 0.01): Float32Array {
  const o = recurrentOffsets(spec);
  const theta = new Float32Array(o.end);
  theta.set(gruInit(gruOf(spec), rng), o.gru);
  const a = outputScale / Math.sqrt(spec.hidden);
  for (let i = o.wpi; i < o.bpi; i++) theta[i] = rng.uniform(-a, a);
  return theta;
}

function checkTheta(theta: ArrayLike<number>, spec: RecurrentSpec, where: string): void {
  const n = recurrentParamCount(spec);
  if (theta === null || typeof theta !== 'object' || theta.length !== n) {
    throw new RangeError(`${where}: theta must hold ${n} parameters (hidden ${spec.hidden}), got ${theta?.length}`);
  }
}

/** The policy unpacked for the typed-array forward of the rollouts. */
export interface PackedRecurrent {
  readonly spec: RecurrentSpec;
  readonly gru: PackedGru;
  /** [H, A] */
  readonly wpi: Float64Array;
  /** [A] */
  readonly bpi: Float64Array;
  /** [H] */
  readonly wv: Float64Array;
  readonly uv: number;
  readonly bv: number;
}

export function packRecurrent(theta: Float32Array, spec: RecurrentSpec): PackedRecurrent {
  checkTheta(theta, spec, 'packRecurrent');
  const o = recurrentOffsets(spec);
  return {
    spec,
    gru: packGru(theta.subarray(o.gru, o.wpi), gruOf(spec)),
    wpi: Float64Array.from(theta.subarray(o.wpi, o.bpi)),
    bpi: Float64Array.from(theta.subarray(o.bpi, o.wv)),
    wv: Float64Array.from(theta.subarray(o.wv, o.uv)),
    uv: theta[o.uv],
    bv: theta[o.bv],
  };
}

/**
 * Write phi = (s * stateScale, one-hot a_prev, r_prev * rewardInputScale, d_prev) into
 * row b of `x` [B, I]. At the first
 * step of a trial there is no previous step: pass aPrev = -1 (all-zero one-hot), r = d = 0.
 */
export function writeInput(x: Float64Array, b: number, spec: RecurrentSpec, s: ArrayLike<number>, sOffset: number,
  aPrev: number, rPrev: number, dPrev: number): void {
  const I = inputSize(spec), k = b * I;
  const cs = spec.stateScale ?? 1, cr = spec.rewardInputScale ?? 1;
  for (let i = 0; i < spec.obsDim; i++) x[k + i] = cs * s[sOffset + i];
  for (let a = 0; a < spec.nActions; a++) x[k + spec.obsDim + a] = a === aPrev ? 1 : 0;
  x[k + spec.obsDim + spec.nActions] = cr * rPrev;
  x[k + spec.obsDim + spec.nActions + 1] = dPrev;
}

/**
 * Action probabilities pi(.|h) of row b (into `probs` [A]) and its value V(h, t/L).
 * @param h [B, H] hidden states
 */
export function headsAt(p: PackedRecurrent, h: ArrayLike<number>, b: number, timeFrac: number, probs: Float64Array): number {
  const { hidden: H, nActions: A } = p.spec;
  let m = -Infinity;
  for (let a = 0; a < A; a++) {
    let z = p.bpi[a];
    for (let j = 0; j < H; j++) z += h[b * H + j] * p.wpi[j * A + a];
    probs[a] = z;
    if (z > m) m = z;
  }
  let s = 0;
  for (let a = 0; a < A; a++) {
    probs[a] = Math.exp(probs[a] - m);
    s += probs[a];
  }
  for (let a = 0; a < A; a++) probs[a] /= s;
  let v = p.bv + p.uv * timeFrac;
  for (let j = 0; j < H; j++) v += h[b * H + j] * p.wv[j];
  return v;
}

/** Sample an action from probabilities `probs` [A] with one rng draw. */
export function sampleFrom(probs: Float64Array, rng: Rng): number {
  let u = rng.random();
  for (let a = 0; a < probs.length - 1; a++) if ((u -= probs[a]) < 0) return a;
  return probs.length - 1;
}

/** Re-export for callers that step the GRU of a packed policy. */
export { gruStep } from './gru';

/**
 * Log-probabilities and values over a batch of trials, as functional tfjs ops (BPTT).
 * @param inputs [B, L, I] phi_t of every step slot
 * @param mask [B, L] 1 where the slot was a step taken (0: padding, h carried over)
 * @returns logp [B, L, A] (log-softmax of the policy head) and values [B, L]
 */
export function recurrentForwardTf(theta: TF.Tensor1D, spec: RecurrentSpec, inputs: TF.Tensor3D, mask: TF.Tensor2D): { logp: TF.Tensor3D; values: TF.Tensor2D } {
  const [B, L] = inputs.shape;
  const H = spec.hidden, A = spec.nActions, o = recurrentOffsets(spec);
  const hs = gruSequenceTf(tf.slice(theta, o.gru, o.wpi) as TF.Tensor1D, gruOf(spec), inputs, tf.zeros([B, H]) as TF.Tensor2D, mask);
  const flat = tf.reshape(hs, [B * L, H]) as TF.Tensor2D;
  const wpi = tf.reshape(tf.slice(theta, o.wpi, H * A), [H, A]) as TF.Tensor2D;
  const logits = tf.add(tf.matMul(flat, wpi), tf.slice(theta, o.bpi, A));
  const logp = tf.reshape(tf.logSoftmax(logits), [B, L, A]) as TF.Tensor3D;
  const wv = tf.reshape(tf.slice(theta, o.wv, H), [H, 1]) as TF.Tensor2D;
  const time = tf.div(tf.range(0, L), L); // t / L for every slot
  const values = tf.add(tf.add(tf.reshape(tf.matMul(flat, wv), [B, L]), tf.mul(tf.slice(theta, o.uv, 1), time)), tf.slice(theta, o.bv, 1)) as TF.Tensor2D;
  return { logp, values };
}

/**
 * The typed-array forward over a batch of trials, keeping what `recurrentBackward` needs.
 *
 * | Field  | Shape     | Meaning                                  |
 * |--------|-----------|------------------------------------------|
 * | tape   |           | the GRU's record (hs [B, L, H] inside)   |
 * | logp   | [B, L, A] | log pi(.|h_t)                            |
 * | values | [B, L]    | V(h_t, t/L)                              |
 */
export interface RecurrentForward {
  B: number;
  L: number;
  tape: GruTape;
  logp: Float64Array;
  values: Float64Array;
}

/**
 * Log-probabilities and values over a batch of trials, typed-array math (equals
 * `recurrentForwardTf`; the fast path of RL²'s updates).
 * @param inputs [B, L, I]
 * @param mask [B, L]
 */
export function recurrentForward(theta: Float32Array, spec: RecurrentSpec, inputs: ArrayLike<number>, mask: ArrayLike<number>, B: number, L: number): RecurrentForward {
  checkTheta(theta, spec, 'recurrentForward');
  const o = recurrentOffsets(spec), A = spec.nActions;
  const tape = gruForwardTape(theta.subarray(o.gru, o.wpi), gruOf(spec), inputs, B, L, null, mask);
  const logp = new Float64Array(B * L * A), values = new Float64Array(B * L);
  const p = packRecurrent(theta, spec), probs = new Float64Array(A);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const bt = b * L + t;
      values[bt] = headsAt(p, tape.hs, bt, t / L, probs);
      for (let a = 0; a < A; a++) logp[bt * A + a] = Math.log(probs[a]);
    }
  }
  return { B, L, tape, logp, values };
}

/**
 * Gradient of a loss with respect to theta, given the loss's gradients with respect to
 * the logits (dlogits [B, L, A]) and the values (dvalues [B, L]) of `recurrentForward`:
 * the heads by hand, then BPTT through the GRU (`gruBackward`).
 */
export function recurrentBackward(theta: Float32Array, spec: RecurrentSpec, fwd: RecurrentForward, dlogits: ArrayLike<number>, dvalues: ArrayLike<number>): Float32Array {
  const o = recurrentOffsets(spec), H = spec.hidden, A = spec.nActions, { B, L } = fwd;
  const hs = fwd.tape.hs;
  const grad = new Float64Array(o.end);
  const dhs = new Float64Array(B * L * H);
  for (let bt = 0; bt < B * L; bt++) {
    const t = bt % L, dv = dvalues[bt];
    for (let a = 0; a < A; a++) grad[o.bpi + a] += dlogits[bt * A + a];
    grad[o.uv] += dv * (t / L);
    grad[o.bv] += dv;
    for (let j = 0; j < H; j++) {
      const hj = hs[bt * H + j];
      let d = dv * theta[o.wv + j];
      grad[o.wv + j] += dv * hj;
      for (let a = 0; a < A; a++) {
        const g = dlogits[bt * A + a];
        grad[o.wpi + j * A + a] += hj * g;
        d += theta[o.wpi + j * A + a] * g;
      }
      dhs[bt * H + j] = d;
    }
  }
  const { dtheta } = gruBackward(theta.subarray(o.gru, o.wpi), fwd.tape, dhs);
  grad.set(dtheta, o.gru);
  return Float32Array.from(grad);
}
