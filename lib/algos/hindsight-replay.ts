/**
 * The replay buffer R of Hindsight MAML (paper 001, Sec. II; Algorithm 1, lines 2, 8-10)
 * and task-specific training that reuses it with importance sampling (Sec. II, last
 * paragraph).
 *
 *   Alg. 1, l.2     initialise R                                     (replayInit)
 *   Alg. 1, l.8     tau' <- Sample(pi_theta'_i, T_i)                 (the caller's rollout)
 *   Alg. 1, l.9-10  if L_Ti(pi_theta'_i, tau') < delta: R <- R + {(tau', T_i)}   (replayOffer)
 *   Sec. II         during task-specific training, draw k buffered trajectories of tasks
 *                   f_phi calls similar to the new task (similarTasks, replaySample) and
 *                   use them alongside on-policy data with importance sampling
 *                   (importanceWeights, replayVpgUpdate).
 *
 * The loss L of line 9. The paper leaves L_T abstract; here it is the negative mean
 * undiscounted return of the batch, L(pi, tau') = -(1/B) sum_b sum_t r_{b,t}: the
 * objective that VPG and MAML's inner step ascend, in the reward's own units. On the
 * default particle testbed a near-uniform policy has L of about 216, the greedy oracle
 * about 24.5 and a VPG policy after 30 updates 25-45; the default delta = 60 keeps
 * batches that are clearly better than chance.
 *
 * Behaviour probabilities. Each buffered batch keeps ln beta(a_t | s_t), the
 * log-probability of every taken action under the policy that drove it (the adapted
 * pi_theta'_i), computed when it enters the buffer; so the buffer never needs old
 * parameters and any behaviour policy can be stored.
 *
 * Importance weights. For a buffered trajectory and the current (target) policy pi,
 * rho_t = pi(a_t | s_t) / beta(a_t | s_t). The trajectory likelihood ratio
 * p_pi(tau) / p_beta(tau) = prod_t rho_t, because the start distribution and the entity's
 * dynamics P(s_{t+1} | s_t, a_t) appear in numerator and denominator alike and cancel.
 * Two ratio kinds (Precup, Sutton & Singh 2000):
 *   'trajectory'   w_{b,t} = prod_{t' < L_b} rho_{b,t'}   (the same for every step of a row)
 *   'perDecision'  w_{b,t} = prod_{t' <= t}  rho_{b,t'}   (only the actions up to t)
 * and two ways to tame them:
 *   'clipped'         w <- min(w, clip)                    (truncated IS; Ionides 2008, IMPALA's rho-bar)
 *   'selfNormalized'  w <- w / mean of w over the buffered rows running at step t
 *                     (weighted IS per time step; for equal-length rows and 'trajectory'
 *                     this is ordinary weighted IS over trajectories)
 * The effective sample size of the weights used, ESS = (sum w)^2 / (n sum w^2) over the n
 * buffered steps, is reported as a fraction in [1/n, 1] (Kong 1992).
 *
 * The estimator. On-policy batch D (rows of pi on the new task) and replay sample R are
 * concatenated; rewards-to-go, the leave-one-out baseline and the advantage
 * normalisation of vpg.ts run on the concatenation (so buffered trajectories that did
 * better than the current policy get positive advantages: the "hindsight" signal). The
 * surrogate loss is
 *   L(theta) = -(1/N) sum_{i in D u R} c_i A_i ln pi_theta(a_i | s_i),   c_i = 1 on D,
 *                                                                         c_i = lambda w_i on R,
 * with the weights held constant. Its gradient at the current theta is minus
 *   1/N [ sum_D A grad ln pi + lambda sum_R w A grad ln pi ],
 * and since grad(pi/beta) = (pi/beta) grad ln pi, the replay term is the ordinary IS
 * estimate of the policy gradient from beta's data. What is *not* corrected, honestly:
 * (1) buffered trajectories come from other tasks; the dynamics cancel only within one
 * task, so the method rests on f_phi's claim that the tasks are similar; (2) the buffer
 * keeps only batches with L < delta, a selection that makes the stored data better than a
 * sample of p_beta (intended, as in self-imitation, but a bias); (3) 'perDecision' with
 * the reward-to-go ignores the ratios of actions after t (the future is beta's, a Q^beta
 * critic as in off-policy actor-critic); (4) clipping and self-normalisation trade bias
 * for variance.
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note) (Sec. II; Algorithm 1 l.2, 8-10).
 * D. Precup, R. Sutton, S. Singh, "Eligibility traces for off-policy policy evaluation",
 * ICML 2000. A. Kong, "A note on importance sampling using standardized weights", 1992.
 * E. Ionides, "Truncated importance sampling", JCGS 17(2), 2008. L. Espeholt et al.,
 * "IMPALA", ICML 2018 (truncated ratios). J. Oh et al., "Self-imitation learning", ICML 2018.
 */
