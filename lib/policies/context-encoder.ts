/**
 * PEARL's context encoder q_phi(z | c) (Rakelly et al., ICML 2019, Sec. 4.1): an MLP f_phi
 * maps each transition c_n = (s_n, a_n, r_n) to a Gaussian factor
 *
 *   Psi_phi(z | c_n) = N(f^mu_phi(c_n), diag f^sigma2_phi(c_n)),   f^sigma2 = softplus(raw)
 *
 * and the posterior is their normalised product, in closed form per latent dimension:
 *
 *   sigma2 = 1 / sum_n 1/sigma2_n,        mu = sigma2 * sum_n mu_n / sigma2_n
 *
 * (permutation invariant, and it narrows as context accumulates). z is drawn by
 * reparameterisation, z = mu + sqrt(sigma2) * eps, and the KL to the unit prior is
 *
 *   KL(N(mu, sigma2) || N(0, I)) = 1/2 sum_j (sigma2_j + mu_j^2 - 1 - log sigma2_j).
 *
 * The deterministic ablation (Fig. 7) uses the same network with L outputs and
 * z = the mean of the per-transition outputs (rlkit's "sum rather than product" branch),
 * no sampling and no KL. With no context at all, z is the prior: a draw from N(0, I), or
 * 0 for the deterministic variant (rlkit's `clear_z`).
 *
 * Both in tfjs (for training, batched over tasks) and in plain typed-array math (for
 * rollouts, with running sums so the posterior is updated as transitions arrive).
 *
 * References: K. Rakelly, A. Zhou, D. Quillen, C. Finn, S. Levine, "Efficient Off-Policy
 * Meta-Reinforcement Learning via Probabilistic Context Variables", ICML 2019,
 * https://arxiv.org/abs/1903.08254; variances clamped at 1e-7 as in rlkit
 * (github.com/katerakelly/oyster, rlkit/torch/sac/agent.py).
 */
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { tf } from '../core/tf';
import { MlpLayout, mlpForward, mlpLayout, mlpSpec, mlpTf } from './mlp';

/** Smallest per-factor variance (rlkit's clamp). */
export const MIN_VAR = 1e-7;

export interface EncoderSpec {
  /** transition size (s, a, r): obs + A + 1 */
  input: number;
  hidden: number[];
  /** latent size L */
  latent: number;
  /** Gaussian factors (PEARL) or the deterministic ablation */
  probabilistic: boolean;
}

export function encoderLayout(spec: EncoderSpec): MlpLayout {
  return mlpLayout(mlpSpec({ input: spec.input, hidden: spec.hidden, output: spec.probabilistic ? 2 * spec.latent : spec.latent }));
}

/** softplus(x) = log(1 + e^x), stable. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * Product of n Gaussian factors, plain math.
 * @param mus [n, L]
 * @param vars [n, L] variances (clamped at MIN_VAR)
 */
export function productOfGaussians(mus: ArrayLike<number>, vars: ArrayLike<number>, n: number, L: number): { mu: Float64Array; var: Float64Array } {
  const prec = new Float64Array(L), wsum = new Float64Array(L);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < L; j++) {
      const p = 1 / Math.max(vars[i * L + j], MIN_VAR);
      prec[j] += p;
      wsum[j] += mus[i * L + j] * p;
    }
  }
  const mu = new Float64Array(L), v = new Float64Array(L);
  for (let j = 0; j < L; j++) {
    v[j] = 1 / prec[j];
    mu[j] = v[j] * wsum[j];
  }
  return { mu, var: v };
}

/** KL(N(mu, diag var) || N(0, I)), plain math. */
export function klToUnit(mu: ArrayLike<number>, v: ArrayLike<number>): number {
  let kl = 0;
  for (let j = 0; j < mu.length; j++) kl += 0.5 * (v[j] + mu[j] * mu[j] - 1 - Math.log(v[j]));
  return kl;
}

/** The posterior over z of T tasks in tfjs (rows N = T * M: task t's context in rows [t M, (t+1) M)). */
export interface PosteriorTf {
  /** [T, L] */
  mu: TF.Tensor2D;
  /** [T, L] (zeros for the deterministic variant) */
  var: TF.Tensor2D | null;
}

/**
 * q_phi(z | c) for T tasks at once.
 * @param w encoder weights (uploadMlp)
 * @param context [T * M, input], M transitions per task
 */
