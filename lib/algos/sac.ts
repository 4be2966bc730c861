/**
 * Soft actor-critic as PEARL uses it (Haarnoja, Zhou, Abbeel & Levine, ICML 2018; the
 * "SAC v1" of rlkit): a tanh-Gaussian policy pi_theta, twin Q networks Q_1, Q_2, a state
 * value network V_psi and its Polyak-averaged target V_bar, entropy weight 1 with the
 * reward scaled instead (the reward scale sets the entropy's relative weight).
 *
 *   y        = rewardScale * r + gamma (1 - d) V_bar(s')                       (Q target)
 *   L_Q      = mean (Q_1(s, a) - y)^2 + mean (Q_2(s, a) - y)^2
 *   a~, log pi(a~|s)  reparameterised from pi_theta(.|s)
 *   L_V      = mean (V(s) - [min_i Q_i(s, a~) - log pi(a~|s)])^2            (target held constant)
 *   L_pi     = mean (log pi(a~|s) - min_i Q_i(s, a~)) + meanReg mean mu^2 + stdReg mean (log sigma)^2
 *   V_bar   <- tau V + (1 - tau) V_bar                                         (soft target update)
 *
 * Speed: one update is ONE `tf.grads` call on L_Q + L_V + L_pi (+ whatever a caller adds,
 * PEARL's KL), because the terms touch disjoint parameters once the right inputs are held
 * constant: the policy path reads the Q networks through weight clones made before the
 * gradient call (constants, so L_pi moves only pi), and the V target goes through
 * `stopGradient`. All gradients are computed from the same parameters (rlkit steps Q
 * before it evaluates min Q for the policy; the difference is one step of lag). The
 * gradients are read into one flat array and Adam runs in place over it in plain JS;
 * the soft target update is a loop over typed arrays.
 *
 * The learner plumbing (a network with its Adam state, reading gradients into one flat
 * array, Polyak averaging) is in off-policy.ts, shared with TD3 / MQL and PEARL.
 *
 * References: T. Haarnoja, A. Zhou, P. Abbeel, S. Levine, "Soft Actor-Critic: Off-Policy
 * Maximum Entropy Deep Reinforcement Learning with a Stochastic Actor", ICML 2018,
 * https://arxiv.org/abs/1801.01290. Settings as in rlkit / PEARL's code
 * (github.com/katerakelly/oyster, rlkit/torch/sac/sac.py).
 */
import type * as TF from '@tensorflow/tfjs';
import { adamSchema } from '../core/adam';
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, z } from '../core/schema';
import { stopGradient } from '../core/stop-gradient';
import { tf } from '../core/tf';
import { initMlp, MlpLayout, mlpBackwardTf, mlpForward, mlpForwardTf, mlpLayout, mlpSpec, mlpTf, t3, uploadMlp, uploadMlpT } from '../policies/mlp';
import { RLKIT_LOG_STD, tanhGaussianAct, tanhGaussianTf } from '../policies/tanh-gaussian';
import { applyGrads, Learner, learner, readScalars, softUpdate } from './off-policy';

export const sacSchema = section({
  hidden: z.array(int.positive()).min(1).default([300, 300, 300]).describe('hidden layer sizes of the policy, Q and V networks (PEARL: 3 x 300)'),
  discount: num.min(0).max(1).default(0.99).describe('discount gamma (PEARL: 0.99; 0.9 for the point robot)'),
  rewardScale: num.positive().default(5).describe('rewards are multiplied by this in the Q target; it sets the weight of the entropy term (PEARL: 5; 100 for the point robot)'),
  tau: num.positive().max(1).default(0.005).describe('soft target update V_bar <- tau V + (1 - tau) V_bar'),
  policyLr: num.positive().default(3e-4).describe('Adam step size of the policy'),
  qLr: num.positive().default(3e-4).describe('Adam step size of the Q networks'),
  vLr: num.positive().default(3e-4).describe('Adam step size of the value network'),
  policyMeanReg: num.min(0).default(1e-3).describe('weight of mean(mu^2) in the policy loss (rlkit)'),
  policyStdReg: num.min(0).default(1e-3).describe('weight of mean((log sigma)^2) in the policy loss (rlkit)'),
  adam: adamSchema.default({}).describe('Adam moments (the step sizes above override adam.lr)'),
});
export type SacConfig = Resolved<typeof sacSchema>;
export const sacConfig = resolver('sac config', sacSchema);

