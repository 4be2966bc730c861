/**
 * TD3 (Fujimoto, van Hoof & Meger, ICML 2018) as Meta-Q-Learning uses it: multi-task, one
 * replay of every training task's episodes, and optionally a recurrent context z_t (a GRU
 * over the episode's past transitions (a, r, s)) fed with the state to actor and critic:
 * "TD3-context" of Fakoor et al. (ICLR 2020), Fig. 2. Without the context ("state") it is
 * plain TD3 on the pooled tasks.
 *
 *   a~'   = clip( mu'(s', z') + clip(sigma eps, -c, c), -1, 1 ),  eps ~ N(0, I)   target policy smoothing (TD3 eq. 15)
 *   y     = r + gamma (1 - d) min_i Q_i'(s', a~', z')                              clipped double Q (TD3 eq. 10)
 *   L_Q   = sum_k w_k [ (Q_1(s, a, z) - y)^2 + (Q_2(s, a, z) - y)^2 ] / sum_k valid_k
 *   L_mu  = - sum_k w_k Q_1(s, mu(s, z), z) / sum_k valid_k                        every `policyDelay` steps
 *   theta' <- tau theta + (1 - tau) theta'                                          after each actor step
 *
 * w_k = valid_k beta_k: MQL's adaptation weighs the meta-training transitions by their
 * propensity beta (1 otherwise), and may add the proximal term lambda/2 ||theta - theta_ref||^2,
 * whose gradient lambda (theta - theta_ref) is added to the loss gradient (`proximalTerm`).
 *
 * Context (`contextNets`): "shared" (the paper: one context z_t; the GRU learns through the
 * critic loss, the actor reads z_t as data) or "separate" (the authors' code: actor and
 * critic each own a GRU, each trained by its own loss). z_t is the GRU state after the
 * episode's transitions 0..t-1 from h = 0 (z_0 = 0), so the next state's context is
 * z_{t+1}: one GRU pass over an episode gives every context of it. Batches are therefore
 * whole episodes (E episodes of T steps), the GRU runs in typed arrays (forward + BPTT,
 * lib/policies/gru-bptt.ts) and only the MLPs run in tfjs.
 *
 * Batches of whole episodes and the per-row math (targets, smoothing, row weights, the
 * proximal term, contexts from GRU states) are plain functions in td3-batch.ts.
 *
 * Parameters are flat Float32Arrays: critic = [GRU (context), Q_1, Q_2], actor = [GRU
 * (separate context only), mu]; Adam runs in place over them, the soft update is a loop.
 *
 * References: S. Fujimoto, H. van Hoof, D. Meger, "Addressing Function Approximation Error
 * in Actor-Critic Methods", ICML 2018, https://arxiv.org/abs/1802.09477. R. Fakoor,
 * P. Chaudhari, S. Soatto, A. J. Smola, "Meta-Q-Learning", ICLR 2020,
 * https://arxiv.org/abs/1910.00125 (code: github.com/amazon-research/meta-q-learning).
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamInPlace, adamSchema, AdamState } from '../core/adam';
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, z } from '../core/schema';
import { tf } from '../core/tf';
import { GruSpec, gruInit, gruParamCount, gruSpec, gruForward, packGru, gruStep, PackedGru } from '../policies/gru';
import { gruBackward, gruForwardTape } from '../policies/gru-bptt';
import { initMlp, MlpLayout, mlpBackwardTf, mlpForward, mlpForwardTf, mlpLayout, mlpSpec, mlpTf, readFlat, uploadMlp } from '../policies/mlp';
import { softUpdate } from './off-policy';
import { concatRows, contextInputs, currentContexts, EpisodeBatch, proximalTerm, rowWeights, shiftContextGrad, smoothTargetAction, td3Target } from './td3-batch';

export const td3Schema = section({
  input: z.enum(['state', 'context']).default('context').describe('"context": actor and critic see (s, z_t), TD3-context / MQL; "state": plain TD3 on s'),
  contextNets: z.enum(['shared', 'separate']).default('shared').describe('"shared": one GRU context (the paper); "separate": actor and critic own a GRU each (the authors\' code)'),
  historyLength: int.positive().default(30).describe('H: z_t summarises at most the last H transitions (a, r, s) (authors: 30); the context runs over whole episodes, so H must be >= the horizon'),
  contextHidden: int.positive().default(30).describe('GRU hidden size = size of z_t (authors: 30)'),
  hidden: z.array(int.positive()).min(1).default([64, 64]).describe('hidden layers of actor and critics (authors: 300, 300)'),
  gamma: num.min(0).max(1).default(0.99).describe('discount gamma'),
  tau: num.positive().max(1).default(0.005).describe('soft target update rate (authors\' ptau)'),
  policyNoise: num.min(0).default(0.3).describe('sigma of the target policy smoothing noise (authors\' MQL: 0.3; TD3 paper: 0.2)'),
  noiseClip: num.min(0).default(0.5).describe('c: the smoothing noise is clipped to [-c, c]'),
  policyDelay: int.positive().default(2).describe('actor and target updates every this many critic updates (authors\' policy_freq)'),
  explNoise: num.min(0).default(0.2).describe('std of the Gaussian exploration noise added to actions while collecting data'),
  batchEpisodes: int.positive().default(8).describe('E: episodes per mini-batch (E x horizon transitions)'),
  lr: num.positive().default(1e-3).describe('Adam step size of actor and critic (authors: 3e-4 to 1e-3)'),
  adam: adamSchema.default({}).describe('Adam moments (lr above overrides adam.lr)'),
});
export type Td3Config = Resolved<typeof td3Schema>;
export const td3Config = resolver('td3 config', td3Schema);

/** Network shapes of one TD3 learner. */
export interface Td3Nets {
  S: number;
  A: number;
  /** context size (0 for input "state") */
  C: number;
  separate: boolean;
  /** GRU over x_t = (a_t, r_t, s_t): input A + 1 + S, hidden C; null without context */
  gru: GruSpec | null;
  /** mu: [s, z] -> A (tanh applied after) */
  pi: MlpLayout;
  /** Q: [s, a, z] -> 1 */
  q: MlpLayout;
  /** sizes of the GRU block in the critic and actor vectors (0 when absent) */
  criticGru: number;
  actorGru: number;
  criticSize: number;
  actorSize: number;
}

