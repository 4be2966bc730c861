/**
 * System identification, then control (the survey slides' "transferring models":
 * identify the system's parameters, then act with a policy that takes them as input;
 * Yu, Tan, Liu and Turk 2017, "Preparing for the unknown: learning a universal policy
 * with online system identification").
 *
 * On the particle testbed an entity's dynamics are four mean moves, one per action:
 * M[a] = stepSize (e[perm[a]] + drift[a] n[perm[a]]) plus sideways noise (particle.ts).
 * Every episode:
 *
 *   1: probe: for the first P moves press the buttons in turn, a_t = t mod 4
 *   2: estimate M by least squares of the observed moves d_t = s_{t+1} - s_t on the
 *      one-hot actions x_t:  M_hat = argmin_M sum_t ||d_t - x_t^T M||^2 = (X^T X)^-1 X^T D,
 *      which for one-hot regressors is the mean move of each action
 *   3: act for the rest of the episode with pi_theta(a | s, M_hat / stepSize), a
 *      feed-forward softmax policy whose input is the state and the 8 numbers of M_hat
 *
 * and training (on the support types only) is VPG on episodes of uniformly drawn support
 * types, the probe steps excluded from the gradient (they are not the policy's actions):
 *
 *   4: for k = 0, 1, 2, ...: K episodes (l.1-3) -> rewards-to-go with the leave-one-out
 *      baseline (vpg.ts) on the steps t >= P -> one Adam step of VPG
 *
 * From M_hat the remapping and drift also read off directly (`identifyRemap`): perm[a] is
 * the cardinal direction closest to M_hat[a], drift[a] its sideways component.
 *
 * References
 * - W. Yu, J. Tan, C. K. Liu and G. Turk, Preparing for the unknown: learning a universal
 *   policy with online system identification, RSS 2017. https://arxiv.org/abs/1702.02453
 * - L. Ljung, System Identification: Theory for the User, Prentice Hall 1999 (least squares).
 */
import { DIRECTIONS, Dynamics, N_ACTIONS, resetState, step } from '../envs/particle';
import { int, Resolved, resolver, section } from '../core/schema';
import { Rng } from '../core/rng';
import { actionProbs, initParams, initSchema, PolicySpec } from '../policies/softmax-mlp';
import { adamStep } from '../core/adam';
import { Learner, looBaseline, newLearner, rewardToGo, StepSamples, vpgGradient, vpgSchema } from './vpg';

export const sysidSchema = section({
  probeMoves: int.min(4).default(4).describe('P: probing moves at the start of every episode, buttons pressed in turn (4 = each button once)'),
  hidden: int.positive().default(68).describe('hidden units of the conditioned policy (the paper\'s 68)'),
  K: int.positive().default(10).describe('episodes per VPG update, each on a support type drawn uniformly'),
  init: initSchema.default({}).describe('initialisation of the conditioned policy (output scale 0.01: near-uniform start)'),
  vpg: vpgSchema.default({}).describe('VPG settings of l.4 (the lab\'s defaults: gamma 0.99, Adam lr 0.01)'),
});
export type SysidConfig = Resolved<typeof sysidSchema>;
export const sysidConfig = resolver('sysid config', sysidSchema);

/** Features of the estimate fed to the policy: M_hat / stepSize, 2 per action. */
export const SYSID_FEATURES = 2 * N_ACTIONS;

/** The conditioned policy: input (s, M_hat / stepSize), 2 + 8 numbers. */
export function sysidSpec(cfg: SysidConfig): PolicySpec {
  return { obsDim: 2 + SYSID_FEATURES, hidden: cfg.hidden, nActions: N_ACTIONS };
}

/**
 * l.2: least squares of moves on one-hot actions, M_hat = (X^T X)^-1 X^T D: the mean move
 * of each action. An action never taken has no estimate: its row is 0 and count 0.
 * @param actions [P] action ids
 * @param moves [P, 2] observed moves d_t
 * @returns M [A, 2] and how often each action was taken, [A]
 */
export function moveLeastSquares(actions: ArrayLike<number>, moves: ArrayLike<number>, nActions = N_ACTIONS): { M: Float64Array; count: Int32Array } {
  if (moves.length !== 2 * actions.length) throw new RangeError(`moveLeastSquares: ${actions.length} actions but ${moves.length / 2} moves`);
  const M = new Float64Array(2 * nActions), count = new Int32Array(nActions);
  for (let t = 0; t < actions.length; t++) {
    const a = actions[t];
    if (!(Number.isInteger(a) && a >= 0 && a < nActions)) throw new RangeError(`moveLeastSquares: actions[${t}] = ${a} is not an action id in [0, ${nActions})`);
    M[2 * a] += moves[2 * t];
    M[2 * a + 1] += moves[2 * t + 1];
    count[a]++;
  }
  for (let a = 0; a < nActions; a++) {
    if (count[a] > 0) {
      M[2 * a] /= count[a];
      M[2 * a + 1] /= count[a];
    }
  }
  return { M, count };
}