/** Network shapes: obs is what pi and V see (PEARL: the state and z), A the action size. */
export interface SacNets {
  obs: number;
  A: number;
  /** pi: obs -> [mu, log sigma] (2A) */
  policy: MlpLayout;
  /** Q: [obs, a] -> 1 (both critics) */
  q: MlpLayout;
  /** V: obs -> 1 (and its target) */
  v: MlpLayout;
}

export function sacNets(obs: number, A: number, hidden: readonly number[]): SacNets {
  const h = [...hidden];
  return {
    obs,
    A,
    policy: mlpLayout(mlpSpec({ input: obs, hidden: h, output: 2 * A })),
    q: mlpLayout(mlpSpec({ input: obs + A, hidden: h, output: 1 })),
    v: mlpLayout(mlpSpec({ input: obs, hidden: h, output: 1 })),
  };
}

/** SAC's state: the learned networks and the value target. */
export interface SacState {
  nets: SacNets;
  policy: Learner;
  q1: Learner;
  q2: Learner;
  v: Learner;
  /** V_bar's weights (same layout as v) */
  vTarget: Float32Array;
}

/** Fresh networks (rlkit's initialisation), V_bar = V. */
export function initSac(nets: SacNets, cfg: SacConfig, rng: Rng): SacState {
  const v = learner(nets.v, initMlp(nets.v, rng.split()), cfg.vLr);
  return {
    nets,
    policy: learner(nets.policy, initMlp(nets.policy, rng.split()), cfg.policyLr),
    q1: learner(nets.q, initMlp(nets.q, rng.split()), cfg.qLr),
    q2: learner(nets.q, initMlp(nets.q, rng.split()), cfg.qLr),
    v,
    vTarget: Float32Array.from(v.theta),
  };
}

/** Twin-critic regression: mean (q1 - y)^2 + mean (q2 - y)^2, all [N, 1], y held constant by the caller. */
export function criticLoss(q1: TF.Tensor, q2: TF.Tensor, y: TF.Tensor): TF.Scalar {
  return tf.add(tf.mean(tf.square(tf.sub(q1, y))), tf.mean(tf.square(tf.sub(q2, y)))) as TF.Scalar;
}

/** The tensors of one SAC loss evaluation: rows as [1, N, d] (see mlp.ts, rows3). */
export interface SacInputs {
  /** pi's and V's input [1, N, obs] (nothing flows back through it) */
  obs: TF.Tensor3D;
  /** the Q networks' state input [1, N, obs]; PEARL's encoder gets its gradient through this one */
  obsQ: TF.Tensor3D;
  /** V_bar's input at s' [1, N, obs] */
  nextObs: TF.Tensor3D;
  /** a from the buffer [1, N, A] */
  action: TF.Tensor3D;
  /** r [1, N, 1] (the reward the critic learns from) */
  reward: TF.Tensor3D;
  /** 1 - done [1, N, 1] */
  notDone: TF.Tensor3D;
  /** policy noise [1, N, A] */
  eps: TF.Tensor3D;
}

/** Uploaded weights: the learned ones (differentiated) and constant copies. */
export interface SacWeights {
  policy: TF.Tensor[];
  q1: TF.Tensor[];
  q2: TF.Tensor[];
  v: TF.Tensor[];
  /** clones of q1, q2 made outside the gradient call: the policy path reads Q through these */
  q1Const: TF.Tensor[];
  q2Const: TF.Tensor[];
  vTarget: TF.Tensor[];
}

export interface SacLosses {
  qLoss: TF.Scalar;
  vLoss: TF.Scalar;
  piLoss: TF.Scalar;
  /** mean log pi(a~|s) (minus the entropy estimate) */
  logPi: TF.Scalar;
  /** mean Q_1(s, a) */
  qMean: TF.Scalar;
}

/**
 * SAC's three losses written for tfjs autodiff (see the file comment); call inside a
 * gradient function, with q1Const/q2Const cloned outside it. The reference that
 * `sacGradsTf` is tested against.
 */
