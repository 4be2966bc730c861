/**
 * Roll out policies on batches of particles of many entity types at once.
 *
 * All B episodes advance in lock-step, one batched `step` per time step, with actions
 * drawn by the fused typed-array forward pass of `policy.ts`. No tfjs call happens in the
 * loop. Finished episodes stay frozen at their last position (mask = 0).
 */
import { Dynamics, resetState, step } from '../envs/particle';
import { packPolicy, PolicySpec, sampleAction } from './softmax-mlp';
import { Rng } from '../core/rng';

/**
 * A batch of B trajectories of horizon T.
 *
 * | Field    | Shape        | Meaning                                                     |
 * |----------|--------------|-------------------------------------------------------------|
 * | states   | [B, T+1, 2]  | s_t for t = 0..T; after the episode ends, the last state repeats |
 * | actions  | [B, T]       | a_t (0 left, 1 right, 2 down, 3 up); 0 where mask = 0       |
 * | rewards  | [B, T]       | r_t = -||s_{t+1} - target||^2; 0 where mask = 0             |
 * | mask     | [B, T]       | 1 where step t was taken (the episode was running before it) |
 * | lengths  | [B]          | number of steps taken, L_b = sum_t mask[b, t]               |
 * | typeOf   | [B]          | entity type index of row b                                  |
 * | policyOf | [B]          | index of the policy that drove row b                        |
 */
export interface TrajectoryBatch {
  B: number;
  T: number;
  states: Float32Array;
  actions: Uint8Array;
  rewards: Float32Array;
  mask: Uint8Array;
  lengths: Int32Array;
  typeOf: Int32Array;
  policyOf: Int32Array;
}

/** Chooses the action of row b at position (x, y); the rollout calls it once per live row per step. */
export type ActionChooser = (b: number, x: number, y: number, rng: Rng) => number;

/**
 * Run B episodes in lock-step with actions from `choose`; row b is entity type typeOf[b].
 * @param rng drawn by `choose`, then once per live row per step for the env noise
 */
export function simulate(choose: ActionChooser, typeOf: Int32Array, policyOf: Int32Array, dyn: Dynamics, rng: Rng): TrajectoryBatch {
  const B = typeOf.length, T = dyn.config.horizon;
  if (policyOf.length !== B) throw new RangeError(`rollout: policyOf has ${policyOf.length} rows but typeOf has ${B}`);
  for (let b = 0; b < B; b++) {
    if (!(typeOf[b] >= 0 && typeOf[b] < dyn.types.length)) {
      throw new RangeError(`rollout: typeOf[${b}] = ${typeOf[b]} is not a type index in [0, ${dyn.types.length})`);
    }
  }
  const states = new Float32Array(B * (T + 1) * 2);
  const actions = new Uint8Array(B * T);
  const rewards = new Float32Array(B * T);
  const mask = new Uint8Array(B * T);
  const lengths = new Int32Array(B);
  const live = new Uint8Array(B).fill(1);
  const act = new Uint8Array(B);
  let s = resetState(dyn.config, B);
  let running = B;
  for (let t = 0; t <= T; t++) {
    for (let b = 0; b < B; b++) {
      const k = (b * (T + 1) + t) * 2;
      states[k] = s[2 * b];
      states[k + 1] = s[2 * b + 1];
    }
    if (t === T || running === 0) {
      // Freeze the remaining state slots at the final position.
      for (let t2 = t + 1; t2 <= T; t2++) {
        for (let b = 0; b < B; b++) {
          const k = (b * (T + 1) + t2) * 2;
          states[k] = s[2 * b];
          states[k + 1] = s[2 * b + 1];
        }
      }
      break;
    }
    for (let b = 0; b < B; b++) act[b] = live[b] ? choose(b, s[2 * b], s[2 * b + 1], rng) : 0;
    const r = step(dyn, typeOf, s, act, live, rng);
    for (let b = 0; b < B; b++) {
      if (!live[b]) continue;
      const k = b * T + t;
      actions[k] = act[b];
      rewards[k] = r.reward[b];
      mask[k] = 1;
      lengths[b]++;
      if (r.done[b]) {
        live[b] = 0;
        running--;
      }
    }
    s = r.state;
  }
  return { B, T, states, actions, rewards, mask, lengths, typeOf: typeOf.slice(), policyOf: policyOf.slice() };
}

/**
 * Roll out B episodes: row b is driven by policies[policyOf[b]] on entity type typeOf[b].
 * @param rng one draw per live row per step for the action, then one for the env noise
 */
export function rollout(policies: readonly Float32Array[], policyOf: Int32Array, typeOf: Int32Array,
  dyn: Dynamics, spec: PolicySpec, rng: Rng): TrajectoryBatch {
  for (let b = 0; b < policyOf.length; b++) {
    if (!(policyOf[b] >= 0 && policyOf[b] < policies.length)) {
      throw new RangeError(`rollout: policyOf[${b}] = ${policyOf[b]} is not a policy index in [0, ${policies.length})`);
    }
  }
  const packed = policies.map((theta) => packPolicy(theta, spec));
  return simulate((b, x, y, r) => sampleAction(packed[policyOf[b]], x, y, r), typeOf, policyOf, dyn, rng);
}

/**
 * The greedy oracle: knows each entity's mean displacements and picks the action whose
 * mean move lands closest to the target. Not a learner; a yardstick for returns.
 */
