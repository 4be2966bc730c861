/**
 * The reference gradient of PEARL's meta-training step (Rakelly, Zhou, Quillen, Finn &
 * Levine, "Efficient Off-Policy Meta-Reinforcement Learning via Probabilistic Context
 * Variables", ICML 2019, Alg. 1, l.13-21): every loss written once for tfjs autodiff.
 * `pearlGrads` in pearl-grads.ts computes the same gradient by explicit backpropagation (2-3x
 * faster); test/pearl.test.ts checks the two agree and the bench times both.
 */
import type * as TF from '@tensorflow/tfjs';
import { stopGradient } from '../core/stop-gradient';
import { tf } from '../core/tf';
import { klTf, posteriorTf, sampleZTf } from '../policies/context-encoder';
import { readFlat, uploadMlp } from '../policies/mlp';
import type { PearlState } from './pearl';
import { learnersOf, MetaBatch, PearlMetrics, taskOneHot, uploadBatch } from './pearl-grads';
import { flatSize, readScalars } from './off-policy';
import { sacLossesTf } from './sac';

/**
 * Alg. 1, l.13-21 as one loss for tfjs autodiff: the reference the explicit gradients of
 * `pearlGrads` are tested against. Returns the flat gradient (learnersOf order) and the losses.
 */
export function pearlGradsAutodiff(s: PearlState, mb: MetaBatch): { grad: Float32Array; metrics: PearlMetrics } {
  const { cfg } = s, { T, B } = mb, N = T * B, nets = s.sac.nets;
  const learners = learnersOf(s);
  const grad = new Float32Array(flatSize(learners));
  let metrics: PearlMetrics | null = null;
  tf.tidy(() => {
    const x = uploadBatch(s, mb);
    const oneHot = tf.tensor3d(taskOneHot(T, B).m, [1, N, T]);
    const vTarget = uploadMlp(nets.v, s.sac.vTarget);
    const w = learners.map((l) => uploadMlp(l.layout, l.theta));
    const context2 = tf.reshape(x.context, [x.context.shape[1], 5]) as TF.Tensor2D;
    const epsZ2 = tf.reshape(x.epsZ, [T, s.cfg.latent]) as TF.Tensor2D;
    const [q1Const, q2Const] = [w[1], w[2]].map((ws) => ws.map((t) => tf.clone(t)));
    let losses: Record<keyof PearlMetrics, TF.Scalar> | null = null;
    const counts = w.map((ws) => ws.length);
    const g = tf.grads((...xs: TF.Tensor[]) => {
      let o = 0;
      const [policy, q1, q2, v, phi] = counts.map((c) => xs.slice(o, (o += c)));
      const post = posteriorTf(s.encoderSpec, s.encoder.layout, phi, context2, T);
      const zRows = tf.matMul(oneHot, tf.reshape(sampleZTf(post, epsZ2), [1, T, s.cfg.latent]));
      const zHeld = stopGradient(zRows);
      const Ls = sacLossesTf(nets, { policy, q1, q2, v, q1Const, q2Const, vTarget }, {
        obs: tf.concat([x.obs, zHeld], 2) as TF.Tensor3D,
        obsQ: tf.concat([x.obs, zRows], 2) as TF.Tensor3D,
        nextObs: tf.concat([x.next, zHeld], 2) as TF.Tensor3D,
        action: x.action, reward: x.reward, notDone: x.notDone, eps: x.epsPi,
      }, cfg.sac);
      const kl = klTf(post);
      const all: Record<keyof PearlMetrics, TF.Scalar> = { ...Ls, kl };
      for (const t of Object.values(all)) tf.keep(t);
      losses = all;
      return tf.addN([Ls.qLoss, Ls.vLoss, Ls.piLoss, tf.mul(cfg.klWeight, kl)]) as TF.Scalar;
    })(w.flat());
    readFlat(g, grad);
    const l = losses as unknown as Record<keyof PearlMetrics, TF.Scalar>;
    metrics = readScalars(l);
    tf.dispose(Object.values(l));
  });
  return { grad, metrics: metrics! };
}
