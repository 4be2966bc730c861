/**
 * The lab's GRU cell (Cho et al. 2014), in the gate convention of cuDNN and PyTorch:
 *
 *   r_t = sigmoid(x_t Wx_r + bx_r + h_{t-1} Wh_r + bh_r)              reset gate
 *   z_t = sigmoid(x_t Wx_z + bx_z + h_{t-1} Wh_z + bh_z)              update gate
 *   n_t = tanh(x_t Wx_n + bx_n + r_t * (h_{t-1} Wh_n + bh_n))         candidate
 *   h_t = (1 - z_t) * n_t + z_t * h_{t-1}
 *
 * Used by RL² (the recurrent policy of lib/algos/rl2.ts) and by Meta-Q-Learning's context
 * encoder. Parameters are one flat Float32Array, like lib/policies/softmax-mlp.ts, so a
 * GRU is plain data that can be copied, averaged and sent to worker threads. A model that
 * holds a GRU and more (heads) keeps the GRU's parameters as one contiguous block and
 * passes `theta.subarray(...)` (typed arrays) or `tf.slice(...)` (tensors) here.
 *
 * Layout (row-major; gate blocks ordered r, z, n along the 3H axis):
 *
 * | Symbol | Shape        | Offset          |
 * |--------|--------------|-----------------|
 * | Wx     | [I, 3H]      | 0               |
 * | Wh     | [H, 3H]      | 3HI             |
 * | bx     | [3H]         | 3HI + 3H²       |
 * | bh     | [3H]         | 3HI + 3H² + 3H  |
 *
 * I = inputSize, H = hiddenSize; 3H(I + H + 2) parameters in all.
 *
 * Two forward passes compute the same function:
 * - `gruStep` / `gruForward`: typed-array math, batched over B sequences, for rollouts
 *   (no tfjs call per environment step; see environment.md for the per-call overhead);
 * - `gruStepTf` / `gruSequenceTf`: functional tfjs ops of the flat parameter tensor, for
 *   backpropagation through time. First-order gradients through sigmoid and tanh are
 *   exact in tfjs; second-order ones are not (tfjs#3252), so nothing here is meant to be
 *   differentiated twice. test/gru.test.ts checks the gradient against finite differences
 *   of the typed-array forward.
 *
 * Sequences may be padded: a mask m[b, t] = 0 keeps h_t = h_{t-1} (the step is skipped),
 * so rows of different lengths share one batch and the state after the padding is the
 * state after the last real step.
 *
 * References
 * - K. Cho, B. van Merrienboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk and
 *   Y. Bengio, Learning phrase representations using RNN encoder-decoder for statistical
 *   machine translation, EMNLP 2014. https://arxiv.org/abs/1406.1078
 */