export function sacLossesTf(nets: SacNets, w: SacWeights, x: SacInputs, cfg: SacConfig): SacLosses {
  const N = x.obs.shape[1], A = nets.A;
  // Q target y = rewardScale r + gamma (1 - d) V_bar(s'), constant (V_bar's weights and s' are constants)
  const vNext = mlpTf(nets.v, w.vTarget, x.nextObs);
  const y = stopGradient(tf.add(tf.mul(x.reward, cfg.rewardScale), tf.mul(tf.mul(x.notDone, cfg.discount), vNext)));
  const qIn = tf.concat([x.obsQ, x.action], 2);
  const q1 = mlpTf(nets.q, w.q1, qIn), q2 = mlpTf(nets.q, w.q2, qIn);
  const qLoss = criticLoss(q1, q2, y);
  // a~ ~ pi(.|s), reparameterised; min Q on a~ through constant critic weights
  const out = tf.reshape(mlpTf(nets.policy, w.policy, x.obs), [N, 2 * A]) as TF.Tensor2D;
  const pi = tanhGaussianTf(out, tf.reshape(x.eps, [N, A]) as TF.Tensor2D, RLKIT_LOG_STD);
  const logPi = tf.reshape(pi.logProb, [1, N, 1]);
  const qNewIn = tf.concat([x.obs, tf.reshape(pi.action, [1, N, A])], 2);
  const minQ = tf.minimum(mlpTf(nets.q, w.q1Const, qNewIn), mlpTf(nets.q, w.q2Const, qNewIn));
  // V regression on the soft value min Q - log pi, held constant
  const vTarget = stopGradient(tf.sub(minQ, logPi));
  const vPred = mlpTf(nets.v, w.v, x.obs);
  const vLoss = tf.mean(tf.square(tf.sub(vPred, vTarget))) as TF.Scalar;
  // policy: KL(pi || exp(Q)/Z) up to a constant, plus rlkit's small regularisers
  let piLoss = tf.mean(tf.sub(logPi, minQ)) as TF.Scalar;
  if (cfg.policyMeanReg > 0) piLoss = tf.add(piLoss, tf.mul(cfg.policyMeanReg, tf.mean(tf.square(pi.mean))));
  if (cfg.policyStdReg > 0) piLoss = tf.add(piLoss, tf.mul(cfg.policyStdReg, tf.mean(tf.square(pi.logStd))));
  return { qLoss, vLoss, piLoss, logPi: tf.mean(logPi) as TF.Scalar, qMean: tf.mean(q1) as TF.Scalar };
}

/** Transposed weights (uploadMlpT) for the explicit backward passes; optional. */
export interface SacWeightsT {
  policyT: TF.Tensor[];
  q1T: TF.Tensor[];
  q2T: TF.Tensor[];
  vT: TF.Tensor[];
}

/** W^T of every layer by Transpose kernels (when the caller did not upload them). */
function transposedOf(w: readonly TF.Tensor[]): TF.Tensor[] {
  const out: TF.Tensor[] = [];
  for (let i = 0; i < w.length; i += 2) out.push(t3(w[i]));
  return out;
}

/** Gradients of L_Q + L_V + L_pi from `sacGradsTf`, per network in layout order. */
export interface SacGrads {
  policy: TF.Tensor[];
  q1: TF.Tensor[];
  q2: TF.Tensor[];
  v: TF.Tensor[];
  /** d(L_Q) / d[obsQ, a]  [1, N, obs + A] (PEARL's encoder takes its z columns), null unless asked */
  dQInput: TF.Tensor3D | null;
  /** The losses, computed when called (a dozen small kernels: skip them on steps that report nothing). */
  losses: () => SacLosses;
}

/**
 * SAC's losses and their gradients by explicit backpropagation (no gradient tape): the
 * fast path, equal to tfjs autodiff of `sacLossesTf` (test/sac.test.ts). With
 * e_i = Q_i(s, a) - y, m = min_i Q_i(s, a~), u = mu + sigma eps, a~ = tanh(u):
 *
 *   dL_Q/dQ_i = 2 e_i / N                        (into Q_i's weights and input)
 *   dL_V/dV   = 2 (V - (m - log pi)) / N          (into V's weights)
 *   dL_pi/dm  = -1/N, routed to the smaller critic, through its input to a~ (weights frozen)
 *   dlog pi/du = 2 a~ (the tanh correction's derivative; eps fixed), dlog pi/dlog sigma = -1
 *   du = dL/da~ (1 - a~^2) + 2 a~ / N;  dmu = du + 2 meanReg mu / (N A);
 *   dlog sigma = du sigma eps - 1/N + 2 stdReg log sigma / (N A), zero where the clip is active.
 *
 * @param w the learned weights and vTarget (the *Const fields are not needed)
 * @param wantQInput also return d(L_Q)/d[obsQ, a]
 */
