/**
 * The gradient of one PEARL meta-training step (Rakelly, Zhou, Quillen, Finn & Levine,
 * "Efficient Off-Policy Meta-Reinforcement Learning via Probabilistic Context Variables",
 * ICML 2019, Alg. 1, l.13-21; pearl.ts is the algorithm) by explicit backpropagation:
 * sac.ts's `sacGradsTf` for pi, Q_1, Q_2 and V, and the encoder's gradient through z and
 * the KL written out. One `tf.tidy`, one upload per field of the meta-batch; the task's z
 * reaches its transitions through a one-hot matmul (the wasm backend has no gradient for
 * gather). pearl-autodiff.ts is the tfjs-autodiff reference it is tested against.
 */
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../core/tf';
import { MIN_VAR } from '../policies/context-encoder';
import { mlpBackwardTf, mlpForwardTf, mm3, readFlat, uploadMlp, uploadMlpT } from '../policies/mlp';
import { flatSize, Learner, readScalars } from './off-policy';
import { sacGradsTf, SacConfig, SacState } from './sac';

/** What the gradient reads of PEARL's state (pearl.ts's PearlState has all of it). */
export interface PearlNetworks {
  cfg: { latent: number; klWeight: number; probabilistic: boolean; sac: SacConfig };
  sac: SacState;
  encoder: Learner;
}

export type PearlMetrics = Record<'qLoss' | 'vLoss' | 'piLoss' | 'logPi' | 'qMean' | 'kl', number>;

/** A meta-batch as typed arrays (what one gradient step consumes). */
export interface MetaBatch {
  /** T tasks, B RL rows and M context rows per task */
  T: number;
  B: number;
  M: number;
  /** (s, a, r) context [T * M, 5] */
  context: Float32Array;
  /** RL batch: s [T*B, 2], a [T*B, 2], r [T*B] (critic's reward), s' [T*B, 2], 1 - done [T*B] */
  obs: Float32Array;
  action: Float32Array;
  reward: Float32Array;
  next: Float32Array;
  notDone: Float32Array;
  /** policy noise [T*B, 2] and z noise [T, L] */
  epsPi: Float32Array;
  epsZ: Float32Array;
}

/** The learners in the order of the flat gradient: pi, Q1, Q2, V, encoder. */
export function learnersOf(s: PearlNetworks): Learner[] {
  return [s.sac.policy, s.sac.q1, s.sac.q2, s.sac.v, s.encoder];
}

/** A meta-batch as tensors, rows as [1, rows, d] (one upload per field). */
export function uploadBatch(s: PearlNetworks, mb: MetaBatch) {
  const { T, B, M } = mb, N = T * B, L = s.cfg.latent;
  return {
    context: tf.tensor3d(mb.context, [1, T * M, 5]),
    obs: tf.tensor3d(mb.obs, [1, N, 2]),
    next: tf.tensor3d(mb.next, [1, N, 2]),
    action: tf.tensor3d(mb.action, [1, N, 2]),
    reward: tf.tensor3d(mb.reward, [1, N, 1]),
    notDone: tf.tensor3d(mb.notDone, [1, N, 1]),
    epsPi: tf.tensor3d(mb.epsPi, [1, N, 2]),
    epsZ: tf.tensor3d(mb.epsZ, [1, T, L]),
  };
}

/** Row -> task one-hot [T * rows, T] and its transpose [T, T * rows], cached per shape. */
const oneHotCache = new Map<string, { m: Float32Array; mT: Float32Array }>();
export function taskOneHot(T: number, rows: number): { m: Float32Array; mT: Float32Array } {
  const key = `${T}x${rows}`;
  let c = oneHotCache.get(key);
  if (!c) {
    const m = new Float32Array(T * rows * T), mT = new Float32Array(T * rows * T);
    for (let t = 0; t < T; t++) {
      for (let r = 0; r < rows; r++) {
        m[(t * rows + r) * T + t] = 1;
        mT[t * T * rows + t * rows + r] = 1;
      }
    }
    c = { m, mT };
    oneHotCache.set(key, c);
  }
  return c;
}

/**
 * Alg. 1, l.13-21 by explicit backpropagation (the fast path; pearl-autodiff.ts is the
 * tfjs-autodiff reference it is tested against): the flat gradient of
 * L_critic + L_actor + L_V + beta KL with respect to pi, Q1, Q2, V and phi (learnersOf
 * order), and the losses. The encoder's gradient comes from the critics' input columns
 * of z (dz = onehot^T dzRows) and the KL:
 *
 *   z = mu + sqrt(var) eps:  dmu = dz + beta mu,  dvar = dz eps / (2 sqrt(var)) + beta (1 - 1/var) / 2
 *   mu = S / P, var = 1 / P with P = sum_n 1/var_n, S = sum_n mu_n / var_n:
 *     dS = var dmu,  dP = -var^2 dvar - mu var dmu
 *   per factor: dmu_n = dS / var_n,  dvar_n = -(dP + mu_n dS) / var_n^2,  draw_n = dvar_n sigmoid(raw_n)
 *   deterministic: z = mean_n f(c_n), df(c_n) = dz / M.
 */