export function td3Nets(S: number, A: number, cfg: Td3Config): Td3Nets {
  const C = cfg.input === 'context' ? cfg.contextHidden : 0;
  const gru = C > 0 ? gruSpec({ inputSize: A + 1 + S, hiddenSize: C }) : null;
  const g = gru ? gruParamCount(gru) : 0;
  const separate = C > 0 && cfg.contextNets === 'separate';
  const pi = mlpLayout(mlpSpec({ input: S + C, hidden: [...cfg.hidden], output: A }));
  const q = mlpLayout(mlpSpec({ input: S + A + C, hidden: [...cfg.hidden], output: 1 }));
  return { S, A, C, separate, gru, pi, q, criticGru: g, actorGru: separate ? g : 0, criticSize: g + 2 * q.size, actorSize: (separate ? g : 0) + pi.size };
}

/** A TD3 learner: online and target parameters, Adam states, update count. */
export interface Td3State {
  nets: Td3Nets;
  critic: Float32Array;
  actor: Float32Array;
  criticTarget: Float32Array;
  actorTarget: Float32Array;
  criticAdam: AdamState;
  actorAdam: AdamState;
  /** critic updates taken */
  updates: number;
}

export function initTd3(nets: Td3Nets, rng: Rng): Td3State {
  const critic = new Float32Array(nets.criticSize), actor = new Float32Array(nets.actorSize);
  if (nets.gru) critic.set(gruInit(nets.gru, rng.split()), 0);
  critic.set(initMlp(nets.q, rng.split()), nets.criticGru);
  critic.set(initMlp(nets.q, rng.split()), nets.criticGru + nets.q.size);
  if (nets.separate && nets.gru) actor.set(gruInit(nets.gru, rng.split()), 0);
  actor.set(initMlp(nets.pi, rng.split()), nets.actorGru);
  return {
    nets, critic, actor, criticTarget: Float32Array.from(critic), actorTarget: Float32Array.from(actor),
    criticAdam: adamInit(critic.length), actorAdam: adamInit(actor.length), updates: 0,
  };
}

/** A deep copy (MQL saves theta_meta and restores it after adapting to each test task). */
export function cloneTd3(s: Td3State): Td3State {
  const cp = (a: AdamState): AdamState => ({ m: Float32Array.from(a.m), v: Float32Array.from(a.v), t: a.t });
  return {
    nets: s.nets, critic: Float32Array.from(s.critic), actor: Float32Array.from(s.actor),
    criticTarget: Float32Array.from(s.criticTarget), actorTarget: Float32Array.from(s.actorTarget),
    criticAdam: cp(s.criticAdam), actorAdam: cp(s.actorAdam), updates: s.updates,
  };
}

