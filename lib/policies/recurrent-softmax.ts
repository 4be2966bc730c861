/**
 * The recurrent softmax policy of RL² (Duan et al. 2016, Sec. 2.2 and Fig. 1; Wang et al.
 * 2016): a GRU reads phi_t = (s_t, m_{t-1}, one-hot a_{t-1}, r_{t-1}, d_{t-1}) at every step; its
 * hidden state h_t, the memory of the trial so far, feeds two heads:
 *
 *   u_t = relu([h_t, phi_t] W_1 + b_1)            one ReLU layer of F units
 *   pi(.|h_t, phi_t) = softmax(u_t W_2 + b_2)      the policy over the 4 actions
 *   V(h_t, t) = h_t w_v + u_v * t / L + b_v        the value baseline (sees the hidden state)
 *
 * The policy head also sees phi_t itself (a skip connection) and has a hidden layer: the
 * right action depends on the interaction of what the memory says about the entity type
 * with where the particle is now, which a linear read-out of a small GRU represents
 * poorly (Duan et al. use a linear read-out of 256 GRU units). The value head sees the
 * step's position t / L in the trial (L step slots): the remaining reward of a trial
 * depends mostly on how many steps remain, which the GRU would otherwise have to learn to
 * count (Pardo et al. 2018, "Time limits in reinforcement learning").
 *
 * theta is one flat Float32Array: the GRU's block (lib/policies/gru.ts) then the heads.
 *
 * | Symbol | Shape        | Offset                    |
 * |--------|--------------|---------------------------|
 * | GRU    | [3H(I+H+2)]  | 0                         |
 * | W_1    | [H + I, F]   | g = gruParamCount         |
 * | b_1    | [F]          | g + (H+I)F                |
 * | W_2    | [F, A]       | g + (H+I)F + F            |
 * | b_2    | [A]          | g + (H+I)F + F + FA       |
 * | w_v    | [H]          | then                      |
 * | u_v    | [1]          |                           |
 * | b_v    | [1]          |                           |
 *
 * with I = 2 obsDim + nActions + 2 (state, previous move, previous action, previous
 * reward, done flag). The papers' phi is (s, a, r, d); the move m_{t-1} = s_t - s_{t-1}
 * that the previous action made is the particle's velocity, and the observation system
 * identification works from. Without it the GRU must learn to difference positions that
 * range over +-3 while moves are 0.05 long (`moveScale` 0 leaves it out).
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
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { gruInit, gruParamCount, gruSequenceTf, GruSpec, gruSpec, packGru, PackedGru } from './gru';
import { gruBackprop, gruForwardTape, GruTape } from './gru-bptt';

export interface RecurrentSpec {
  /** State dimension (2: the particle's position). */
  obsDim: number;
  /** Number of discrete actions (4). */
  nActions: number;
  /** GRU hidden size H. */
  hidden: number;
  /** Units F of the policy head's ReLU layer. */
  headHidden: number;
  /** phi's state entries are s_t * stateScale (default 1). */
  stateScale?: number;
  /** phi's reward entry is r_{t-1} * rewardInputScale (default 1). */
  rewardInputScale?: number;
  /** phi's move entries are (s_t - s_{t-1}) * moveScale, the move the previous action made (default 0: left out). */
  moveScale?: number;
}

/** Size of phi_t = (s_t, m_{t-1}, one-hot a_{t-1}, r_{t-1}, d_{t-1}): 2 obsDim + nActions + 2. */
export function inputSize(spec: RecurrentSpec): number {
  return 2 * spec.obsDim + spec.nActions + 2;
}

/** The GRU inside the policy. */
export function gruOf(spec: RecurrentSpec): GruSpec {
  return gruSpec({ inputSize: inputSize(spec), hiddenSize: spec.hidden }, 'recurrent policy');
}

export function recurrentOffsets(spec: RecurrentSpec) {
  const H = spec.hidden, A = spec.nActions, F = spec.headHidden, I = inputSize(spec);
  const w1 = gruParamCount(gruOf(spec)), b1 = w1 + (H + I) * F, w2 = b1 + F, b2 = w2 + F * A, wv = b2 + A, uv = wv + H, bv = uv + 1;
  return { gru: 0, w1, b1, w2, b2, wv, uv, bv, end: bv + 1 };
}

export function recurrentParamCount(spec: RecurrentSpec): number {
  return recurrentOffsets(spec).end;
}

/**
 * Fresh parameters: the GRU's usual U(-1/sqrt(H), 1/sqrt(H)); W_1 fan-in uniform
 * U(-1/sqrt(H+I), 1/sqrt(H+I)); W_2 scaled by `outputScale` (0.01: the first policy is
 * within 1% of uniform, as for the lab's feed-forward policies); biases and value head zero.
 */