export function oracleRollout(typeOf: Int32Array, dyn: Dynamics, rng: Rng): TrajectoryBatch {
  const [gx, gy] = dyn.config.target;
  const choose: ActionChooser = (b, x, y) => {
    let best = 0, bestD = Infinity;
    for (let a = 0; a < 4; a++) {
      const k = typeOf[b] * 4 + a;
      const dx = x + dyn.meanDx[k] - gx, dy = y + dyn.meanDy[k] - gy;
      const d = dx * dx + dy * dy;
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return best;
  };
  return simulate(choose, typeOf, new Int32Array(typeOf.length), dyn, rng);
}

/**
 * Row layout for "K episodes on each of these types": row b = i*K + k runs type
 * types[i]; policyOf[b] = i when `perTypePolicy`, else 0.
 */
export function rowsFor(types: readonly number[], K: number, perTypePolicy: boolean): { typeOf: Int32Array; policyOf: Int32Array } {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`rowsFor: K must be a positive integer, got ${K}`);
  const typeOf = new Int32Array(types.length * K);
  const policyOf = new Int32Array(types.length * K);
  types.forEach((type, i) => {
    for (let k = 0; k < K; k++) {
      typeOf[i * K + k] = type;
      policyOf[i * K + k] = perTypePolicy ? i : 0;
    }
  });
  return { typeOf, policyOf };
}

/** K episodes of one policy on each listed type; rows are type-major (b = i*K + k). */
export function rolloutOne(theta: Float32Array, types: readonly number[], K: number, dyn: Dynamics, spec: PolicySpec, rng: Rng): TrajectoryBatch {
  const { typeOf, policyOf } = rowsFor(types, K, false);
  return rollout([theta], policyOf, typeOf, dyn, spec, rng);
}

/** K episodes of policies[i] on types[i] for every i, in one batch; rows are i*K + k. */
export function rolloutPaired(policies: readonly Float32Array[], types: readonly number[], K: number, dyn: Dynamics, spec: PolicySpec, rng: Rng): TrajectoryBatch {
  if (policies.length !== types.length) {
    throw new RangeError(`rolloutPaired: ${policies.length} policies for ${types.length} types`);
  }
  const { typeOf, policyOf } = rowsFor(types, K, true);
  return rollout(policies, policyOf, typeOf, dyn, spec, rng);
}

/** The rows [from, to) of a batch, as a batch of their own. */
export function sliceBatch(batch: TrajectoryBatch, from: number, to: number): TrajectoryBatch {
  const { T } = batch;
  return {
    B: to - from,
    T,
    states: batch.states.slice(from * (T + 1) * 2, to * (T + 1) * 2),
    actions: batch.actions.slice(from * T, to * T),
    rewards: batch.rewards.slice(from * T, to * T),
    mask: batch.mask.slice(from * T, to * T),
    lengths: batch.lengths.slice(from, to),
    typeOf: batch.typeOf.slice(from, to),
    policyOf: batch.policyOf.slice(from, to),
  };
}

/** Undiscounted return sum_t r_t of each row, [B]. */
export function episodeReturns(batch: TrajectoryBatch): Float64Array {
  const out = new Float64Array(batch.B);
  for (let b = 0; b < batch.B; b++) {
    let s = 0;
    for (let t = 0; t < batch.T; t++) s += batch.rewards[b * batch.T + t];
    out[b] = s;
  }
  return out;
}

/** Mean undiscounted episode return over the rows of a batch. */
export function meanReturn(batch: TrajectoryBatch): number {
  const r = episodeReturns(batch);
  let s = 0;
  for (let b = 0; b < r.length; b++) s += r[b];
  return s / r.length;
}

/** Final positions s_{L_b} of each row, [B, 2]. */
export function endPositions(batch: TrajectoryBatch): Float32Array {
  const out = new Float32Array(batch.B * 2);
  for (let b = 0; b < batch.B; b++) {
    const k = (b * (batch.T + 1) + batch.T) * 2;
    out[2 * b] = batch.states[k];
    out[2 * b + 1] = batch.states[k + 1];
  }
  return out;
}

/** The visited states s_0..s_{L_b} of row b, [L_b + 1, 2]. */
export function visitedStates(batch: TrajectoryBatch, b: number): Float32Array {
  const from = b * (batch.T + 1) * 2;
  return batch.states.slice(from, from + (batch.lengths[b] + 1) * 2);
}

/**
 * One row per entity type in the batch: episodes, mean return, mean length, share of
 * episodes that ended before the horizon (the target was reached), mean end position.
 */
export function summaryByType(batch: TrajectoryBatch, names: readonly string[] = []): Record<string, string | number>[] {
  const returns = episodeReturns(batch);
  const ends = endPositions(batch);
  const types = [...new Set(batch.typeOf)].sort((a, b) => a - b);
  return types.map((t) => {
    const rows = [...batch.typeOf.keys()].filter((b) => batch.typeOf[b] === t);
    const n = rows.length;
    const avg = (f: (b: number) => number) => rows.reduce((s, b) => s + f(b), 0) / n;
    return {
      type: names[t] ?? t,
      episodes: n,
      meanReturn: avg((b) => returns[b]),
      meanSteps: avg((b) => batch.lengths[b]),
      reachedTarget: avg((b) => (batch.lengths[b] < batch.T ? 1 : 0)),
      meanEndX: avg((b) => ends[2 * b]),
      meanEndY: avg((b) => ends[2 * b + 1]),
    };
  });
}
