/**
 * The tanh-Gaussian policy of SAC (Haarnoja et al., 2018, App. C): a network outputs the
 * mean mu and log standard deviation log sigma of a Gaussian over pre-squash actions u,
 * and the action is a = tanh(u), inside (-1, 1)^A. Its log-density needs the change of
 * variables:
 *
 *   log pi(a|s) = sum_j [ log N(u_j; mu_j, sigma_j) - log(1 - tanh(u_j)^2) ]
 *
 * with log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), exact and stable for large |u|
 * (rlkit writes log(1 - a^2 + 1e-6) instead; the two agree to 1e-6 where a^2 is not close to 1).
 *
 * Sampling is reparameterised: u = mu + sigma * eps with eps ~ N(0, I) drawn by the
 * caller's Rng (passed in as a tensor), so gradients flow to mu and sigma. With eps fixed,
 * log N(u; mu, sigma) = -eps^2/2 - log sigma - log(2 pi)/2 is the same function of
 * (mu, sigma), which saves kernels. log sigma is clipped to [logStdMin, logStdMax]
 * (rlkit: [-20, 2]).
 *
 * The network output is [N, 2A]: columns 0..A-1 are mu, A..2A-1 are log sigma.
 */
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';

export interface LogStdBounds {
  logStdMin: number;
  logStdMax: number;
}

/** rlkit's bounds on log sigma. */
export const RLKIT_LOG_STD: LogStdBounds = { logStdMin: -20, logStdMax: 2 };

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** What a reparameterised draw returns; every tensor has N rows. */
export interface TanhGaussianSample {
  /** a = tanh(u) [N, A] */
  action: TF.Tensor2D;
  /** log pi(a|s) [N] */
  logProb: TF.Tensor1D;
  /** mu [N, A] */
  mean: TF.Tensor2D;
  /** clipped log sigma [N, A] */
  logStd: TF.Tensor2D;
  /** u [N, A] */
  preTanh: TF.Tensor2D;
}

/**
 * Reparameterised draw and its log-probability, in tfjs (differentiable in `out`).
 * @param out network output [N, 2A]
 * @param eps standard normal noise [N, A] (constant)
 */
export function tanhGaussianTf(out: TF.Tensor2D, eps: TF.Tensor2D, bounds: LogStdBounds = RLKIT_LOG_STD): TanhGaussianSample {
  const A = eps.shape[1];
  if (out.shape[1] !== 2 * A || out.shape[0] !== eps.shape[0]) {
    throw new RangeError(`tanhGaussianTf: out must be [N, 2A] = [${eps.shape[0]}, ${2 * A}], got [${out.shape}]`);
  }
  const [mean, raw] = tf.split(out, 2, 1) as [TF.Tensor2D, TF.Tensor2D];
  const logStd = tf.clipByValue(raw, bounds.logStdMin, bounds.logStdMax);
  const u = tf.add(mean, tf.mul(tf.exp(logStd), eps)) as TF.Tensor2D;
  const action = tf.tanh(u);
  // log N(u) - log(1 - tanh(u)^2) per coordinate = -eps^2/2 - log(2pi)/2 - log sigma - 2 (log 2 - u - softplus(-2u))
  const squash = tf.mul(2, tf.sub(tf.sub(Math.LN2, u), tf.softplus(tf.mul(-2, u))));
  const perDim = tf.add(tf.mul(-0.5, tf.square(eps)), tf.neg(tf.add(logStd, squash)));
  const logProb = tf.sub(tf.sum(perDim, 1), A * HALF_LOG_2PI) as TF.Tensor1D;
  return { action, logProb, mean, logStd, preTanh: u };
}

/**
 * log pi(tanh(u)) for one row, plain math (the reference for tests).
 * @param u pre-squash action [A]
 */
export function tanhGaussianLogProb(u: ArrayLike<number>, mean: ArrayLike<number>, logStd: ArrayLike<number>): number {
  let lp = 0;
  for (let j = 0; j < u.length; j++) {
    const s = Math.exp(logStd[j]);
    const e = (u[j] - mean[j]) / s;
    const t = Math.tanh(u[j]);
    lp += -0.5 * e * e - logStd[j] - HALF_LOG_2PI - Math.log(1 - t * t);
  }
  return lp;
}

/**
 * Actions for n rows of network output, plain math (rollouts).
 * @param out [n, 2A]
 * @param deterministic take tanh(mu) (rlkit's evaluation mode) instead of sampling
 * @returns a [n, A] in (-1, 1)
 */
export function tanhGaussianAct(out: Float32Array, n: number, A: number, rng: Rng, deterministic: boolean, bounds: LogStdBounds = RLKIT_LOG_STD): Float32Array {
  if (out.length !== n * 2 * A) throw new RangeError(`tanhGaussianAct: out must hold ${n} x ${2 * A} values, got ${out.length}`);
  const a = new Float32Array(n * A);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < A; j++) {
      const mu = out[r * 2 * A + j];
      if (deterministic) {
        a[r * A + j] = Math.tanh(mu);
      } else {
        const ls = Math.min(bounds.logStdMax, Math.max(bounds.logStdMin, out[r * 2 * A + A + j]));
        a[r * A + j] = Math.tanh(mu + Math.exp(ls) * rng.normal());
      }
    }
  }
  return a;
}

/** n x A standard normal draws, for `tanhGaussianTf`'s eps. */
export function normals(rng: Rng, n: number): Float32Array {
  const e = new Float32Array(n);
  for (let i = 0; i < n; i++) e[i] = rng.normal();
  return e;
}