import { adamStep } from '../core/adam';
import { check } from '../core/config';
import { int, num, Resolved, resolver, section } from '../core/schema';
import { actionProbs, PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { meanReturn, TrajectoryBatch } from '../policies/rollout';
import { SiameseFeatureConfig, SIAMESE_FEATURE_DEFAULTS, siameseScoreMatrix, SiameseSpec, transitionFeatures } from '../divergence/siamese';
import { importanceSchema, ImportanceWeights, importanceWeights } from './importance';
import { advantages, Learner, UpdateStats, vpgGradient, vpgSchema } from './vpg';

// ---------------------------------------------------------------------------------------
// Batches and log-probabilities
// ---------------------------------------------------------------------------------------

/** The rows of several batches (same horizon T) as one batch, in order. */
export function concatBatches(batches: readonly TrajectoryBatch[]): TrajectoryBatch {
  if (batches.length === 0) throw new RangeError('concatBatches: need at least one batch');
  const T = batches[0].T;
  batches.forEach((b, i) => {
    if (b.T !== T) throw new RangeError(`concatBatches: batch ${i} has horizon ${b.T}, batch 0 has ${T}`);
  });
  const B = batches.reduce((s, b) => s + b.B, 0);
  const out: TrajectoryBatch = {
    B, T,
    states: new Float32Array(B * (T + 1) * 2), actions: new Uint8Array(B * T), rewards: new Float32Array(B * T),
    mask: new Uint8Array(B * T), lengths: new Int32Array(B), typeOf: new Int32Array(B), policyOf: new Int32Array(B),
  };
  let row = 0;
  for (const b of batches) {
    out.states.set(b.states, row * (T + 1) * 2);
    out.actions.set(b.actions, row * T);
    out.rewards.set(b.rewards, row * T);
    out.mask.set(b.mask, row * T);
    out.lengths.set(b.lengths, row);
    out.typeOf.set(b.typeOf, row);
    out.policyOf.set(b.policyOf, row);
    row += b.B;
  }
  return out;
}

/**
 * ln pi_theta(a_t | s_t) of every taken action of a batch, [B, T] (0 where mask = 0).
 * Plain typed-array forward (`actionProbs`), so behaviour and target log-probabilities
 * computed from the same theta are bitwise equal.
 */
export function actionLogProbs(theta: Float32Array, batch: TrajectoryBatch, spec: PolicySpec): Float32Array {
  const { B, T, mask } = batch, A = spec.nActions;
  const out = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const L = batch.lengths[b];
    if (L === 0) continue;
    const probs = actionProbs(theta, batch.states.subarray(b * (T + 1) * 2, (b * (T + 1) + L) * 2), spec);
    for (let t = 0; t < L; t++) {
      if (mask[b * T + t]) out[b * T + t] = Math.log(probs[t * A + batch.actions[b * T + t]]);
    }
  }
  return out;
}