export function recurrentInit(spec: RecurrentSpec, rng: Rng, outputScale = 0.01): Float32Array {
  const o = recurrentOffsets(spec);
  const theta = new Float32Array(o.end);
  theta.set(gruInit(gruOf(spec), rng), o.gru);
  const a1 = 1 / Math.sqrt(spec.hidden + inputSize(spec));
  for (let i = o.w1; i < o.b1; i++) theta[i] = rng.uniform(-a1, a1);
  const a2 = outputScale / Math.sqrt(spec.headHidden);
  for (let i = o.w2; i < o.b2; i++) theta[i] = rng.uniform(-a2, a2);
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
  /** [H + I, F] */
  readonly w1: Float64Array;
  /** [F] */
  readonly b1: Float64Array;
  /** [F, A] */
  readonly w2: Float64Array;
  /** [A] */
  readonly b2: Float64Array;
  /** Scratch [F]: the ReLU layer of the last `headsAt` call. */
  readonly u: Float64Array;
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
    gru: packGru(theta.subarray(o.gru, o.w1), gruOf(spec)),
    w1: Float64Array.from(theta.subarray(o.w1, o.b1)),
    b1: Float64Array.from(theta.subarray(o.b1, o.w2)),
    w2: Float64Array.from(theta.subarray(o.w2, o.b2)),
    b2: Float64Array.from(theta.subarray(o.b2, o.wv)),
    u: new Float64Array(spec.headHidden),
    wv: Float64Array.from(theta.subarray(o.wv, o.uv)),
    uv: theta[o.uv],
    bv: theta[o.bv],
  };
}

/**
 * Write phi = (s * stateScale, m * moveScale, one-hot a_prev, r_prev * rewardInputScale,
 * d_prev) into row b of `x` [B, I], where m = s_t - s_{t-1} is the move the previous
 * action made. At the first step of a trial there is no previous step: pass aPrev = -1
 * (all-zero one-hot) and zeros.
 */
export function writeInput(x: Float64Array, b: number, spec: RecurrentSpec, s: ArrayLike<number>, sOffset: number,
  m: ArrayLike<number>, mOffset: number, aPrev: number, rPrev: number, dPrev: number): void {
  const I = inputSize(spec), k = b * I, D = spec.obsDim;
  const cs = spec.stateScale ?? 1, cm = spec.moveScale ?? 0, cr = spec.rewardInputScale ?? 1;
  for (let i = 0; i < D; i++) {
    x[k + i] = cs * s[sOffset + i];
    x[k + D + i] = cm * m[mOffset + i];
  }
  for (let a = 0; a < spec.nActions; a++) x[k + 2 * D + a] = a === aPrev ? 1 : 0;
  x[k + 2 * D + spec.nActions] = cr * rPrev;
  x[k + 2 * D + spec.nActions + 1] = dPrev;
}

/**
 * Action probabilities pi(.|h, phi) of row b (into `probs` [A]) and its value V(h, t/L).
 * @param h [B, H] hidden states
 * @param x [B, I] the inputs phi that produced them
 */