/**
 * The critic loss L_Q (file comment) for targets y [E T] and row weights w [E T], and its
 * gradient in the critic vector's layout: tfjs differentiates the Q networks and the
 * context rows z_t; the chain rule through z_t = h_{t-1} into the GRU is `gruBackward`.
 * Also returns the contexts z_t used ([E T, C]; empty without context).
 */
export function criticGradient(s: Td3State, b: EpisodeBatch, y: Float32Array, w: Float32Array): { loss: number; grad: Float32Array; contexts: Float32Array } {
  const n = s.nets, { S, A, C } = n, E = b.E, T = b.T, N = E * T;
  const qOff1 = n.criticGru, qOff2 = n.criticGru + n.q.size;
  let nValid = 0;
  for (let k = 0; k < N; k++) nValid += b.valid[k];
  let tape: ReturnType<typeof gruForwardTape> | null = null, zc = new Float32Array(0);
  if (n.gru) {
    tape = gruForwardTape(s.critic.subarray(0, n.criticGru), n.gru, contextInputs(b, S, A), E, T);
    zc = currentContexts(tape.hs, E, T, C);
  }
  const grad = new Float32Array(n.criticSize);
  let loss = 0;
  tf.tidy(() => {
    // explicit backpropagation (lib/policies/mlp.ts): dL/dQ_i = 2 w (Q_i - y) / n_valid
    const w1 = uploadMlp(n.q, s.critic.subarray(qOff1, qOff2)), w2 = uploadMlp(n.q, s.critic.subarray(qOff2));
    const parts = [{ data: b.obs, width: S }, { data: b.action, width: A }];
    if (C > 0) parts.push({ data: zc, width: C });
    const x = tf.tensor3d(concatRows(parts, N), [1, N, S + A + C]); // rows as [1, N, d] (mlp.ts)
    const yT = tf.tensor3d(y, [1, N, 1]), wT = tf.tensor3d(w, [1, N, 1]);
    const t1 = mlpForwardTf(n.q, w1, x), t2 = mlpForwardTf(n.q, w2, x);
    const e1 = tf.sub(t1.out, yT) as TF.Tensor3D, e2 = tf.sub(t2.out, yT) as TF.Tensor3D;
    const lossT = tf.div(tf.sum(tf.mul(wT, tf.add(tf.square(e1), tf.square(e2)))), nValid);
    const k = 2 / nValid;
    const b1 = mlpBackwardTf(n.q, w1, t1, tf.mul(tf.mul(wT, e1), k) as TF.Tensor3D, { weights: true, input: C > 0 });
    const b2 = mlpBackwardTf(n.q, w2, t2, tf.mul(tf.mul(wT, e2), k) as TF.Tensor3D, { weights: true, input: C > 0 });
    loss = lossT.dataSync()[0];
    grad.set(readFlat([...b1.dW!, ...b2.dW!]), n.criticGru);
    if (n.gru && tape && b1.dx && b2.dx) {
      const dz = tf.slice(tf.add(b1.dx, b2.dx), [0, 0, S + A], [1, N, C]).dataSync();
      grad.set(gruBackward(s.critic.subarray(0, n.criticGru), n.gru, tape, shiftContextGrad(dz, E, T, C)), 0);
    }
  });
  return { loss, grad, contexts: zc };
}

/**
 * The actor loss L_mu = -sum_k w_k Q_1(s, mu(s, z^a), z^q) / n_valid through constant
 * Q_1 weights and contexts z^q, and its gradient in the actor vector's layout (through
 * z^a into the actor's own GRU when the contexts are separate; `zaTape` is its tape).
 * Explicit backpropagation: dL/dq = -w / n_valid, through Q_1 to its action input, through
 * tanh (1 - a^2), then through mu.
 */
