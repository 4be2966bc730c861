/**
 * The Gaussian policy pi_theta(a|s) = N(mu_theta(s), diag(sigma^2)) for continuous actions:
 * one hidden ReLU layer gives the mean, and a state-independent log standard deviation
 * log sigma is a parameter of its own (the policy of MAML's 2D navigation, Finn et al.
 * 2017, Sec. 5.3, and of rllab's GaussianMLPPolicy).
 *
 * theta is one flat Float32Array. Layout (row-major):
 *
 * | Symbol    | Shape          | Offset                      |
 * |-----------|----------------|-----------------------------|
 * | W1        | [obsDim, H]    | 0                           |
 * | b1        | [H]            | obsDim*H                    |
 * | W2        | [H, actDim]    | obsDim*H + H                |
 * | b2        | [actDim]       | obsDim*H + H + H*actDim     |
 * | logSigma  | [actDim]       | obsDim*H + H + H*actDim + actDim |
 *
 * The first four blocks have the softmax policy's layout, so `foldInputs` (condition.ts)
 * conditions either policy on a skill the same way.
 *
 * Two forward passes compute the same function: `gaussianMeans` / the packed pass of the
 * rollouts in plain typed-array math, and `gaussianLogProbTf` in functional tfjs ops that
 * are differentiable twice. The log-density is written out by hand,
 *
 *   log pi(a|s) = sum_i [ -(a_i - mu_i)^2 exp(-2 log sigma_i) / 2 - log sigma_i - log(2 pi) / 2 ],
 *
 * with the precision exp(-2 log sigma) through `expTwice`: tfjs' own exp gradient reuses
 * its saved output and cuts the tape for second derivatives (tfjs#3252). The meta-gradient
 * test checks MAML through this density against finite differences.
 */
import type * as TF from '@tensorflow/tfjs';
import { int, num, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { expTwice } from './softmax-mlp';

export interface GaussianSpec {
  /** Observation dimension (2 for a point's position; 2 + nSkills for a skill-conditioned policy). */
  obsDim: number;
  /** Hidden ReLU units. */
  hidden: number;
  /** Action dimension (2 for point navigation). */
  actDim: number;
}

/** How fresh parameters are drawn. */
export const gaussianInitSchema = section({
  outputScale: num.positive().default(0.01).describe('scale of the mean layer\'s initial weights; small values start every policy at mean ~0'),
  logSigma: num.default(0).describe('initial log sigma of every action dimension (0: sigma = 1, about the action box [-1, 1])'),
});
export type GaussianInit = Resolved<typeof gaussianInitSchema>;
export const gaussianInitConfig = resolver('gaussian policy init', gaussianInitSchema);

/** A spec as config: the sizes of the network. */
export const gaussianSpecSchema = section({
  obsDim: int.positive().default(2).describe('observation dimension'),
  hidden: int.positive().default(64).describe('hidden ReLU units'),
  actDim: int.positive().default(2).describe('action dimension'),
});

/** Number of parameters: D*H + H + H*A + A + A. */
export function gaussianParamCount(spec: GaussianSpec): number {
  return spec.obsDim * spec.hidden + spec.hidden + spec.hidden * spec.actDim + 2 * spec.actDim;
}

export function gaussianOffsets(spec: GaussianSpec) {
  const w1 = 0, b1 = spec.obsDim * spec.hidden, w2 = b1 + spec.hidden, b2 = w2 + spec.hidden * spec.actDim, logSigma = b2 + spec.actDim;
  return { w1, b1, w2, b2, logSigma, end: logSigma + spec.actDim };
}

/**
 * Fresh parameters: W1, b1 ~ U(-1/sqrt(obsDim), 1/sqrt(obsDim)) (fan-in rule),
 * W2 ~ outputScale * U(-1/sqrt(H), 1/sqrt(H)), b2 = 0, log sigma = init.logSigma.
 */
export function initGaussian(spec: GaussianSpec, rng: Rng, init: GaussianInit = gaussianInitConfig()): Float32Array {
  const o = gaussianOffsets(spec);
  const theta = new Float32Array(o.end);
  const a1 = 1 / Math.sqrt(spec.obsDim);
  for (let i = o.w1; i < o.w2; i++) theta[i] = rng.uniform(-a1, a1);
  const a2 = init.outputScale / Math.sqrt(spec.hidden);
  for (let i = o.w2; i < o.b2; i++) theta[i] = rng.uniform(-a2, a2);
  theta.fill(init.logSigma, o.logSigma, o.end);
  return theta;
}

function checkTheta(theta: Float32Array, spec: GaussianSpec, where: string): void {
  if (!(theta instanceof Float32Array) || theta.length !== gaussianParamCount(spec)) {
    throw new RangeError(`${where}: theta must be a Float32Array of ${gaussianParamCount(spec)} parameters for obsDim ${spec.obsDim}, hidden ${spec.hidden}, actDim ${spec.actDim}, got ${theta?.length}`);
  }
}

/** log sigma of each action dimension, [actDim]. */
export function logSigmaOf(theta: Float32Array, spec: GaussianSpec): Float32Array {
  checkTheta(theta, spec, 'logSigmaOf');
  const o = gaussianOffsets(spec);
  return theta.slice(o.logSigma, o.end);
}

/**
 * Means mu_theta(s) for N observations, plain typed-array math.
 * @param obs [N, obsDim]
 * @returns [N, actDim]
 */
export function gaussianMeans(theta: Float32Array, obs: ArrayLike<number>, spec: GaussianSpec): Float64Array {
  checkTheta(theta, spec, 'gaussianMeans');
  const { obsDim: D, hidden: H, actDim: A } = spec;
  const o = gaussianOffsets(spec);
  const N = Math.floor(obs.length / D);
  const out = new Float64Array(N * A);
  const h = new Float64Array(H);
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < H; j++) {
      let z = theta[o.b1 + j];
      for (let i = 0; i < D; i++) z += obs[n * D + i] * theta[o.w1 + i * H + j];
      h[j] = z > 0 ? z : 0;
    }
    for (let a = 0; a < A; a++) {
      let z = theta[o.b2 + a];
      for (let j = 0; j < H; j++) z += h[j] * theta[o.w2 + j * A + a];
      out[n * A + a] = z;
    }
  }
  return out;
}