import type * as TF from '@tensorflow/tfjs';
import { int, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';

/** Sizes of a GRU cell. */
export const gruSchema = section({
  inputSize: int.positive().describe('input size I: entries of x_t'),
  hiddenSize: int.positive().describe('hidden size H: entries of h_t'),
});
export type GruSpec = Resolved<typeof gruSchema>;
/** Check the sizes: `gruSpec({ inputSize: 8, hiddenSize: 0 })` throws naming "hiddenSize". */
export const gruSpec = resolver('gru spec', gruSchema);

/** Number of parameters, 3H(I + H + 2). */
export function gruParamCount(spec: GruSpec): number {
  const { inputSize: I, hiddenSize: H } = spec;
  return 3 * H * (I + H + 2);
}

/** Offsets of Wx, Wh, bx, bh in the flat vector (see the layout table). */
export function gruOffsets(spec: GruSpec): { wx: number; wh: number; bx: number; bh: number; end: number } {
  const { inputSize: I, hiddenSize: H } = spec;
  const wx = 0, wh = 3 * H * I, bx = wh + 3 * H * H, bh = bx + 3 * H;
  return { wx, wh, bx, bh, end: bh + 3 * H };
}

/**
 * Fresh parameters: every entry ~ U(-1/sqrt(H), 1/sqrt(H)) (the usual GRU initialisation,
 * as in PyTorch's nn.GRU).
 */
export function gruInit(spec: GruSpec, rng: Rng): Float32Array {
  const theta = new Float32Array(gruParamCount(spec));
  const a = 1 / Math.sqrt(spec.hiddenSize);
  for (let i = 0; i < theta.length; i++) theta[i] = rng.uniform(-a, a);
  return theta;
}

function checkTheta(theta: ArrayLike<number>, spec: GruSpec, where: string): void {
  const n = gruParamCount(spec);
  if (theta === null || typeof theta !== 'object' || theta.length !== n) {
    throw new RangeError(`${where}: theta must hold ${n} GRU parameters (I = ${spec.inputSize}, H = ${spec.hiddenSize}), got ${theta?.length}`);
  }
}

/** A GRU's parameters unpacked into float64 arrays for the typed-array forward. */
export interface PackedGru {
  readonly spec: GruSpec;
  /** [I, 3H] */
  readonly wx: Float64Array;
  /** [H, 3H] */
  readonly wh: Float64Array;
  /** [3H] */
  readonly bx: Float64Array;
  /** [3H] */
  readonly bh: Float64Array;
  /** Scratch [3H] x 2 for one row's gate pre-activations. */
  readonly gx: Float64Array;
  readonly gh: Float64Array;
}

/** Unpack once per rollout; `gruStep` then runs without allocating. */
export function packGru(theta: ArrayLike<number>, spec: GruSpec): PackedGru {
  checkTheta(theta, spec, 'packGru');
  const o = gruOffsets(spec), H3 = 3 * spec.hiddenSize;
  const part = (from: number, to: number) => {
    const out = new Float64Array(to - from);
    for (let i = from; i < to; i++) out[i - from] = theta[i];
    return out;
  };
  return { spec, wx: part(o.wx, o.wh), wh: part(o.wh, o.bx), bx: part(o.bx, o.bh), bh: part(o.bh, o.end), gx: new Float64Array(H3), gh: new Float64Array(H3) };
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * One GRU step for B rows, typed-array math.
 * @param x [B, I] inputs x_t
 * @param h [B, H] previous states h_{t-1}
 * @param out [B, H] receives h_t (may be a fresh array; must not alias `h`)
 * @param mask [B] optional: rows with mask 0 keep h_t = h_{t-1}
 * @returns out
 */
export function gruStep(p: PackedGru, x: ArrayLike<number>, h: ArrayLike<number>, out: Float32Array | Float64Array,
  mask?: ArrayLike<number> | null): Float32Array | Float64Array {
  const { inputSize: I, hiddenSize: H } = p.spec;
  const H3 = 3 * H, B = h.length / H;
  if (!Number.isInteger(B) || x.length !== B * I || out.length !== B * H) {
    throw new RangeError(`gruStep: x has ${x.length} entries and h ${h.length}; expected B*${I} and B*${H}, and out of B*${H} (got ${out.length})`);
  }
  const { wx, wh, bx, bh, gx, gh } = p;
  for (let b = 0; b < B; b++) {
    const hb = b * H;
    if (mask && mask[b] === 0) {
      for (let j = 0; j < H; j++) out[hb + j] = h[hb + j];
      continue;
    }
    gx.set(bx);
    gh.set(bh);
    for (let i = 0; i < I; i++) {
      const v = x[b * I + i];
      if (v === 0) continue;
      const row = i * H3;
      for (let j = 0; j < H3; j++) gx[j] += v * wx[row + j];
    }
    for (let k = 0; k < H; k++) {
      const v = h[hb + k];
      if (v === 0) continue;
      const row = k * H3;
      for (let j = 0; j < H3; j++) gh[j] += v * wh[row + j];
    }
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[j] + gh[j]);
      const z = sigmoid(gx[H + j] + gh[H + j]);
      const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
      out[hb + j] = (1 - z) * n + z * h[hb + j];
    }
  }
  return out;
}

/**
 * A whole batch of sequences, typed-array math (the reference for `gruSequenceTf`).
 * @param xs [B, T, I]
 * @param h0 [B, H], or null for zeros
 * @param mask [B, T] optional: 0 skips the step (h_t = h_{t-1})
 * @returns hs [B, T, H], hs[b, t] = h_{t+1} (the state after input t)
 */
export function gruForward(theta: ArrayLike<number>, spec: GruSpec, xs: ArrayLike<number>, B: number, T: number,
  h0: ArrayLike<number> | null = null, mask: ArrayLike<number> | null = null): Float64Array {
  const p = packGru(theta, spec);
  const { inputSize: I, hiddenSize: H } = spec;
  if (xs.length !== B * T * I) throw new RangeError(`gruForward: xs has ${xs.length} entries, expected B*T*I = ${B}*${T}*${I}`);
  if (h0 !== null && h0.length !== B * H) throw new RangeError(`gruForward: h0 has ${h0.length} entries, expected B*H = ${B}*${H}`);
  if (mask !== null && mask.length !== B * T) throw new RangeError(`gruForward: mask has ${mask.length} entries, expected B*T = ${B}*${T}`);
  const hs = new Float64Array(B * T * H);
  let h = new Float64Array(B * H);
  if (h0 !== null) for (let k = 0; k < B * H; k++) h[k] = h0[k];
  const x = new Float64Array(B * I), m = new Float64Array(B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < I; i++) x[b * I + i] = xs[(b * T + t) * I + i];
      m[b] = mask === null ? 1 : mask[b * T + t];
    }
    const next = new Float64Array(B * H);
    gruStep(p, x, h, next, m);
    for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) hs[(b * T + t) * H + j] = next[b * H + j];
    h = next;
  }
  return hs;
}

