/**
 * The softmax policy pi_theta(a|s): one hidden layer of 68 units (paper 000, Sec. 4.1:
 * "a single layer 68 node neural net"), ReLU, then a softmax over the 4 actions.
 *
 * theta is one flat Float32Array, so policies are plain data that can be copied,
 * averaged, clustered and sent to worker threads. Layout (row-major):
 *
 * | Symbol | Shape          | Offset                         |
 * |--------|----------------|--------------------------------|
 * | W1     | [obsDim, H]    | 0                              |
 * | b1     | [H]            | obsDim*H                       |
 * | W2     | [H, nActions]  | obsDim*H + H                   |
 * | b2     | [nActions]     | obsDim*H + H + H*nActions      |
 *
 * Two forward passes compute the same function:
 * - `actionProbs` / `sampleActions`: plain typed-array math for rollouts (no tfjs call
 *   per environment step; see environment.md for the measured per-call overhead);
 * - `logitsTf` / `logProbsTf`: functional tfjs ops, differentiable twice (for VPG and
 *   MAML). The paper does not name the activation; ReLU is 4x faster than tanh in the
 *   rollout loop, and tanh/sigmoid/exp break tfjs second-order gradients (tfjs#3252).
 */
import type * as TF from '@tensorflow/tfjs';
import { check } from '../core/config';
import { num, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';

export interface PolicySpec {
  /** State dimension (2: the particle's position). */
  obsDim: number;
  /** Hidden units (paper: 68). */
  hidden: number;
  /** Number of discrete actions (4). */
  nActions: number;
}

/** The paper's network: 2 -> 68 -> 4. */
export const PAPER_POLICY: PolicySpec = { obsDim: 2, hidden: 68, nActions: 4 };

/** Number of parameters: obsDim*H + H + H*A + A (480 for the paper's network). */
export function paramCount(spec: PolicySpec): number {
  return spec.obsDim * spec.hidden + spec.hidden + spec.hidden * spec.nActions + spec.nActions;
}

function offsets(spec: PolicySpec) {
  const w1 = 0, b1 = spec.obsDim * spec.hidden, w2 = b1 + spec.hidden, b2 = w2 + spec.hidden * spec.nActions;
  return { w1, b1, w2, b2, end: b2 + spec.nActions };
}

/** How fresh parameters are drawn (`initParams`). */
export const initSchema = section({
  outputScale: num.positive().default(0.01).describe("scale of the output layer's initial weights; small values give a near-uniform first policy"),
});
export type InitConfig = Resolved<typeof initSchema>;
export const initConfig = resolver('policy init config', initSchema);

/**
 * Fresh parameters: W1, b1 ~ U(-1/sqrt(obsDim), 1/sqrt(obsDim)) (the usual fan-in rule),
 * W2 ~ outputScale * U(-1/sqrt(H), 1/sqrt(H)), b2 = 0. With outputScale 0.01 the first
 * policy is within 1% of uniform, so all policies start practically indistinguishable
 * (paper 000, Sec. 2).
 */
/** The default initialization (outputScale 0.01). */
export const INIT_DEFAULTS: InitConfig = initConfig();

export function initParams(spec: PolicySpec, rng: Rng, init: InitConfig = INIT_DEFAULTS): Float32Array {
  check.positive('policy init', 'outputScale', init.outputScale);
  const o = offsets(spec);
  const theta = new Float32Array(o.end);
  const a1 = 1 / Math.sqrt(spec.obsDim);
  for (let i = o.w1; i < o.w2; i++) theta[i] = rng.uniform(-a1, a1);
  const a2 = init.outputScale / Math.sqrt(spec.hidden);
  for (let i = o.w2; i < o.b2; i++) theta[i] = rng.uniform(-a2, a2);
  return theta;
}

/** A policy whose action probabilities are softmax(logits) in every state (zero weights). */
export function constantPolicy(spec: PolicySpec, logits: readonly number[]): Float32Array {
  if (logits.length !== spec.nActions) {
    throw new RangeError(`constantPolicy: expected ${spec.nActions} logits, got ${logits.length}`);
  }
  const o = offsets(spec);
  const theta = new Float32Array(o.end);
  theta.set(logits, o.b2);
  return theta;
}

/**
 * A hand-built policy that homes in on `target` *if actions do what they say* (the
 * default, unremapped particle): four ReLU units measure how far the state is left/right
 * of and below/above the target, and the logits are gain * (distance toward each side),
 * e.g. logit(right) = gain * (relu(tx - x) - relu(x - tx)). Far from the target it
 * presses the two buttons that point at it; at the target it is uniform. Shows that a
 * flat theta is a behaviour: the same network shape the learners use.
 */
export function homingPolicy(spec: PolicySpec, target: readonly [number, number], gain: number): Float32Array {
  if (spec.obsDim !== 2 || spec.nActions !== 4 || spec.hidden < 4) {
    throw new RangeError('homingPolicy: needs obsDim 2, nActions 4 and at least 4 hidden units');
  }
  check.positive('homingPolicy', 'gain', gain);
  const o = offsets(spec), H = spec.hidden;
  const theta = new Float32Array(o.end);
  const [tx, ty] = target;
  // Hidden units 0..3: relu(tx - x), relu(x - tx), relu(ty - y), relu(y - ty).
  const wx = [-1, 1, 0, 0], wy = [0, 0, -1, 1], b = [tx, -tx, ty, -ty];
  for (let j = 0; j < 4; j++) {
    theta[o.w1 + j] = wx[j];
    theta[o.w1 + H + j] = wy[j];
    theta[o.b1 + j] = b[j];
  }
  // Logits (left, right, down, up) from those units.
  const out = [
    [-gain, gain, 0, 0],
    [gain, -gain, 0, 0],
    [0, 0, -gain, gain],
    [0, 0, gain, -gain],
  ];
  for (let j = 0; j < 4; j++) for (let a = 0; a < 4; a++) theta[o.w2 + j * 4 + a] = out[j][a];
  return theta;
}

function checkTheta(theta: Float32Array, spec: PolicySpec, where: string): void {
  if (!(theta instanceof Float32Array) || theta.length !== paramCount(spec)) {
    throw new RangeError(`${where}: theta must be a Float32Array of ${paramCount(spec)} parameters, got ${theta?.length}`);
  }
}

/**
 * Action probabilities for N states, plain typed-array math.
 * @param states [N, obsDim]
 * @returns [N, nActions]
 */
export function actionProbs(theta: Float32Array, states: ArrayLike<number>, spec: PolicySpec): Float64Array {
  checkTheta(theta, spec, 'actionProbs');
  const { obsDim: D, hidden: H, nActions: A } = spec;
  const N = Math.floor(states.length / D);
  const o = offsets(spec);
  const out = new Float64Array(N * A);
  const h = new Float64Array(H);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < H; j++) {
      let z = theta[o.b1 + j];
      for (let i = 0; i < D; i++) z += states[n * D + i] * theta[o.w1 + i * H + j];
      h[j] = z > 0 ? z : 0;
    }
    let m = -Infinity;
    for (let a = 0; a < A; a++) {
      let z = theta[o.b2 + a];
      for (let j = 0; j < H; j++) z += h[j] * theta[o.w2 + j * A + a];
      out[n * A + a] = z;
      if (z > m) m = z;
    }
    let s = 0;
    for (let a = 0; a < A; a++) {
      const e = Math.exp(out[n * A + a] - m);
      out[n * A + a] = e;
      s += e;
    }
    for (let a = 0; a < A; a++) out[n * A + a] /= s;
  }
  return out;
}