export function headsAt(p: PackedRecurrent, h: ArrayLike<number>, x: ArrayLike<number>, b: number, timeFrac: number, probs: Float64Array): number {
  const { hidden: H, nActions: A, headHidden: F } = p.spec, I = inputSize(p.spec);
  const { w1, b1, w2, b2, u } = p;
  u.set(b1);
  for (let j = 0; j < H; j++) {
    const v = h[b * H + j], row = j * F;
    for (let f = 0; f < F; f++) u[f] += v * w1[row + f];
  }
  for (let i = 0; i < I; i++) {
    const v = x[b * I + i];
    if (v === 0) continue;
    const row = (H + i) * F;
    for (let f = 0; f < F; f++) u[f] += v * w1[row + f];
  }
  let m = -Infinity;
  for (let a = 0; a < A; a++) probs[a] = b2[a];
  for (let f = 0; f < F; f++) {
    if (u[f] <= 0) {
      u[f] = 0;
      continue;
    }
    for (let a = 0; a < A; a++) probs[a] += u[f] * w2[f * A + a];
  }
  for (let a = 0; a < A; a++) if (probs[a] > m) m = probs[a];
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

/**
 * Log-probabilities and values over a batch of trials, as functional tfjs ops (BPTT).
 * @param inputs [B, L, I] phi_t of every step slot
 * @param mask [B, L] 1 where the slot was a step taken (0: padding, h carried over)
 * @returns logp [B, L, A] (log-softmax of the policy head) and values [B, L]
 */
export function recurrentForwardTf(theta: TF.Tensor1D, spec: RecurrentSpec, inputs: TF.Tensor3D, mask: TF.Tensor2D): { logp: TF.Tensor3D; values: TF.Tensor2D } {
  const [B, L, I] = inputs.shape;
  const H = spec.hidden, A = spec.nActions, F = spec.headHidden, o = recurrentOffsets(spec);
  const hs = gruSequenceTf(tf.slice(theta, o.gru, o.w1) as TF.Tensor1D, gruOf(spec), inputs, tf.zeros([B, H]) as TF.Tensor2D, mask);
  const flat = tf.reshape(hs, [B * L, H]) as TF.Tensor2D;
  const both = tf.concat([flat, tf.reshape(inputs, [B * L, I])], 1);
  const w1 = tf.reshape(tf.slice(theta, o.w1, (H + I) * F), [H + I, F]) as TF.Tensor2D;
  const u = tf.relu(tf.add(tf.matMul(both, w1), tf.slice(theta, o.b1, F))) as TF.Tensor2D;
  const w2 = tf.reshape(tf.slice(theta, o.w2, F * A), [F, A]) as TF.Tensor2D;
  const logits = tf.add(tf.matMul(u, w2), tf.slice(theta, o.b2, A));
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
 * | u      | [B, L, F] | the policy head's ReLU layer             |
 * | logp   | [B, L, A] | log pi(.|h_t)                            |
 * | values | [B, L]    | V(h_t, t/L)                              |
 */
export interface RecurrentForward {
  B: number;
  L: number;
  tape: GruTape;
  u: Float64Array;
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
  const tape = gruForwardTape(theta.subarray(o.gru, o.w1), gruOf(spec), inputs, B, L, null, mask);
  const F = spec.headHidden;
  const logp = new Float64Array(B * L * A), values = new Float64Array(B * L), u = new Float64Array(B * L * F);
  const p = packRecurrent(theta, spec), probs = new Float64Array(A);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < L; t++) {
      const bt = b * L + t;
      values[bt] = headsAt(p, tape.hs, tape.xs, bt, t / L, probs);
      for (let a = 0; a < A; a++) logp[bt * A + a] = Math.log(probs[a]);
      u.set(p.u, bt * F);
    }
  }
  return { B, L, tape, u, logp, values };
}

/**
 * Gradient of a loss with respect to theta, given the loss's gradients with respect to
 * the logits (dlogits [B, L, A]) and the values (dvalues [B, L]) of `recurrentForward`:
 * the heads by hand, then BPTT through the GRU (`gruBackprop`, lib/policies/gru-bptt.ts).
 */
export function recurrentBackward(theta: Float32Array, spec: RecurrentSpec, fwd: RecurrentForward, dlogits: ArrayLike<number>, dvalues: ArrayLike<number>): Float32Array {
  const o = recurrentOffsets(spec), H = spec.hidden, A = spec.nActions, F = spec.headHidden, I = inputSize(spec), { B, L } = fwd;
  const hs = fwd.tape.hs, xs = fwd.tape.xs, u = fwd.u;
  const grad = new Float64Array(o.end);
  const dhs = new Float64Array(B * L * H), du = new Float64Array(F);
  for (let bt = 0; bt < B * L; bt++) {
    const t = bt % L, dv = dvalues[bt];
    // Policy head: logits = u W_2 + b_2, u = relu([h, x] W_1 + b_1).
    du.fill(0);
    for (let a = 0; a < A; a++) grad[o.b2 + a] += dlogits[bt * A + a];
    for (let f = 0; f < F; f++) {
      const uf = u[bt * F + f];
      if (uf <= 0) continue; // relu: no gradient where the unit is off
      let d = 0;
      for (let a = 0; a < A; a++) {
        const g = dlogits[bt * A + a];
        grad[o.w2 + f * A + a] += uf * g;
        d += theta[o.w2 + f * A + a] * g;
      }
      du[f] = d;
      grad[o.b1 + f] += d;
    }
    for (let j = 0; j < H; j++) {
      const hj = hs[bt * H + j], row = o.w1 + j * F;
      let d = dv * theta[o.wv + j];
      for (let f = 0; f < F; f++) {
        if (du[f] === 0) continue;
        grad[row + f] += hj * du[f];
        d += theta[row + f] * du[f];
      }
      dhs[bt * H + j] = d;
      grad[o.wv + j] += dv * hj;
    }
    for (let i = 0; i < I; i++) {
      const xi = xs[bt * I + i];
      if (xi === 0) continue;
      const row = o.w1 + (H + i) * F;
      for (let f = 0; f < F; f++) grad[row + f] += xi * du[f];
    }
    // Value head: V = h w_v + u_v t/L + b_v.
    grad[o.uv] += dv * (t / L);
    grad[o.bv] += dv;
  }
  const { dtheta } = gruBackprop(theta.subarray(o.gru, o.w1), fwd.tape, dhs);
  grad.set(dtheta, o.gru);
  return Float32Array.from(grad);
}