/** The GRU's weights as tensors sliced from the flat parameter tensor (differentiable). */
export interface GruTensors {
  spec: GruSpec;
  /** [I, 3H] */
  wx: TF.Tensor2D;
  /** [H, 3H] */
  wh: TF.Tensor2D;
  /** [3H] */
  bx: TF.Tensor1D;
  /** [3H] */
  bh: TF.Tensor1D;
}

/** Slice Wx, Wh, bx, bh out of the flat parameter tensor theta [3H(I+H+2)]. */
export function gruTensors(theta: TF.Tensor1D, spec: GruSpec): GruTensors {
  checkTheta({ length: theta.shape[0] }, spec, 'gruTensors');
  const o = gruOffsets(spec), { inputSize: I, hiddenSize: H } = spec;
  return {
    spec,
    wx: tf.reshape(tf.slice(theta, o.wx, 3 * H * I), [I, 3 * H]) as TF.Tensor2D,
    wh: tf.reshape(tf.slice(theta, o.wh, 3 * H * H), [H, 3 * H]) as TF.Tensor2D,
    bx: tf.slice(theta, o.bx, 3 * H) as TF.Tensor1D,
    bh: tf.slice(theta, o.bh, 3 * H) as TF.Tensor1D,
  };
}

/**
 * One step from precomputed input projections gx = x Wx + bx (split into the r,z block
 * [B, 2H] and the n block [B, H]): the part of the cell that depends on h.
 */
function stepFromProjection(w: GruTensors, gxRz: TF.Tensor2D, gxN: TF.Tensor2D, h: TF.Tensor2D): TF.Tensor2D {
  const H = w.spec.hiddenSize;
  const gh = tf.add(tf.matMul(h, w.wh), w.bh);
  const [ghRz, ghN] = tf.split(gh, [2 * H, H], 1);
  const [r, z] = tf.split(tf.sigmoid(tf.add(gxRz, ghRz)), 2, 1);
  const n = tf.tanh(tf.add(gxN, tf.mul(r, ghN)));
  return tf.add(n, tf.mul(z, tf.sub(h, n))) as TF.Tensor2D; // (1 - z) n + z h
}

/**
 * One GRU step as functional tfjs ops.
 * @param x [B, I]
 * @param h [B, H]
 * @returns h_t [B, H]
 */
export function gruStepTf(theta: TF.Tensor1D, spec: GruSpec, x: TF.Tensor2D, h: TF.Tensor2D): TF.Tensor2D {
  const w = gruTensors(theta, spec);
  const H = spec.hiddenSize;
  const [gxRz, gxN] = tf.split(tf.add(tf.matMul(x, w.wx), w.bx), [2 * H, H], 1) as TF.Tensor2D[];
  return stepFromProjection(w, gxRz, gxN, h);
}

/**
 * A batch of sequences as functional tfjs ops, for backpropagation through time. The
 * input projections x_t Wx + bx of all steps are one matrix product; the loop over t
 * then costs about a dozen small ops per step.
 * @param xs [B, T, I]
 * @param h0 [B, H]
 * @param mask [B, T] optional: 0 skips the step (h_t = h_{t-1})
 * @returns hs [B, T, H], hs[:, t] = the state after input t
 */
export function gruSequenceTf(theta: TF.Tensor1D, spec: GruSpec, xs: TF.Tensor3D, h0: TF.Tensor2D, mask?: TF.Tensor2D | null): TF.Tensor3D {
  const [B, T, I] = xs.shape;
  const H = spec.hiddenSize;
  if (I !== spec.inputSize) throw new RangeError(`gruSequenceTf: xs has ${I} inputs per step, the GRU takes ${spec.inputSize}`);
  if (h0.shape[0] !== B || h0.shape[1] !== H) throw new RangeError(`gruSequenceTf: h0 has shape [${h0.shape}], expected [${B}, ${H}]`);
  if (mask && (mask.shape[0] !== B || mask.shape[1] !== T)) throw new RangeError(`gruSequenceTf: mask has shape [${mask.shape}], expected [${B}, ${T}]`);
  const w = gruTensors(theta, spec);
  const gx = tf.reshape(tf.add(tf.matMul(tf.reshape(xs, [B * T, I]), w.wx), w.bx), [B, T, 3 * H]);
  const [gxRzAll, gxNAll] = tf.split(gx, [2 * H, H], 2);
  const gxRz = tf.unstack(gxRzAll, 1) as TF.Tensor2D[];
  const gxN = tf.unstack(gxNAll, 1) as TF.Tensor2D[];
  const m = mask ? (tf.unstack(tf.reshape(mask, [B, T, 1]), 1) as TF.Tensor2D[]) : null;
  const hs: TF.Tensor2D[] = [];
  let h = h0;
  for (let t = 0; t < T; t++) {
    const next = stepFromProjection(w, gxRz[t], gxN[t], h);
    h = m ? (tf.add(h, tf.mul(m[t], tf.sub(next, h))) as TF.Tensor2D) : next;
    hs.push(h);
  }
  return tf.stack(hs, 1) as TF.Tensor3D;
}