export function sacGradsTf(nets: SacNets, w: Omit<SacWeights, 'q1Const' | 'q2Const'> & Partial<SacWeightsT>, x: SacInputs, cfg: SacConfig, wantQInput: boolean): SacGrads {
  const N = x.obs.shape[1], A = nets.A;
  const all = { weights: true, input: false };
  // transposed weights, shared by the critics' two backward passes (uploaded when given, else one Transpose each)
  const q1T = w.q1T ?? transposedOf(w.q1), q2T = w.q2T ?? transposedOf(w.q2);
  // Q target and critic errors
  const vNext = mlpForwardTf(nets.v, w.vTarget, x.nextObs).out;
  const y = tf.add(tf.mul(x.reward, cfg.rewardScale), tf.mul(tf.mul(x.notDone, cfg.discount), vNext));
  const qIn = tf.concat([x.obsQ, x.action], 2) as TF.Tensor3D;
  const t1 = mlpForwardTf(nets.q, w.q1, qIn), t2 = mlpForwardTf(nets.q, w.q2, qIn);
  const e1 = tf.sub(t1.out, y) as TF.Tensor3D, e2 = tf.sub(t2.out, y) as TF.Tensor3D;
  const b1 = mlpBackwardTf(nets.q, w.q1, t1, tf.mul(e1, 2 / N), { weights: true, input: wantQInput }, q1T);
  const b2 = mlpBackwardTf(nets.q, w.q2, t2, tf.mul(e2, 2 / N), { weights: true, input: wantQInput }, q2T);
  // policy sample and log-probability
  const tp = mlpForwardTf(nets.policy, w.policy, x.obs);
  const [mu, raw] = tf.split(tp.out, 2, 2) as [TF.Tensor3D, TF.Tensor3D];
  const logStd = tf.clipByValue(raw, RLKIT_LOG_STD.logStdMin, RLKIT_LOG_STD.logStdMax);
  const sigEps = tf.mul(tf.exp(logStd), x.eps);
  const u = tf.add(mu, sigEps);
  const a = tf.tanh(u) as TF.Tensor3D;
  const squash = tf.mul(2, tf.sub(tf.sub(Math.LN2, u), tf.softplus(tf.mul(-2, u))));
  const epsTerm = tf.mul(-0.5, tf.square(x.eps));
  const logPi = tf.sub(tf.sum(tf.sub(tf.sub(epsTerm, logStd), squash), 2, true), A * 0.5 * Math.log(2 * Math.PI));
  // min Q on a~ (critic weights read, not moved)
  const nIn = tf.concat([x.obs, a], 2) as TF.Tensor3D;
  const n1 = mlpForwardTf(nets.q, w.q1, nIn), n2 = mlpForwardTf(nets.q, w.q2, nIn);
  const first = tf.cast(tf.lessEqual(n1.out, n2.out), 'float32');
  const m = tf.minimum(n1.out, n2.out);
  // V
  const tv = mlpForwardTf(nets.v, w.v, x.obs);
  const ev = tf.sub(tv.out, tf.sub(m, logPi)) as TF.Tensor3D;
  const bv = mlpBackwardTf(nets.v, w.v, tv, tf.mul(ev, 2 / N), all, w.vT);
  // policy gradient through min Q and log pi
  const dm = -1 / N;
  const c1 = mlpBackwardTf(nets.q, w.q1, n1, tf.mul(first, dm), { weights: false, input: true }, q1T);
  const c2 = mlpBackwardTf(nets.q, w.q2, n2, tf.mul(tf.sub(1, first), dm), { weights: false, input: true }, q2T);
  const da = tf.slice(tf.add(c1.dx!, c2.dx!), [0, 0, nets.obs], [1, N, A]);
  const du = tf.add(tf.mul(da, tf.sub(1, tf.square(a))), tf.mul(a, 2 / N));
  const dmu = cfg.policyMeanReg > 0 ? tf.add(du, tf.mul(mu, (2 * cfg.policyMeanReg) / (N * A))) : du;
  let dls = tf.sub(tf.mul(du, sigEps), 1 / N);
  if (cfg.policyStdReg > 0) dls = tf.add(dls, tf.mul(logStd, (2 * cfg.policyStdReg) / (N * A)));
  dls = tf.mul(dls, tf.cast(tf.equal(logStd, raw), 'float32'));
  const bp = mlpBackwardTf(nets.policy, w.policy, tp, tf.concat([dmu, dls], 2) as TF.Tensor3D, all, w.policyT);
  // losses (for reporting, on demand)
  const losses = (): SacLosses => {
    const qLoss = tf.add(tf.mean(tf.square(e1)), tf.mean(tf.square(e2))) as TF.Scalar;
    const vLoss = tf.mean(tf.square(ev)) as TF.Scalar;
    let piLoss = tf.mean(tf.sub(logPi, m)) as TF.Scalar;
    if (cfg.policyMeanReg > 0) piLoss = tf.add(piLoss, tf.mul(cfg.policyMeanReg, tf.mean(tf.square(mu))));
    if (cfg.policyStdReg > 0) piLoss = tf.add(piLoss, tf.mul(cfg.policyStdReg, tf.mean(tf.square(logStd))));
    return { qLoss, vLoss, piLoss, logPi: tf.mean(logPi) as TF.Scalar, qMean: tf.mean(t1.out) as TF.Scalar };
  };
  return {
    policy: bp.dW!, q1: b1.dW!, q2: b2.dW!, v: bv.dW!,
    dQInput: wantQInput ? (tf.add(b1.dx!, b2.dx!) as TF.Tensor3D) : null,
    losses,
  };
}

