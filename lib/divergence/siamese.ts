/**
 * The Siamese task metric f_phi(T_i, T_j) in [0, 1] of paper 001 (Sec. II; Algorithm 1,
 * lines 3 and 11-16): the network's confidence that two tasks are of the same "class",
 * i.e. that adapting to them leads to the same behaviour.
 *
 *   Alg. 1, l.11-15   label(i, j) = 1  if  D(pi_theta'_i, pi_theta'_j) < epsilon  else 0
 *                     (D: the mean sqrt J of Sec. II, i.e. d_P, or P of Def. 4; `pairLabels`)
 *   Alg. 1, l.16      phi <- phi - beta grad_phi L_phi(f_phi(T_i, T_j), label)
 *                     (binary cross-entropy, Adam; `siameseStep`)
 *
 * A task is only known through data, so the network reads a set of its transitions
 * x = (s, onehot(a), deltaScale * (s' - s)) and must not depend on their order:
 *
 *   encoder   e(T) = W2^T mean_{x in T} relu(W1^T x + b1) + b2          [E]  (permutation-invariant
 *                                                                               mean pooling; Zaheer et al. 2017)
 *   head      z    = [ |e_i - e_j| , e_i * e_j ]                            [2E] (symmetric in i, j by construction)
 *             f    = sigmoid( w4 . relu(W3^T z + b3) + b4 )                 in (0, 1)
 *
 * Both branches share the encoder weights (the "Siamese" part), and because the head
 * only sees the symmetric features |e_i - e_j| and e_i * e_j, f(T_i, T_j) = f(T_j, T_i)
 * exactly. The reshape-and-mean pooling needs an equal number of transitions per task
 * during training, so each step draws `transitionsPerTask` transitions per task (with
 * replacement); a fresh subsample per step also acts as data augmentation.
 *
 * phi is one flat Float32Array, like a policy's theta. Layout (row-major):
 *
 * | Symbol | Shape                 | Description                               |
 * |--------|-----------------------|-------------------------------------------|
 * | W1     | [inDim, hidden]       | transition MLP, first layer               |
 * | b1     | [hidden]              |                                           |
 * | W2     | [hidden, embed]       | projection to the task embedding          |
 * | b2     | [embed]               |                                           |
 * | W3     | [2 embed, headHidden] | head layer on z (abs difference, product) |
 * | b3     | [headHidden]          |                                           |
 * | w4     | [headHidden]          | head output                               |
 * | b4     | [1]                   |                                           |
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note) (Sec. II; Algorithm 1 l.3, 11-16).
 * M. Zaheer et al., "Deep Sets", NeurIPS 2017 (sum/mean pooling for set inputs).
 */
import type * as TF from '@tensorflow/tfjs';
import { adamInit, adamSchema, AdamState, adamStep } from '../core/adam';
import { check } from '../core/config';
import { int, num, Resolved, resolver, section, withDefaults } from '../core/schema';
import { Rng } from '../core/rng';
import { TrajectoryBatch } from '../policies/rollout';
import { tf } from '../core/tf';
import { accuracyAt } from './classification';

// ---------------------------------------------------------------------------------------
// Transition features of a task
// ---------------------------------------------------------------------------------------

export const siameseFeatureSchema = section({
  nActions: int.positive().default(4).describe('number of discrete actions, the width of the one-hot block (4 for the particle)'),
  deltaScale: num.positive().default(20).describe("multiplies s' - s so that one move is of order 1: 1/stepSize, 20 for the default particle"),
});
export type SiameseFeatureConfig = Resolved<typeof siameseFeatureSchema>;
export const siameseFeatureConfig = resolver('siamese feature config', siameseFeatureSchema);
export const SIAMESE_FEATURE_DEFAULTS: SiameseFeatureConfig = siameseFeatureConfig();

/** Width of one transition's features: 2 (s) + nActions (one-hot a) + 2 (s' - s). */
export function siameseFeatureDim(cfg: Pick<SiameseFeatureConfig, 'nActions'>): number {
  return 4 + cfg.nActions;
}

/**
 * The transitions of a batch (steps with mask = 1) as feature rows, in the order (b, t):
 * [s_x, s_y, onehot(a_t), deltaScale (s_{t+1} - s_t)].
 * @returns [n, 4 + nActions]
 */