/**
 * A 2D-observation, 2D-action Gaussian policy unpacked for the rollout's fused loop.
 */
export interface PackedGaussian {
  readonly H: number;
  /** [H] weights from x and from y, hidden bias; [2H] output weights interleaved by unit; [2] output bias; [2] sigma. */
  readonly wx: Float64Array;
  readonly wy: Float64Array;
  readonly bh: Float64Array;
  readonly wo: Float64Array;
  readonly bo: Float64Array;
  readonly sigma: Float64Array;
}

export function packGaussian(theta: Float32Array, spec: GaussianSpec): PackedGaussian {
  checkTheta(theta, spec, 'packGaussian');
  if (spec.obsDim !== 2 || spec.actDim !== 2) {
    throw new RangeError(`packGaussian: the fused rollout loop needs obsDim 2 and actDim 2, got ${spec.obsDim} and ${spec.actDim} (fold a skill into the bias first: foldInputs)`);
  }
  const H = spec.hidden, o = gaussianOffsets(spec);
  return {
    H,
    wx: Float64Array.from(theta.subarray(o.w1, o.w1 + H)),
    wy: Float64Array.from(theta.subarray(o.w1 + H, o.w1 + 2 * H)),
    bh: Float64Array.from(theta.subarray(o.b1, o.b1 + H)),
    wo: Float64Array.from(theta.subarray(o.w2, o.b2)),
    bo: Float64Array.from(theta.subarray(o.b2, o.logSigma)),
    sigma: Float64Array.from(theta.subarray(o.logSigma, o.end), Math.exp),
  };
}

/**
 * Sample a ~ N(mu(s), sigma^2) at one 2D state with a packed policy; writes out[k], out[k+1].
 * Two standard-normal draws from `rng`.
 */