/**
 * Per-policy weights unpacked into float64 arrays for the rollout's fused loop
 * (specialised to obsDim = 2, nActions = 4, the particle testbed).
 */
export interface PackedPolicy {
  readonly H: number;
  /** [H] weights from x, from y, hidden bias; [4H] output weights interleaved by unit; [4] output bias. */
  readonly wx: Float64Array;
  readonly wy: Float64Array;
  readonly bh: Float64Array;
  readonly wo: Float64Array;
  readonly bo: Float64Array;
}

export function packPolicy(theta: Float32Array, spec: PolicySpec): PackedPolicy {
  checkTheta(theta, spec, 'packPolicy');
  if (spec.obsDim !== 2 || spec.nActions !== 4) {
    throw new RangeError(`packPolicy: the fused rollout loop needs obsDim 2 and nActions 4, got ${spec.obsDim} and ${spec.nActions}`);
  }
  const H = spec.hidden, o = offsets(spec);
  return {
    H,
    wx: Float64Array.from(theta.subarray(o.w1, o.w1 + H)),
    wy: Float64Array.from(theta.subarray(o.w1 + H, o.w1 + 2 * H)),
    bh: Float64Array.from(theta.subarray(o.b1, o.b1 + H)),
    wo: Float64Array.from(theta.subarray(o.w2, o.b2)),
    bo: Float64Array.from(theta.subarray(o.b2, o.end)),
  };
}