export function transitionFeatures(batch: TrajectoryBatch, cfg: SiameseFeatureConfig = SIAMESE_FEATURE_DEFAULTS): Float32Array {
  const { B, T, mask } = batch, A = cfg.nActions, F = siameseFeatureDim(cfg);
  let n = 0;
  for (let k = 0; k < B * T; k++) n += mask[k];
  const out = new Float32Array(n * F);
  let i = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (!mask[b * T + t]) continue;
      const a = batch.actions[b * T + t];
      if (a >= A) throw new RangeError(`transitionFeatures: action ${a} at row ${b}, step ${t} is not below nActions = ${A}`);
      const k = (b * (T + 1) + t) * 2, o = i * F;
      out[o] = batch.states[k];
      out[o + 1] = batch.states[k + 1];
      out[o + 2 + a] = 1;
      out[o + 2 + A] = cfg.deltaScale * (batch.states[k + 2] - batch.states[k]);
      out[o + 3 + A] = cfg.deltaScale * (batch.states[k + 3] - batch.states[k + 1]);
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The network
// ---------------------------------------------------------------------------------------

export const siameseSpecSchema = section({
  inDim: int.positive().default(8).describe('features per transition (`siameseFeatureDim`: 8 for the particle)'),
  hidden: int.positive().default(64).describe('hidden units of the transition MLP'),
  embed: int.positive().default(16).describe('size E of a task embedding e(T)'),
  headHidden: int.positive().default(16).describe('hidden units of the symmetric head'),
});
export type SiameseSpec = Resolved<typeof siameseSpecSchema>;
export const siameseSpec = resolver('siamese spec', siameseSpecSchema);
export const SIAMESE_SPEC_DEFAULTS: SiameseSpec = siameseSpec();

function offsets(s: SiameseSpec) {
  const W1 = 0, b1 = W1 + s.inDim * s.hidden, W2 = b1 + s.hidden, b2 = W2 + s.hidden * s.embed;
  const W3 = b2 + s.embed, b3 = W3 + 2 * s.embed * s.headHidden, w4 = b3 + s.headHidden, b4 = w4 + s.headHidden;
  return { W1, b1, W2, b2, W3, b3, w4, b4, end: b4 + 1 };
}

/** Number of parameters of phi. */
export function siameseParamCount(spec: SiameseSpec): number {
  return offsets(spec).end;
}

/** Fresh phi: every weight matrix ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn)), biases 0. */
export function siameseInit(spec: SiameseSpec, rng: Rng): Float32Array {
  const o = offsets(spec);
  const phi = new Float32Array(o.end);
  const fill = (from: number, to: number, fanIn: number) => {
    const a = 1 / Math.sqrt(fanIn);
    for (let i = from; i < to; i++) phi[i] = rng.uniform(-a, a);
  };
  fill(o.W1, o.b1, spec.inDim);
  fill(o.W2, o.b2, spec.hidden);
  fill(o.W3, o.b3, 2 * spec.embed);
  fill(o.w4, o.b4, spec.headHidden);
  return phi;
}

function checkPhi(phi: Float32Array, spec: SiameseSpec, where: string): void {
  if (!(phi instanceof Float32Array) || phi.length !== siameseParamCount(spec)) {
    throw new RangeError(`${where}: phi must be a Float32Array of ${siameseParamCount(spec)} parameters, got ${phi?.length}`);
  }
}

function checkTasks(tasks: readonly Float32Array[], spec: SiameseSpec, where: string): void {
  tasks.forEach((x, i) => {
    const n = x.length / spec.inDim;
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`${where}: task ${i} must hold at least one transition of ${spec.inDim} features, got length ${x.length}`);
    }
  });
}

/**
 * Per-transition encoder features W2^T relu(W1^T x + b1) + b2 (before pooling; linear
 * after the ReLU, so the mean of these is the projection of the mean hidden activation).
 * @param X [n, inDim]
 * @returns [n, embed]
 */
export function encodeTf(phi: TF.Tensor1D, X: TF.Tensor2D, spec: SiameseSpec): TF.Tensor2D {
  const o = offsets(spec);
  const W1 = tf.reshape(tf.slice(phi, o.W1, spec.inDim * spec.hidden), [spec.inDim, spec.hidden]);
  const b1 = tf.slice(phi, o.b1, spec.hidden);
  const W2 = tf.reshape(tf.slice(phi, o.W2, spec.hidden * spec.embed), [spec.hidden, spec.embed]);
  const b2 = tf.slice(phi, o.b2, spec.embed);
  return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(X, W1), b1)), W2), b2) as TF.Tensor2D;
}