export function sampleGaussianInto(p: PackedGaussian, x: number, y: number, rng: Rng, out: Float32Array, k: number): void {
  const { H, wx, wy, bh, wo, bo, sigma } = p;
  let m0 = bo[0], m1 = bo[1];
  for (let j = 0; j < H; j++) {
    const z = wx[j] * x + wy[j] * y + bh[j];
    if (z > 0) {
      m0 += z * wo[2 * j];
      m1 += z * wo[2 * j + 1];
    }
  }
  out[k] = m0 + sigma[0] * rng.normal();
  out[k + 1] = m1 + sigma[1] * rng.normal();
}

/** The mean mu_theta(s) of a packed policy at one 2D state (the deterministic action). */
export function packedGaussianMean(p: PackedGaussian, x: number, y: number): [number, number] {
  const { H, wx, wy, bh, wo, bo } = p;
  let m0 = bo[0], m1 = bo[1];
  for (let j = 0; j < H; j++) {
    const z = wx[j] * x + wy[j] * y + bh[j];
    if (z > 0) {
      m0 += z * wo[2 * j];
      m1 += z * wo[2 * j + 1];
    }
  }
  return [m0, m1];
}

/**
 * The mean mu_theta(s) for a batch, as functional tfjs ops of the flat parameters.
 * @param obs [N, obsDim]
 * @returns [N, actDim]
 */
export function gaussianMeanTf(theta: TF.Tensor1D, obs: TF.Tensor2D, spec: GaussianSpec): TF.Tensor2D {
  const o = gaussianOffsets(spec);
  const { obsDim: D, hidden: H, actDim: A } = spec;
  const W1 = tf.reshape(tf.slice(theta, o.w1, D * H), [D, H]);
  const b1 = tf.slice(theta, o.b1, H);
  const W2 = tf.reshape(tf.slice(theta, o.w2, H * A), [H, A]);
  const b2 = tf.slice(theta, o.b2, A);
  const h = tf.relu(tf.add(tf.matMul(obs, W1), b1));
  return tf.add(tf.matMul(h, W2), b2) as TF.Tensor2D;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log pi_theta(a|s) for a batch, twice differentiable (MAML's meta-gradient goes through it).
 * @param obs [N, obsDim]
 * @param actions [N, actDim], the sampled (unclipped) actions
 * @returns [N]
 */
export function gaussianLogProbTf(theta: TF.Tensor1D, obs: TF.Tensor2D, actions: TF.Tensor2D, spec: GaussianSpec): TF.Tensor1D {
  const o = gaussianOffsets(spec);
  const mu = gaussianMeanTf(theta, obs, spec);
  const logSigma = tf.slice(theta, o.logSigma, spec.actDim);
  const precision = expTwice(tf.mul(-2, logSigma)); // 1 / sigma^2, second-order safe
  const quad = tf.sum(tf.mul(tf.square(tf.sub(actions, mu)), precision), 1);
  return tf.sub(tf.mul(-0.5, quad), tf.add(tf.sum(logSigma), spec.actDim * HALF_LOG_2PI)) as TF.Tensor1D;
}

/** Entropy of pi_theta(.|s), the same in every state: sum_i (log sigma_i + log(2 pi e) / 2). A scalar tensor. */
export function gaussianEntropyTf(theta: TF.Tensor1D, spec: GaussianSpec): TF.Scalar {
  const o = gaussianOffsets(spec);
  return tf.add(tf.sum(tf.slice(theta, o.logSigma, spec.actDim)), spec.actDim * (HALF_LOG_2PI + 0.5)) as TF.Scalar;
}

/** The same entropy as a number. */
export function gaussianEntropy(theta: Float32Array, spec: GaussianSpec): number {
  let s = spec.actDim * (HALF_LOG_2PI + 0.5);
  for (const l of logSigmaOf(theta, spec)) s += l;
  return s;
}

/** log N(a; mu, sigma^2) summed over dimensions, plain math (the reference for the tfjs density). */
export function gaussianLogDensity(a: ArrayLike<number>, mu: ArrayLike<number>, logSigma: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const z = (a[i] - mu[i]) / Math.exp(logSigma[i]);
    s += -0.5 * z * z - logSigma[i] - HALF_LOG_2PI;
  }
  return s;
}