export function posteriorTf(spec: EncoderSpec, layout: MlpLayout, w: readonly TF.Tensor[], context: TF.Tensor2D, T: number): PosteriorTf {
  const L = spec.latent;
  const M = context.shape[0] / T;
  if (!Number.isInteger(M) || M < 1) throw new RangeError(`posteriorTf: ${context.shape[0]} context rows do not split into ${T} tasks`);
  const out = mlpTf(layout, w, context);
  if (!spec.probabilistic) return { mu: tf.mean(tf.reshape(out, [T, M, L]), 1) as TF.Tensor2D, var: null };
  const [muN, raw] = tf.split(out, 2, 1);
  const prec = tf.reciprocal(tf.maximum(tf.softplus(raw), MIN_VAR));
  const precSum = tf.sum(tf.reshape(prec, [T, M, L]), 1);
  const v = tf.reciprocal(precSum) as TF.Tensor2D;
  const mu = tf.mul(v, tf.sum(tf.reshape(tf.mul(muN, prec), [T, M, L]), 1)) as TF.Tensor2D;
  return { mu, var: v };
}

/** z = mu + sqrt(var) eps (or mu when var is null). eps [T, L] constant. */
export function sampleZTf(p: PosteriorTf, eps: TF.Tensor2D): TF.Tensor2D {
  return p.var === null ? p.mu : (tf.add(p.mu, tf.mul(tf.sqrt(p.var), eps)) as TF.Tensor2D);
}

/** sum over tasks of KL(q(z | c_t) || N(0, I)) (rlkit sums over the meta-batch). */
export function klTf(p: PosteriorTf): TF.Scalar {
  if (p.var === null) return tf.scalar(0);
  return tf.mul(0.5, tf.sum(tf.sub(tf.add(p.var, tf.square(p.mu)), tf.add(1, tf.log(p.var))))) as TF.Scalar;
}

/**
 * The running posterior of one task in plain math: add transitions as they arrive, read
 * q(z | c) or draw z. For rollouts (meta-training data collection and meta-testing).
 */
export class RunningPosterior {
  /** sum of precisions (probabilistic) or of outputs (deterministic) [L] */
  private readonly a: Float64Array;
  /** sum of precision-weighted means (probabilistic) [L] */
  private readonly b: Float64Array;
  /** transitions seen */
  n = 0;

  constructor(readonly spec: EncoderSpec) {
    this.a = new Float64Array(spec.latent);
    this.b = new Float64Array(spec.latent);
  }

  /** Forget the context (back to the prior). */
  clear(): void {
    this.a.fill(0);
    this.b.fill(0);
    this.n = 0;
  }

  /**
   * Add k transitions.
   * @param context [k, input]
   */
  add(layout: MlpLayout, phi: Float32Array, context: ArrayLike<number>, k: number): void {
    if (k === 0) return;
    const L = this.spec.latent;
    const out = mlpForward(layout, phi, context, k);
    if (this.spec.probabilistic) {
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < L; j++) {
          const p = 1 / Math.max(softplus(out[i * 2 * L + L + j]), MIN_VAR);
          this.a[j] += p;
          this.b[j] += out[i * 2 * L + j] * p;
        }
      }
    } else {
      for (let i = 0; i < k; i++) for (let j = 0; j < L; j++) this.a[j] += out[i * L + j];
    }
    this.n += k;
  }

  /** q(z | c): mean and variance; the prior N(0, I) (deterministic: mean 0, variance 0) when empty. */
  posterior(): { mu: Float64Array; var: Float64Array } {
    const L = this.spec.latent;
    const mu = new Float64Array(L), v = new Float64Array(L);
    for (let j = 0; j < L; j++) {
      if (this.n === 0) {
        v[j] = this.spec.probabilistic ? 1 : 0;
      } else if (this.spec.probabilistic) {
        v[j] = 1 / this.a[j];
        mu[j] = v[j] * this.b[j];
      } else {
        mu[j] = this.a[j] / this.n;
      }
    }
    return { mu, var: v };
  }

  /** Draw z ~ q(z | c) into out[at .. at + L). */
  sample(rng: Rng, out: Float32Array, at = 0): void {
    const q = this.posterior();
    for (let j = 0; j < this.spec.latent; j++) out[at + j] = q.mu[j] + (q.var[j] > 0 ? Math.sqrt(q.var[j]) * rng.normal() : 0);
  }
}