/**
 * Head logits for P pairs of embeddings; symmetric in (ei, ej) by construction.
 * @param ei [P, embed]  @param ej [P, embed]
 * @returns [P] logits; f = sigmoid(logit)
 */
export function headLogitsTf(phi: TF.Tensor1D, ei: TF.Tensor2D, ej: TF.Tensor2D, spec: SiameseSpec): TF.Tensor1D {
  const o = offsets(spec), E = spec.embed, K = spec.headHidden;
  const W3 = tf.reshape(tf.slice(phi, o.W3, 2 * E * K), [2 * E, K]);
  const b3 = tf.slice(phi, o.b3, K);
  const w4 = tf.reshape(tf.slice(phi, o.w4, K), [K, 1]);
  const b4 = tf.slice(phi, o.b4, 1);
  const z = tf.concat([tf.abs(tf.sub(ei, ej)), tf.mul(ei, ej)], 1);
  const h = tf.relu(tf.add(tf.matMul(z, W3), b3));
  return tf.reshape(tf.add(tf.matMul(h, w4), b4), [-1]) as TF.Tensor1D;
}

/** Embeddings of tasks of any sizes, one mean per task, as a tensor [M, embed] (call inside a tidy). */
function embedAllTf(phi: TF.Tensor1D, tasks: readonly Float32Array[], spec: SiameseSpec): TF.Tensor2D {
  const rows = tasks.map((x) => tf.mean(encodeTf(phi, tf.tensor2d(x, [x.length / spec.inDim, spec.inDim]), spec), 0));
  return tf.stack(rows) as TF.Tensor2D;
}

/**
 * Task embeddings e(T) from all of each task's transitions.
 * @param tasks M arrays of [n_i, inDim] transition features
 * @returns [M, embed]
 */
export function embedTasks(phi: Float32Array, tasks: readonly Float32Array[], spec: SiameseSpec): Float32Array {
  checkPhi(phi, spec, 'embedTasks');
  checkTasks(tasks, spec, 'embedTasks');
  if (tasks.length === 0) return new Float32Array(0);
  const e = tf.tidy(() => embedAllTf(tf.tensor1d(phi), tasks, spec));
  const out = e.dataSync().slice() as Float32Array;
  e.dispose();
  return out;
}

/**
 * f_phi(left[i], right[j]) for all i, j, from all transitions of each task.
 * @param left L tasks, [n_i, inDim] each; right R tasks (default: left)
 * @returns [L, R] row-major, values in (0, 1)
 */
export function siameseScoreMatrix(phi: Float32Array, left: readonly Float32Array[], spec: SiameseSpec,
  right: readonly Float32Array[] = left): Float32Array {
  checkPhi(phi, spec, 'siameseScoreMatrix');
  checkTasks(left, spec, 'siameseScoreMatrix');
  checkTasks(right, spec, 'siameseScoreMatrix');
  const L = left.length, R = right.length;
  if (L === 0 || R === 0) return new Float32Array(0);
  const f = tf.tidy(() => {
    const th = tf.tensor1d(phi);
    const el = embedAllTf(th, left, spec), er = right === left ? el : embedAllTf(th, right, spec);
    // Row p = i*R + j pairs left i with right j.
    const ei = tf.reshape(tf.tile(tf.expandDims(el, 1), [1, R, 1]), [L * R, spec.embed]) as TF.Tensor2D;
    const ej = tf.tile(er, [L, 1]) as TF.Tensor2D;
    return tf.sigmoid(headLogitsTf(th, ei, ej, spec));
  });
  const out = f.dataSync().slice() as Float32Array;
  f.dispose();
  return out;
}

// ---------------------------------------------------------------------------------------
// Pair labels (Alg. 1, l.11-15)
// ---------------------------------------------------------------------------------------

/**
 * label[i, j] = 1 if D[i, j] < epsilon else 0 (Alg. 1, l.12-15; Sec. II's rule with D the
 * mean sqrt J between adapted policies). NaN distances get label 0.
 * @param D [M, M] distances between the adapted policies of M tasks
 * @returns [M, M] labels
 */