export function actorGradient(s: Td3State, b: EpisodeBatch, w: Float32Array, zq: Float32Array, za: Float32Array,
  zaTape: ReturnType<typeof gruForwardTape> | null): { loss: number; grad: Float32Array } {
  const n = s.nets, { S, A, C } = n, E = b.E, T = b.T, N = E * T;
  const qOff1 = n.criticGru, qOff2 = n.criticGru + n.q.size;
  let nValid = 0;
  for (let k = 0; k < N; k++) nValid += b.valid[k];
  const grad = new Float32Array(n.actorSize);
  let loss = 0;
  tf.tidy(() => {
    const q1 = uploadMlp(n.q, s.critic.subarray(qOff1, qOff2));
    const wp = uploadMlp(n.pi, s.actor.subarray(n.actorGru));
    const piX = tf.tensor3d(C > 0 ? concatRows([{ data: b.obs, width: S }, { data: za, width: C }], N) : b.obs, [1, N, S + C]);
    const tp = mlpForwardTf(n.pi, wp, piX);
    const a = tf.tanh(tp.out) as TF.Tensor3D;
    const sT = tf.tensor3d(b.obs, [1, N, S]);
    const qX = (C > 0 ? tf.concat([sT, a, tf.tensor3d(zq, [1, N, C])], 2) : tf.concat([sT, a], 2)) as TF.Tensor3D;
    const tq = mlpForwardTf(n.q, q1, qX);
    const wT = tf.tensor3d(w, [1, N, 1]);
    const lossT = tf.neg(tf.div(tf.sum(tf.mul(wT, tq.out)), nValid));
    const bq = mlpBackwardTf(n.q, q1, tq, tf.mul(wT, -1 / nValid) as TF.Tensor3D, { weights: false, input: true });
    const da = tf.slice(bq.dx!, [0, 0, S], [1, N, A]);
    const dpre = tf.mul(da, tf.sub(1, tf.square(a))) as TF.Tensor3D;
    const bp = mlpBackwardTf(n.pi, wp, tp, dpre, { weights: true, input: n.separate });
    loss = lossT.dataSync()[0];
    grad.set(readFlat(bp.dW!), n.actorGru);
    if (n.separate && n.gru && zaTape && bp.dx) {
      const dz = tf.slice(bp.dx, [0, 0, S], [1, N, C]).dataSync();
      grad.set(gruBackward(s.actor.subarray(0, n.actorGru), n.gru, zaTape, shiftContextGrad(dz, E, T, C)), 0);
    }
  });
  return { loss, grad };
}

/** What adaptation adds to an update: per-row weights beta and a proximal anchor. */
export interface UpdateExtras {
  /** beta [E, T] (rows weighted beta * valid); omitted: 1 */
  beta?: Float32Array | null;
  /** lambda/2 ||theta - ref||^2 on actor and critic */
  prox?: { lambda: number; critic: Float32Array; actor: Float32Array } | null;
}

export type Td3Metrics = Record<'qLoss' | 'piLoss' | 'qMean', number>;

/**
 * One TD3 update on a batch of whole episodes (critic every call, actor and targets
 * every `policyDelay` calls). Mutates `s`; returns the losses before the step (piLoss NaN
 * on critic-only steps).
 */