/** L(pi, tau') of Alg. 1, l.9: the negative mean undiscounted return of the batch. */
export function adaptedLoss(batch: TrajectoryBatch): number {
  return -meanReturn(batch);
}

// ---------------------------------------------------------------------------------------
// The buffer R (Alg. 1, l.2, 9-10)
// ---------------------------------------------------------------------------------------

export const replaySchema = section({
  delta: num.default(60).describe('delta of Alg. 1, l.9: a batch enters R when its loss (negative mean return) is below delta'),
  capacity: int.positive().default(512).describe('most entries (batches) kept; when full, the oldest entry is dropped first'),
});
export type ReplayConfig = Resolved<typeof replaySchema>;
export const replayConfig = resolver('replay config', replaySchema);
export const REPLAY_DEFAULTS: ReplayConfig = replayConfig();

/**
 * One element (tau', T_i) of R.
 *
 * | Field            | Shape   | Description                                           |
 * |------------------|---------|-------------------------------------------------------|
 * | task             | -       | task id T_i (the entity type on the particle testbed) |
 * | batch            | B rows  | the trajectories tau'                                 |
 * | behaviourLogProb | [B, T]  | ln beta(a_t | s_t) under the policy that drove them; 0 where mask = 0 |
 * | loss             | -       | L(beta, tau') when it was stored                      |
 * | seq              | -       | insertion number (0 for the first entry ever stored)  |
 */
export interface ReplayEntry {
  task: number;
  batch: TrajectoryBatch;
  behaviourLogProb: Float32Array;
  loss: number;
  seq: number;
}

/** The buffer and its acceptance counts. Treated as immutable: operations return a new one. */
export interface ReplayBuffer {
  entries: readonly ReplayEntry[];
  /** Batches offered so far. */
  offered: number;
  /** Batches accepted so far (some may have been evicted since). */
  accepted: number;
}

/** Alg. 1, l.2: an empty buffer. */
export function replayInit(): ReplayBuffer {
  return { entries: [], offered: 0, accepted: 0 };
}

/**
 * Alg. 1, l.9-10: store (tau', task) if L(pi_theta', tau') < delta. The behaviour
 * log-probabilities are computed from `behaviourTheta` (the adapted theta'_i that drove
 * tau') and stored with the trajectories.
 */
export function replayOffer(buffer: ReplayBuffer, tau: TrajectoryBatch, task: number, behaviourTheta: Float32Array, spec: PolicySpec,
  cfg: ReplayConfig): { buffer: ReplayBuffer; accepted: boolean; loss: number } {
  if (!Number.isInteger(task) || task < 0) throw new RangeError(`replayOffer: task must be an integer id >= 0, got ${task}`);
  if (tau.B < 1) throw new RangeError('replayOffer: tau\' has no trajectories');
  const loss = adaptedLoss(tau);
  const offered = buffer.offered + 1;
  if (!(loss < cfg.delta)) return { buffer: { ...buffer, offered }, accepted: false, loss };
  const entry: ReplayEntry = { task, batch: tau, behaviourLogProb: actionLogProbs(behaviourTheta, tau, spec), loss, seq: buffer.accepted };
  const entries = [...buffer.entries, entry];
  return { buffer: { entries: entries.slice(Math.max(0, entries.length - cfg.capacity)), offered, accepted: buffer.accepted + 1 }, accepted: true, loss };
}

/** The distinct task ids in the buffer, ascending. */
export function bufferTasks(buffer: ReplayBuffer): number[] {
  return [...new Set(buffer.entries.map((e) => e.task))].sort((a, b) => a - b);
}

/**
 * Sec. II's filter: score the new task against every buffered task with the Siamese net,
 * f_phi(T_new, T_j), each task being encoded from its transitions (the new task's from
 * its on-policy data, a buffered task's from all its buffered trajectories), and keep
 * the tasks with f >= threshold.
 * @param newTask transition features of the new task, [n, inDim] (`transitionFeatures`)
 */