/** Scratch for the 4 logits of `packedLogits` (one per module: callers copy what they keep). */
const LOGITS = new Float64Array(4);

/**
 * The 4 logits at one 2D state with a packed policy, hidden layer and output layer in
 * one fused pass; written to a shared scratch array that the next call overwrites.
 */
function packedLogits(p: PackedPolicy, x: number, y: number): Float64Array {
  const { H, wx, wy, bh, wo, bo } = p;
  let l0 = bo[0], l1 = bo[1], l2 = bo[2], l3 = bo[3];
  for (let j = 0; j < H; j++) {
    const z = wx[j] * x + wy[j] * y + bh[j];
    if (z > 0) {
      const k = 4 * j;
      l0 += z * wo[k];
      l1 += z * wo[k + 1];
      l2 += z * wo[k + 2];
      l3 += z * wo[k + 3];
    }
  }
  LOGITS[0] = l0;
  LOGITS[1] = l1;
  LOGITS[2] = l2;
  LOGITS[3] = l3;
  return LOGITS;
}

/** Sample a ~ pi(.|s) for one 2D state with a packed policy; one rng draw. */
export function sampleAction(p: PackedPolicy, x: number, y: number, rng: Rng): number {
  const l = packedLogits(p, x, y);
  const m = Math.max(l[0], l[1], l[2], l[3]);
  const e0 = Math.exp(l[0] - m), e1 = Math.exp(l[1] - m), e2 = Math.exp(l[2] - m), e3 = Math.exp(l[3] - m);
  let u = rng.random() * (e0 + e1 + e2 + e3);
  if ((u -= e0) < 0) return 0;
  if ((u -= e1) < 0) return 1;
  if ((u -= e2) < 0) return 2;
  return 3;
}

type Save = (tensors: TF.Tensor[]) => void;
type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/**
 * exp whose gradient is itself differentiable: tfjs' own exp gradient reuses the saved
 * output, which cuts the tape for second derivatives (tfjs#3252). Also used by the
 * Gaussian policy's precision exp(-2 log sigma).
 */
export const expTwice = tf.customGrad(((x: TF.Tensor, save: Save) => {
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => tf.mul(dy, expTwice(saved[0])) };
}) as unknown as CustomGradFn) as unknown as (x: TF.Tensor) => TF.Tensor;

/**
 * Row-wise max treated as a constant (zero gradient): the shift of a stable log-softmax.
 * Computed inside a custom op so that no max/Equal gradient enters the tape (Equal has no
 * gradient in tfjs, which would break second derivatives).
 */
const constantRowMax = tf.customGrad(((z: TF.Tensor, save: Save) => {
  save([z]);
  return { value: tf.max(z, 1, true), gradFunc: (_dy: TF.Tensor, saved: TF.Tensor[]) => tf.zerosLike(saved[0]) };
}) as unknown as CustomGradFn) as unknown as (z: TF.Tensor) => TF.Tensor;