export function pairLabels(D: ArrayLike<number>, M: number, epsilon: number): Uint8Array {
  if (!Number.isInteger(M) || M < 1 || D.length !== M * M) throw new RangeError(`pairLabels: D must be an [M, M] matrix, got length ${D.length} for M = ${M}`);
  check.positive('pairLabels', 'epsilon', epsilon);
  const out = new Uint8Array(M * M);
  for (let k = 0; k < M * M; k++) out[k] = D[k] < epsilon ? 1 : 0;
  return out;
}

/**
 * A list of labelled task pairs.
 *
 * | Field | Shape | Description                  |
 * |-------|-------|------------------------------|
 * | i     | [P]   | first task index             |
 * | j     | [P]   | second task index            |
 * | label | [P]   | 1 = same class, 0 = different |
 */
export interface PairSet {
  i: Int32Array;
  j: Int32Array;
  label: Uint8Array;
}

/**
 * All unordered pairs i < j among `tasks` (default: all M) with their labels from an
 * [M, M] label matrix. Self-pairs are left out: f(T, T) is not informative.
 */
export function labelledPairs(labels: ArrayLike<number>, M: number, tasks: readonly number[] = [...Array(M).keys()]): PairSet {
  if (labels.length !== M * M) throw new RangeError(`labelledPairs: labels must be [M, M], got length ${labels.length} for M = ${M}`);
  const is: number[] = [], js: number[] = [], ls: number[] = [];
  for (let a = 0; a < tasks.length; a++) {
    for (let b = a + 1; b < tasks.length; b++) {
      const i = tasks[a], j = tasks[b];
      if (!(i >= 0 && i < M && j >= 0 && j < M)) throw new RangeError(`labelledPairs: task index out of [0, ${M}): ${i}, ${j}`);
      is.push(i);
      js.push(j);
      ls.push(labels[i * M + j] ? 1 : 0);
    }
  }
  return { i: Int32Array.from(is), j: Int32Array.from(js), label: Uint8Array.from(ls) };
}

// ---------------------------------------------------------------------------------------
// Training (Alg. 1, l.16): init + step
// ---------------------------------------------------------------------------------------

export const siameseTrainSchema = section({
  adam: withDefaults(adamSchema, { lr: 3e-3 }).default({}).describe('Adam settings of the phi update (beta of Alg. 1, l.16 is adam.lr)'),
  transitionsPerTask: int.positive().default(128).describe("transitions drawn per task (with replacement) for each step's embeddings"),
  threshold: num.gt(0).lt(1).default(0.5).describe('threshold on f for the accuracies reported by a step'),
});
export type SiameseTrainConfig = Resolved<typeof siameseTrainSchema>;
export const siameseTrainConfig = resolver('siamese training config', siameseTrainSchema);
export const SIAMESE_TRAIN_DEFAULTS: SiameseTrainConfig = siameseTrainConfig();

/** The Siamese net being trained: its parameters, optimizer state and step count. */
export interface SiameseTraining {
  phi: Float32Array;
  adam: AdamState;
  step: number;
}

export function siameseTrainInit(phi: Float32Array): SiameseTraining {
  return { phi: phi.slice(), adam: adamInit(phi.length), step: 0 };
}

/** What one step reports (measured on the step's own subsample, before the update). */
export interface SiameseStepMetrics {
  /** Index of the step just taken (1 for the first). */
  step: number;
  /** Class-balanced binary cross-entropy. */
  loss: number;
  /** Share of pairs classified right at `threshold`. */
  accuracy: number;
  /** Mean of the true-positive and true-negative rates (robust to few positive pairs). */
  balancedAccuracy: number;
}

/**
 * Class-balanced BCE on logits z with labels y and per-pair weights w:
 *   sum_p w_p [ max(z,0) - z y + ln(1 + e^{-|z|}) ]   (the stable form of -y ln f - (1-y) ln(1-f))
 */
function bceTf(z: TF.Tensor1D, y: TF.Tensor1D, w: TF.Tensor1D): TF.Scalar {
  const per = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  return tf.sum(tf.mul(per, w)) as TF.Scalar;
}

/** Weights 1/(2 n_pos) for positive pairs and 1/(2 n_neg) for negative ones (1/n if one class is absent). */
function balancedWeights(label: Uint8Array): Float32Array {
  let pos = 0;
  for (const l of label) pos += l;
  const neg = label.length - pos;
  const wp = neg === 0 ? 1 / pos : 0.5 / pos, wn = pos === 0 ? 1 / neg : 0.5 / neg;
  return Float32Array.from(label, (l) => (l ? wp : wn));
}