export function similarTasks(buffer: ReplayBuffer, newTask: Float32Array, phi: Float32Array, sSpec: SiameseSpec, threshold: number,
  features: SiameseFeatureConfig = SIAMESE_FEATURE_DEFAULTS): { tasks: number[]; scores: number[]; similar: number[] } {
  check.inRange('similarTasks', 'threshold', threshold, 0, 1);
  const tasks = bufferTasks(buffer);
  if (tasks.length === 0) return { tasks, scores: [], similar: [] };
  const data = tasks.map((t) => transitionFeatures(concatBatches(buffer.entries.filter((e) => e.task === t).map((e) => e.batch)), features));
  const scores = Array.from(siameseScoreMatrix(phi, [newTask], sSpec, data));
  return { tasks, scores, similar: tasks.filter((_, k) => scores[k] >= threshold) };
}

/**
 * k buffered trajectories drawn for task-specific training.
 *
 * | Field            | Shape   | Description                                 |
 * |------------------|---------|---------------------------------------------|
 * | batch            | B rows  | the trajectories (B <= k)                   |
 * | behaviourLogProb | [B, T]  | ln beta(a_t | s_t) of each, 0 where mask = 0 |
 * | task             | [B]     | the task each trajectory was stored for     |
 */
export interface ReplaySample {
  batch: TrajectoryBatch;
  behaviourLogProb: Float32Array;
  task: Int32Array;
}

/**
 * Draw up to k trajectories uniformly without replacement from the buffered rows of the
 * `eligible` tasks (e.g. `similarTasks(...).similar`). Null when no row is eligible.
 */
export function replaySample(buffer: ReplayBuffer, eligible: readonly number[], k: number, rng: Rng): ReplaySample | null {
  check.positiveInt('replaySample', 'k', k);
  const allowed = new Set(eligible);
  const rows: [number, number][] = [];
  buffer.entries.forEach((e, i) => {
    if (allowed.has(e.task)) for (let b = 0; b < e.batch.B; b++) rows.push([i, b]);
  });
  if (rows.length === 0) return null;
  const picked = rng.shuffle(rows).slice(0, k);
  const T = buffer.entries[picked[0][0]].batch.T;
  const parts: TrajectoryBatch[] = [];
  const logp = new Float32Array(picked.length * T), task = new Int32Array(picked.length);
  picked.forEach(([i, b], r) => {
    const e = buffer.entries[i];
    if (e.batch.T !== T) throw new RangeError(`replaySample: buffered batches have different horizons (${e.batch.T} vs ${T})`);
    parts.push(rowOf(e.batch, b));
    logp.set(e.behaviourLogProb.subarray(b * T, (b + 1) * T), r * T);
    task[r] = e.task;
  });
  return { batch: concatBatches(parts), behaviourLogProb: logp, task };
}

function rowOf(batch: TrajectoryBatch, b: number): TrajectoryBatch {
  const { T } = batch;
  return {
    B: 1, T,
    states: batch.states.slice(b * (T + 1) * 2, (b + 1) * (T + 1) * 2),
    actions: batch.actions.slice(b * T, (b + 1) * T),
    rewards: batch.rewards.slice(b * T, (b + 1) * T),
    mask: batch.mask.slice(b * T, (b + 1) * T),
    lengths: batch.lengths.slice(b, b + 1),
    typeOf: batch.typeOf.slice(b, b + 1),
    policyOf: batch.policyOf.slice(b, b + 1),
  };
}

// ---------------------------------------------------------------------------------------
// The importance-weighted VPG update
// ---------------------------------------------------------------------------------------