export function pearlGrads(s: PearlNetworks, mb: MetaBatch, out?: Float32Array, withMetrics = true): { grad: Float32Array; metrics: PearlMetrics | null } {
  const { cfg } = s, { T, B, M } = mb, N = T * B, L = cfg.latent, nets = s.sac.nets, beta = cfg.klWeight;
  const learners = learnersOf(s);
  const grad = out ?? new Float32Array(flatSize(learners));
  let metrics: PearlMetrics | null = null;
  tf.tidy(() => {
    const x = uploadBatch(s, mb);
    const oh = taskOneHot(T, B);
    const [policy, q1, q2, v, phi] = learners.map((l) => uploadMlp(l.layout, l.theta));
    const [policyT, q1T, q2T, vT, phiT] = learners.map((l) => uploadMlpT(l.layout, l.theta));
    const vTarget = uploadMlp(nets.v, s.sac.vTarget);
    const enc = s.encoder.layout;
    // l.13-14: posterior per task and z (rows [1, T*M, .]; per-task statistics [1, T, L])
    const te = mlpForwardTf(enc, phi, x.context);
    let zTask: TF.Tensor3D, mu: TF.Tensor3D | null = null, v2: TF.Tensor3D | null = null;
    let muN: TF.Tensor | null = null, raw: TF.Tensor | null = null, prec: TF.Tensor | null = null, sd: TF.Tensor | null = null;
    if (cfg.probabilistic) {
      [muN, raw] = tf.split(te.out, 2, 2);
      prec = tf.reciprocal(tf.maximum(tf.softplus(raw), MIN_VAR));
      v2 = tf.reciprocal(tf.reshape(tf.sum(tf.reshape(prec, [T, M, L]), 1), [1, T, L])) as TF.Tensor3D;
      mu = tf.mul(v2, tf.reshape(tf.sum(tf.reshape(tf.mul(muN, prec), [T, M, L]), 1), [1, T, L])) as TF.Tensor3D;
      sd = tf.sqrt(v2);
      zTask = tf.add(mu, tf.mul(sd, x.epsZ)) as TF.Tensor3D;
    } else {
      zTask = tf.reshape(tf.mean(tf.reshape(te.out, [T, M, L]), 1), [1, T, L]) as TF.Tensor3D;
    }
    const zRows = mm3(tf.tensor3d(oh.m, [1, N, T]), zTask);
    const obsZ = tf.concat([x.obs, zRows], 2) as TF.Tensor3D;
    // l.15-16 and their gradients (pi, Q, V)
    const g = sacGradsTf(nets, { policy, q1, q2, v, vTarget, policyT, q1T, q2T, vT }, {
      obs: obsZ, obsQ: obsZ, nextObs: tf.concat([x.next, zRows], 2) as TF.Tensor3D,
      action: x.action, reward: x.reward, notDone: x.notDone, eps: x.epsPi,
    }, cfg.sac, true);
    // l.19: back into the encoder through z's columns of the critics' input, plus the KL
    const dzRows = tf.slice(g.dQInput!, [0, 0, 2], [1, N, L]);
    const dz = mm3(tf.tensor3d(oh.mT, [1, T, N]), dzRows);
    let dOut: TF.Tensor3D;
    let kl = (): TF.Scalar => tf.scalar(0);
    if (cfg.probabilistic) {
      const dmu = beta > 0 ? tf.add(dz, tf.mul(mu!, beta)) : dz;
      let dvar = tf.div(tf.mul(dz, x.epsZ), tf.mul(sd!, 2));
      if (beta > 0) dvar = tf.add(dvar, tf.mul(tf.sub(1, tf.reciprocal(v2!)), beta / 2));
      const dS = tf.mul(v2!, dmu);
      const dP = tf.neg(tf.add(tf.mul(tf.square(v2!), dvar), tf.mul(tf.mul(mu!, v2!), dmu)));
      const dS3 = tf.reshape(dS, [T, 1, L]), dP3 = tf.reshape(dP, [T, 1, L]);
      const prec3 = tf.reshape(prec!, [T, M, L]), muN3 = tf.reshape(muN!, [T, M, L]);
      const dmuN = tf.reshape(tf.mul(prec3, dS3), [1, T * M, L]);
      const dvarN = tf.neg(tf.mul(tf.square(prec3), tf.add(dP3, tf.mul(muN3, dS3))));
      const draw = tf.mul(tf.reshape(dvarN, [1, T * M, L]), tf.sigmoid(raw!));
      dOut = tf.concat([dmuN, draw], 2) as TF.Tensor3D;
      kl = () => tf.mul(0.5, tf.sum(tf.sub(tf.add(v2!, tf.square(mu!)), tf.add(1, tf.log(v2!))))) as TF.Scalar;
    } else {
      dOut = tf.reshape(tf.tile(tf.reshape(tf.div(dz, M), [T, 1, L]), [1, M, 1]), [1, T * M, L]) as TF.Tensor3D;
    }
    const be = mlpBackwardTf(enc, phi, te, dOut, { weights: true, input: false }, phiT);
    if (withMetrics) metrics = readScalars({ ...g.losses(), kl: kl() });
    readFlat([g.policy, g.q1, g.q2, g.v, be.dW!].flat(), grad);
  });
  return { grad, metrics };
}