/**
 * The remapping and drift read off an estimate: perm[a] = the cardinal direction with the
 * largest component of M[a] (the one |drift| + spread < 1 keeps largest), drift[a] = the
 * component along its left normal, in step units.
 */
export function identifyRemap(M: ArrayLike<number>, stepSize: number): { perm: number[]; drift: number[] } {
  const perm: number[] = [], drift: number[] = [];
  for (let a = 0; a < N_ACTIONS; a++) {
    let best = 0, bestDot = -Infinity;
    DIRECTIONS.forEach(([ex, ey], c) => {
      const dot = M[2 * a] * ex + M[2 * a + 1] * ey;
      if (dot > bestDot) {
        bestDot = dot;
        best = c;
      }
    });
    const [ex, ey] = DIRECTIONS[best];
    perm.push(best);
    drift.push((M[2 * a] * -ey + M[2 * a + 1] * ex) / stepSize); // left normal n = (-ey, ex)
  }
  return { perm, drift };
}

/**
 * B episodes of identification then control.
 *
 * | Field    | Shape       | Meaning                                                  |
 * |----------|-------------|----------------------------------------------------------|
 * | states   | [B, T+1, 2] | s_t; the last state repeats after the episode ends       |
 * | actions  | [B, T]      | a_t (probe actions for t < P)                            |
 * | rewards  | [B, T]      | r_t                                                      |
 * | mask     | [B, T]      | 1 where step t was taken                                 |
 * | lengths  | [B]         | steps taken                                              |
 * | typeOf   | [B]         | entity type                                              |
 * | features | [B, 8]      | M_hat / stepSize after the probe (l.2)                   |
 * | P        |             | probing moves                                            |
 */
export interface SysidBatch {
  B: number;
  T: number;
  P: number;
  states: Float32Array;
  actions: Uint8Array;
  rewards: Float32Array;
  mask: Uint8Array;
  lengths: Int32Array;
  typeOf: Int32Array;
  features: Float32Array;
}

/** l.1-3 for B episodes in lock-step; row b is on entity type typeOf[b]. */
export function sysidRollout(theta: Float32Array, cfg: SysidConfig, typeOf: Int32Array, dyn: Dynamics, rng: Rng): SysidBatch {
  const B = typeOf.length, T = dyn.config.horizon, P = cfg.probeMoves, spec = sysidSpec(cfg), D = spec.obsDim;
  if (P >= T) throw new RangeError(`sysidRollout: probeMoves ${P} leaves no step of the ${T}-step episode to the policy`);
  const states = new Float32Array(B * (T + 1) * 2), actions = new Uint8Array(B * T), rewards = new Float32Array(B * T);
  const mask = new Uint8Array(B * T), lengths = new Int32Array(B), features = new Float32Array(B * SYSID_FEATURES);
  const probeMoves = new Float64Array(B * P * 2);
  const live = new Uint8Array(B).fill(1), act = new Uint8Array(B);
  let s = resetState(dyn.config, B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      states[(b * (T + 1) + t) * 2] = s[2 * b];
      states[(b * (T + 1) + t) * 2 + 1] = s[2 * b + 1];
    }
    if (t === P) {
      // l.2: the estimate from the probe's moves, once per episode.
      const probeActions = Array.from({ length: P }, (_, i) => i % N_ACTIONS);
      for (let b = 0; b < B; b++) {
        if (!live[b]) continue;
        const { M } = moveLeastSquares(probeActions, probeMoves.subarray(b * P * 2, (b + 1) * P * 2));
        for (let k = 0; k < SYSID_FEATURES; k++) features[b * SYSID_FEATURES + k] = M[k] / dyn.config.stepSize;
      }
    }
    if (t < P) {
      act.fill(t % N_ACTIONS); // l.1
    } else {
      const rows: number[] = [];
      for (let b = 0; b < B; b++) if (live[b]) rows.push(b);
      const obs = new Float32Array(rows.length * D);
      rows.forEach((b, i) => {
        obs[i * D] = s[2 * b];
        obs[i * D + 1] = s[2 * b + 1];
        obs.set(features.subarray(b * SYSID_FEATURES, (b + 1) * SYSID_FEATURES), i * D + 2);
      });
      const probs = actionProbs(theta, obs, spec); // l.3
      rows.forEach((b, i) => {
        let u = rng.random(), a = 0;
        while (a < N_ACTIONS - 1 && (u -= probs[i * N_ACTIONS + a]) >= 0) a++;
        act[b] = a;
      });
    }
    const r = step(dyn, typeOf, s, act, live, rng);
    let running = 0;
    for (let b = 0; b < B; b++) {
      if (!live[b]) continue;
      const k = b * T + t;
      actions[k] = act[b];
      rewards[k] = r.reward[b];
      mask[k] = 1;
      lengths[b]++;
      if (t < P) {
        probeMoves[(b * P + t) * 2] = r.state[2 * b] - s[2 * b];
        probeMoves[(b * P + t) * 2 + 1] = r.state[2 * b + 1] - s[2 * b + 1];
      }
      if (r.done[b]) live[b] = 0;
      else running++;
    }
    s = r.state;
    if (running === 0 || t === T - 1) {
      for (let t2 = t + 1; t2 <= T; t2++) {
        for (let b = 0; b < B; b++) {
          states[(b * (T + 1) + t2) * 2] = s[2 * b];
          states[(b * (T + 1) + t2) * 2 + 1] = s[2 * b + 1];
        }
      }
      break;
    }
  }
  return { B, T, P, states, actions, rewards, mask, lengths, typeOf: typeOf.slice(), features };
}