export const replayVpgSchema = section({
  vpg: vpgSchema.default({}).describe('discount and Adam settings, as for plain VPG'),
  importance: importanceSchema.default({}).describe('how buffered steps are weighted'),
  replayWeight: num.min(0).default(1).describe("lambda: multiplies every buffered step's weight in the pooled loss; with 0 the buffered steps leave the gradient but still enter the baseline, the advantage normalisation and N (for a no-replay arm pass replay = null instead)"),
});
export type ReplayVpgConfig = Resolved<typeof replayVpgSchema>;
export const replayVpgConfig = resolver('replay vpg config', replayVpgSchema);
export const REPLAY_VPG_DEFAULTS: ReplayVpgConfig = replayVpgConfig();

/** What an importance-weighted update reports. */
export interface ReplayUpdateStats extends UpdateStats {
  /** Steps from the on-policy batch. */
  nOnPolicy: number;
  /** Weighted steps from the buffer (0 without a replay sample). */
  nReplay: number;
  /** ESS / n of the buffered steps' weights (NaN without a replay sample). */
  ess: number;
  /** Largest buffered weight (NaN without a replay sample). */
  maxWeight: number;
  /** Mean ln rho of the buffered steps (NaN without a replay sample). */
  meanLogRatio: number;
}

/**
 * Gradient of the pooled, importance-weighted surrogate loss (module comment) at theta.
 * @param onPolicy rollouts of pi_theta on the new task
 * @param replay buffered trajectories (or null: plain VPG on `onPolicy`)
 */
export function replayVpgGradient(theta: Float32Array, onPolicy: TrajectoryBatch, replay: ReplaySample | null, cfg: ReplayVpgConfig,
  spec: PolicySpec): { grad: Float32Array; loss: number; weights: ImportanceWeights | null; nOnPolicy: number } {
  let nOnPolicy = 0;
  for (let k = 0; k < onPolicy.B * onPolicy.T; k++) nOnPolicy += onPolicy.mask[k];
  if (replay === null || replay.batch.B === 0) {
    return { ...vpgGradient(theta, advantages(onPolicy, cfg.vpg.gamma), spec), weights: null, nOnPolicy };
  }
  const R = replay.batch;
  if (R.T !== onPolicy.T) throw new RangeError(`replayVpgGradient: the replay sample has horizon ${R.T}, the on-policy batch ${onPolicy.T}`);
  // Advantages on the concatenation D u R (rows of D first), steps in (b, t) order.
  const samples = advantages(concatBatches([onPolicy, R]), cfg.vpg.gamma);
  const weights = importanceWeights(actionLogProbs(theta, R, spec), replay.behaviourLogProb, R.mask, R.B, R.T, cfg.importance);
  // c_i = lambda w_i on the buffered steps, which follow the nOnPolicy on-policy steps.
  let i = nOnPolicy;
  for (let k = 0; k < R.B * R.T; k++) {
    if (!R.mask[k]) continue;
    samples.advantages[i] *= cfg.replayWeight * weights.w[k];
    i++;
  }
  return { ...vpgGradient(theta, samples, spec), weights, nOnPolicy };
}

/**
 * One task-specific update with replay: on-policy batch of the learner plus an
 * importance-weighted replay sample, then an Adam step. Pure: returns a new learner.
 */
export function replayVpgUpdate(learner: Learner, onPolicy: TrajectoryBatch, replay: ReplaySample | null, cfg: ReplayVpgConfig,
  spec: PolicySpec): { learner: Learner; stats: ReplayUpdateStats } {
  const { grad, loss, weights, nOnPolicy } = replayVpgGradient(learner.theta, onPolicy, replay, cfg, spec);
  const next = adamStep(learner.theta, grad, learner.adam, cfg.vpg.adam);
  return {
    learner: { theta: next.theta, adam: next.state },
    stats: {
      meanReturn: meanReturn(onPolicy), loss, nOnPolicy,
      nReplay: weights?.n ?? 0,
      ess: weights?.ess ?? NaN,
      maxWeight: weights?.maxWeight ?? NaN,
      meanLogRatio: weights?.meanLogRatio ?? NaN,
    },
  };
}