/** A plain SAC batch (rows N): obs [N, obs], action [N, A], reward [N], next [N, obs], done [N]. */
export interface SacBatch {
  obs: Float32Array;
  action: Float32Array;
  reward: Float32Array;
  next: Float32Array;
  done: Float32Array;
}

export type SacMetrics = Record<'qLoss' | 'vLoss' | 'piLoss' | 'logPi' | 'qMean', number>;

/**
 * One SAC update on a batch (no task conditioning): all three losses in one gradient
 * call, Adam per network, then the soft update of V_bar. Mutates `s`; returns the losses
 * before the step.
 */
export function sacUpdate(s: SacState, batch: SacBatch, cfg: SacConfig, rng: Rng): SacMetrics {
  const N = batch.reward.length, { obs: O, A } = s.nets;
  const eps = new Float32Array(N * A);
  for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
  const notDone = batch.done.map((d) => 1 - d);
  const learners = [s.policy, s.q1, s.q2, s.v];
  let metrics: SacMetrics | null = null;
  tf.tidy(() => {
    const obs = tf.tensor3d(batch.obs, [1, N, O]);
    const x: SacInputs = {
      obs, obsQ: obs,
      nextObs: tf.tensor3d(batch.next, [1, N, O]),
      action: tf.tensor3d(batch.action, [1, N, A]),
      reward: tf.tensor3d(batch.reward, [1, N, 1]),
      notDone: tf.tensor3d(notDone, [1, N, 1]),
      eps: tf.tensor3d(eps, [1, N, A]),
    };
    const w = {
      policy: uploadMlp(s.nets.policy, s.policy.theta), q1: uploadMlp(s.nets.q, s.q1.theta),
      q2: uploadMlp(s.nets.q, s.q2.theta), v: uploadMlp(s.nets.v, s.v.theta), vTarget: uploadMlp(s.nets.v, s.vTarget),
      policyT: uploadMlpT(s.nets.policy, s.policy.theta), q1T: uploadMlpT(s.nets.q, s.q1.theta),
      q2T: uploadMlpT(s.nets.q, s.q2.theta), vT: uploadMlpT(s.nets.v, s.v.theta),
    };
    const g = sacGradsTf(s.nets, w, x, cfg, false);
    metrics = readScalars(g.losses());
    applyGrads(learners, [g.policy, g.q1, g.q2, g.v], cfg.adam);
  });
  softUpdate(s.vTarget, s.v.theta, cfg.tau);
  return metrics!;
}

/**
 * Actions of the policy for n rows of pi's input, plain math (rollouts).
 * @param obs [n, obs]
 * @param deterministic tanh(mu) instead of a sample (rlkit evaluates this way)
 */
export function act(s: Pick<SacState, 'nets' | 'policy'>, obs: Float32Array, n: number, rng: Rng, deterministic: boolean): Float32Array {
  const out = mlpForward(s.nets.policy, s.policy.theta, obs, n);
  return tanhGaussianAct(out, n, s.nets.A, rng, deterministic, RLKIT_LOG_STD);
}