/** Undiscounted return of every episode of a batch, [B]. */
export function sysidReturns(batch: SysidBatch): Float64Array {
  const out = new Float64Array(batch.B);
  for (let b = 0; b < batch.B; b++) for (let t = 0; t < batch.T; t++) out[b] += batch.rewards[b * batch.T + t];
  return out;
}

/**
 * l.4's samples: the steps t >= P with input (s_t, M_hat / stepSize) and advantages
 * G_t - b_t (reward-to-go, leave-one-out baseline), normalised over those steps.
 */
export function sysidSamples(batch: SysidBatch, gamma: number): StepSamples {
  const { B, T, P } = batch, D = 2 + SYSID_FEATURES;
  const G = rewardToGo(batch.rewards, batch.mask, B, T, gamma);
  const base = looBaseline(G, batch.mask, B, T);
  const idx: number[] = [];
  for (let b = 0; b < B; b++) for (let t = P; t < T; t++) if (batch.mask[b * T + t]) idx.push(b * T + t);
  const states = new Float32Array(idx.length * D), actions = new Int32Array(idx.length), adv = new Float32Array(idx.length);
  idx.forEach((k, i) => {
    const b = Math.floor(k / T), t = k % T, s = (b * (T + 1) + t) * 2;
    states[i * D] = batch.states[s];
    states[i * D + 1] = batch.states[s + 1];
    states.set(batch.features.subarray(b * SYSID_FEATURES, (b + 1) * SYSID_FEATURES), i * D + 2);
    actions[i] = batch.actions[k];
    adv[i] = G[k] - base[k];
  });
  let m = 0;
  for (let i = 0; i < adv.length; i++) m += adv[i] / Math.max(adv.length, 1);
  let v = 0;
  for (let i = 0; i < adv.length; i++) v += (adv[i] - m) ** 2 / Math.max(adv.length, 1);
  const sd = Math.sqrt(v);
  for (let i = 0; i < adv.length; i++) adv[i] = sd > 1e-8 ? (adv[i] - m) / sd : 0;
  return { states, actions, advantages: adv };
}

export interface SysidState {
  learner: Learner;
  /** Updates done. */
  update: number;
}

export function sysidInit(cfg: SysidConfig, rng: Rng): SysidState {
  return { learner: newLearner(initParams(sysidSpec(cfg), rng, cfg.init)), update: 0 };
}

/** One update, l.1-4 on K episodes of uniformly drawn support types. Pure. */
export function sysidStep(s: SysidState, supportTypes: readonly number[], cfg: SysidConfig, dyn: Dynamics, rng: Rng): { state: SysidState; meanReturn: number } {
  if (supportTypes.length === 0) throw new RangeError('sysidStep: no support types');
  const typeOf = new Int32Array(cfg.K);
  for (let k = 0; k < cfg.K; k++) typeOf[k] = rng.choice(supportTypes);
  const batch = sysidRollout(s.learner.theta, cfg, typeOf, dyn, rng);
  const { grad } = vpgGradient(s.learner.theta, sysidSamples(batch, cfg.vpg.gamma), sysidSpec(cfg));
  const next = adamStep(s.learner.theta, grad, s.learner.adam, cfg.vpg.adam);
  const returns = sysidReturns(batch);
  return { state: { learner: { theta: next.theta, adam: next.state }, update: s.update + 1 }, meanReturn: returns.reduce((a, b) => a + b, 0) / returns.length };
}