/**
 * One Adam step of Alg. 1, l.16 on all `pairs`: draw `transitionsPerTask` transitions of
 * every task the pairs use, embed by mean pooling, score each pair, descend the
 * class-balanced cross-entropy. Pure: returns a new training state.
 * @param tasks transition features of every task, [n_i, inDim] each (`transitionFeatures`)
 * @param rng drawn for the transition subsample
 */
export function siameseStep(s: SiameseTraining, tasks: readonly Float32Array[], pairs: PairSet, spec: SiameseSpec,
  cfg: SiameseTrainConfig, rng: Rng): { state: SiameseTraining; metrics: SiameseStepMetrics } {
  checkPhi(s.phi, spec, 'siameseStep');
  checkTasks(tasks, spec, 'siameseStep');
  const P = pairs.label.length;
  if (P === 0 || pairs.i.length !== P || pairs.j.length !== P) throw new RangeError(`siameseStep: need a non-empty pair set with equal-length i, j, label; got ${pairs.i.length}, ${pairs.j.length}, ${P}`);
  // Compact indices of the tasks the pairs use.
  const used = [...new Set([...pairs.i, ...pairs.j])].sort((a, b) => a - b);
  used.forEach((t) => {
    if (!(t >= 0 && t < tasks.length)) throw new RangeError(`siameseStep: pair refers to task ${t}, but there are ${tasks.length} tasks`);
  });
  const slot = new Map(used.map((t, k) => [t, k]));
  const n = cfg.transitionsPerTask, F = spec.inDim, U = used.length;
  // The subsample: n transitions of each used task, drawn with replacement, [U * n, F].
  const X = new Float32Array(U * n * F);
  used.forEach((t, k) => {
    const x = tasks[t], rows = x.length / F;
    for (let r = 0; r < n; r++) {
      const src = rng.int(rows) * F;
      X.set(x.subarray(src, src + F), (k * n + r) * F);
    }
  });
  // One-hot selectors [P, U] pick each pair's two embeddings by a matMul (differentiable on
  // every backend, unlike gather's gradient, which needs UnsortedSegmentSum).
  const Si = new Float32Array(P * U), Sj = new Float32Array(P * U);
  for (let p = 0; p < P; p++) {
    Si[p * U + slot.get(pairs.i[p])!] = 1;
    Sj[p * U + slot.get(pairs.j[p])!] = 1;
  }
  const y = Float32Array.from(pairs.label), w = balancedWeights(pairs.label);
  const [g, l, z] = tf.tidy(() => {
    const Xt = tf.tensor2d(X, [U * n, F]);
    const Sit = tf.tensor2d(Si, [P, U]), Sjt = tf.tensor2d(Sj, [P, U]);
    const yt = tf.tensor1d(y), wt = tf.tensor1d(w);
    const logits = (th: TF.Tensor1D) => {
      // e(T) = mean over the task's n transitions of the encoder features, [U, E]
      const e = tf.mean(tf.reshape(encodeTf(th, Xt, spec), [U, n, spec.embed]), 1) as TF.Tensor2D;
      return headLogitsTf(th, tf.matMul(Sit, e), tf.matMul(Sjt, e), spec);
    };
    const phiT = tf.tensor1d(s.phi);
    // Alg. 1, l.16: the gradient of the cross-entropy with respect to phi.
    const { value, grad } = tf.valueAndGrad((th: TF.Tensor1D) => bceTf(logits(th), yt, wt))(phiT);
    return [grad, value, logits(phiT)];
  });
  const grad = g.dataSync().slice() as Float32Array;
  const loss = l.dataSync()[0];
  const scores = Float32Array.from(z.dataSync(), (v) => 1 / (1 + Math.exp(-v)));
  tf.dispose([g, l, z]);
  const next = adamStep(s.phi, grad, s.adam, cfg.adam);
  const acc = accuracyAt(scores, pairs.label, cfg.threshold);
  return {
    state: { phi: next.theta, adam: next.state, step: s.step + 1 },
    metrics: { step: s.step + 1, loss, accuracy: acc.accuracy, balancedAccuracy: acc.balancedAccuracy },
  };
}