/**
 * Logits for a batch of states, as functional tfjs ops of the flat parameter tensor.
 * @param theta [P] flat parameters
 * @param states [N, obsDim]
 * @returns [N, nActions]
 */
export function logitsTf(theta: TF.Tensor1D, states: TF.Tensor2D, spec: PolicySpec): TF.Tensor2D {
  const o = offsets(spec);
  const { obsDim: D, hidden: H, nActions: A } = spec;
  const W1 = tf.reshape(tf.slice(theta, o.w1, D * H), [D, H]);
  const b1 = tf.slice(theta, o.b1, H);
  const W2 = tf.reshape(tf.slice(theta, o.w2, H * A), [H, A]);
  const b2 = tf.slice(theta, o.b2, A);
  const h = tf.relu(tf.add(tf.matMul(states, W1), b1));
  return tf.add(tf.matMul(h, W2), b2) as TF.Tensor2D;
}

/** log pi(.|s) for a batch of states, [N, nActions]. First derivatives only (tfjs' logSoftmax). */
export function logProbsTf(theta: TF.Tensor1D, states: TF.Tensor2D, spec: PolicySpec): TF.Tensor2D {
  return tf.logSoftmax(logitsTf(theta, states, spec)) as TF.Tensor2D;
}

/**
 * log pi(.|s) = z - logsumexp(z) built from twice-differentiable ops, for MAML's
 * meta-gradient through an inner update. About 1.8x slower than `logProbsTf`.
 */
export function logProbsTwiceTf(theta: TF.Tensor1D, states: TF.Tensor2D, spec: PolicySpec): TF.Tensor2D {
  const z = logitsTf(theta, states, spec);
  const shifted = tf.sub(z, constantRowMax(z));
  return tf.sub(shifted, tf.log(tf.sum(expTwice(shifted), 1, true))) as TF.Tensor2D;
}

/**
 * Action probabilities of several policies at the same states, batched over states.
 * Plain typed-array math (the fused pass of the rollouts): no gradient is needed here,
 * and at 24 policies x 1000 states it is about 3x faster than one batched tfjs call on
 * the wasm backend.
 * @param thetas M flat parameter vectors
 * @param states [N, obsDim]
 * @returns M arrays of [N, nActions]
 */
export function batchedActionProbs(thetas: readonly Float32Array[], states: Float32Array, spec: PolicySpec): Float32Array[] {
  thetas.forEach((t, i) => checkTheta(t, spec, `batchedActionProbs policy ${i}`));
  if (spec.obsDim !== 2 || spec.nActions !== 4) return thetas.map((t) => Float32Array.from(actionProbs(t, states, spec)));
  const N = states.length / 2;
  return thetas.map((theta) => {
    const p = packPolicy(theta, spec);
    const out = new Float32Array(N * 4);
    for (let n = 0; n < N; n++) {
      const l = packedLogits(p, states[2 * n], states[2 * n + 1]);
      const m = Math.max(l[0], l[1], l[2], l[3]);
      const e0 = Math.exp(l[0] - m), e1 = Math.exp(l[1] - m), e2 = Math.exp(l[2] - m), e3 = Math.exp(l[3] - m);
      const z = e0 + e1 + e2 + e3;
      out[4 * n] = e0 / z;
      out[4 * n + 1] = e1 / z;
      out[4 * n + 2] = e2 / z;
      out[4 * n + 3] = e3 / z;
    }
    return out;
  });
}

/** Element-wise mean of several parameter vectors (e.g. a cluster's centroid in parameter space). */
export function averageParams(thetas: readonly Float32Array[]): Float32Array {
  if (thetas.length === 0) throw new RangeError('averageParams: need at least one parameter vector');
  const out = new Float32Array(thetas[0].length);
  for (const t of thetas) {
    if (t.length !== out.length) throw new RangeError(`averageParams: lengths differ (${t.length} vs ${out.length})`);
    for (let i = 0; i < t.length; i++) out[i] += t[i] / thetas.length;
  }
  return out;
}