export function td3Update(s: Td3State, b: EpisodeBatch, cfg: Td3Config, rng: Rng, extras: UpdateExtras = {}): Td3Metrics {
  const n = s.nets, { S, A, C } = n, E = b.E, T = b.T, N = E * T;
  const adam = cfg.adam;
  const w = rowWeights(b, extras.beta ?? null);
  let nValid = 0;
  for (let k = 0; k < N; k++) nValid += b.valid[k];
  if (nValid === 0) throw new RangeError('td3Update: the batch holds no valid step');
  const qOff1 = n.criticGru, qOff2 = n.criticGru + n.q.size;

  // contexts: online critic GRU (with its tape, for BPTT), target GRUs for s'
  let xs: Float32Array | null = null;
  let zcNextT = new Float32Array(0), zaNextT = new Float32Array(0);
  if (n.gru) {
    xs = contextInputs(b, S, A);
    zcNextT = Float32Array.from(gruForward(s.criticTarget.subarray(0, n.criticGru), n.gru, xs, E, T));
    zaNextT = n.separate ? Float32Array.from(gruForward(s.actorTarget.subarray(0, n.actorGru), n.gru, xs, E, T)) : zcNextT;
  }

  // target y (no gradient): smoothed target action, clipped double Q
  const eps = new Float32Array(N * A);
  for (let i = 0; i < eps.length; i++) eps[i] = rng.normal();
  const piIn = (obs: Float32Array, zz: Float32Array) => (C > 0 ? concatRows([{ data: obs, width: S }, { data: zz, width: C }], N) : obs);
  const qIn = (obs: Float32Array, act: ArrayLike<number>, zz: Float32Array) =>
    concatRows(C > 0 ? [{ data: obs, width: S }, { data: act, width: A }, { data: zz, width: C }] : [{ data: obs, width: S }, { data: act, width: A }], N);
  const mu = tf.tidy(() => tf.tanh(mlpTf(n.pi, uploadMlp(n.pi, s.actorTarget.subarray(n.actorGru)), tf.tensor2d(piIn(b.next, zaNextT), [N, S + C]))).dataSync());
  const aNext = smoothTargetAction(mu, eps, cfg.policyNoise, cfg.noiseClip);
  const [q1n, q2n] = tf.tidy(() => {
    const x = tf.tensor2d(qIn(b.next, aNext, zcNextT), [N, S + A + C]);
    return [mlpTf(n.q, uploadMlp(n.q, s.criticTarget.subarray(qOff1, qOff2)), x).dataSync(), mlpTf(n.q, uploadMlp(n.q, s.criticTarget.subarray(qOff2)), x).dataSync()];
  });
  const y = td3Target(b.reward, b.done, q1n, q2n, cfg.gamma);

  // critic: L_Q, gradient w.r.t. Q_1, Q_2 and (context) z, then BPTT into the GRU
  const { loss: qLoss, grad: gradC, contexts: zc } = criticGradient(s, b, y, w);
  let qMean = 0;
  for (let k = 0; k < N; k++) qMean += b.valid[k] * y[k];
  qMean /= nValid;
  if (extras.prox && extras.prox.lambda > 0) {
    const p = proximalTerm(s.critic, extras.prox.critic, extras.prox.lambda).grad;
    for (let i = 0; i < gradC.length; i++) gradC[i] += p[i];
  }
  adamInPlace(s.critic, gradC, s.criticAdam, adam, cfg.lr);
  s.updates++;
  if (s.updates % cfg.policyDelay !== 0) return { qLoss, piLoss: NaN, qMean };

  // actor: L_mu through the (just updated) Q_1, held constant; z is data for the shared context
  let zaTape: ReturnType<typeof gruForwardTape> | null = null, za = zc;
  if (n.gru && n.separate && xs) {
    zaTape = gruForwardTape(s.actor.subarray(0, n.actorGru), n.gru, xs, E, T);
    za = currentContexts(zaTape.hs, E, T, C);
  }
  // the critic's contexts from before its step (one step of lag, as in one joint gradient call)
  const zq = zc;
  if (!n.separate) za = zq;
  const { loss: piLoss, grad: gradA } = actorGradient(s, b, w, zq, za, zaTape);
  if (extras.prox && extras.prox.lambda > 0) {
    const p = proximalTerm(s.actor, extras.prox.actor, extras.prox.lambda).grad;
    for (let i = 0; i < gradA.length; i++) gradA[i] += p[i];
  }
  adamInPlace(s.actor, gradA, s.actorAdam, adam, cfg.lr);
  softUpdate(s.criticTarget, s.critic, cfg.tau);
  softUpdate(s.actorTarget, s.actor, cfg.tau);
  return { qLoss, piLoss, qMean };
}

/**
 * The acting half of a learner for rollouts, in typed arrays: the actor's context GRU
 * (the shared one or the actor's own) stepped once per environment step, and mu.
 */
export interface Actor {
  nets: Td3Nets;
  gru: PackedGru | null;
  pi: Float32Array;
}

export function actorOf(s: Td3State): Actor {
  const n = s.nets;
  const gru = n.gru ? packGru(n.separate ? s.actor.subarray(0, n.actorGru) : s.critic.subarray(0, n.criticGru), n.gru) : null;
  return { nets: n, gru, pi: s.actor.subarray(n.actorGru) };
}

/** mu(s, z) = tanh(MLP([s, z])) for B rows: obs [B, S], z [B, C]; returns [B, A]. */
export function actorMean(actor: Actor, obs: Float32Array, z: Float32Array, B: number): Float32Array {
  const { S, C } = actor.nets;
  const inp = C > 0 ? concatRows([{ data: obs, width: S }, { data: z, width: C }], B) : obs;
  const out = mlpForward(actor.nets.pi, actor.pi, inp, B);
  for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]);
  return out;
}

/** z_{t+1} from z_t and x_t = (a_t, r_t, s_t) for B rows; returns a new [B, C]. */
export function contextStep(actor: Actor, z: Float32Array, action: Float32Array, reward: Float32Array, obs: Float32Array, B: number): Float32Array {
  const { S, A, C } = actor.nets;
  if (!actor.gru) return z;
  const x = concatRows([{ data: action, width: A }, { data: reward, width: 1 }, { data: obs, width: S }], B);
  const out = new Float32Array(B * C);
  gruStep(actor.gru, x, z, out);
  return out;
}
