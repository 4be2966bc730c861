/**
 * Roll out Gaussian policies on the point-navigation plane (envs/point-nav.ts).
 *
 * All B episodes advance in lock-step, one batched env `step` per time step, actions
 * sampled by the fused typed-array pass of gaussian-mlp.ts: no tfjs call in the loop.
 * Trajectories are reward-free: a task scores them afterwards (`navRewards`), because
 * every task of the plane is a reward of the next state (envs/nav-tasks.ts).
 */
import { PointNavConfig, reset, step } from '../envs/point-nav';
import { NavReward } from '../envs/nav-tasks';
import { Rng } from '../core/rng';
import { GaussianSpec, packGaussian, sampleGaussianInto } from './gaussian-mlp';

/**
 * B reward-free trajectories of horizon T on the plane.
 *
 * | Field    | Shape        | Meaning                                                   |
 * |----------|--------------|-----------------------------------------------------------|
 * | states   | [B, T+1, 2]  | s_t for t = 0..T (s_0 = origin)                            |
 * | actions  | [B, T, 2]    | a_t as sampled from the policy, before the env's clip      |
 * | policyOf | [B]          | index of the policy that drove row b (DIAYN: the skill z)  |
 */
export interface NavBatch {
  B: number;
  T: number;
  states: Float32Array;
  actions: Float32Array;
  policyOf: Int32Array;
}

/**
 * Roll out B = policyOf.length episodes; row b follows policies[policyOf[b]].
 * @param policies parameters of 2D-observation Gaussian policies (`spec.obsDim` = 2)
 * @param rng two normal draws per row per step, in row order
 */
export function rolloutNav(policies: readonly Float32Array[], policyOf: Int32Array, env: PointNavConfig, spec: GaussianSpec, rng: Rng): NavBatch {
  const B = policyOf.length, T = env.horizon;
  for (let b = 0; b < B; b++) {
    if (!(policyOf[b] >= 0 && policyOf[b] < policies.length)) {
      throw new RangeError(`rolloutNav: policyOf[${b}] = ${policyOf[b]} is not a policy index in [0, ${policies.length})`);
    }
  }
  const packed = policies.map((theta) => packGaussian(theta, spec));
  const states = new Float32Array(B * (T + 1) * 2);
  const actions = new Float32Array(B * T * 2);
  const a = new Float32Array(2 * B);
  const noGoal = new Float32Array(2 * B); // the env's rewards are not used here
  let s = reset(B);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const k = (b * (T + 1) + t) * 2;
      states[k] = s[2 * b];
      states[k + 1] = s[2 * b + 1];
      sampleGaussianInto(packed[policyOf[b]], s[2 * b], s[2 * b + 1], rng, a, 2 * b);
      actions[(b * T + t) * 2] = a[2 * b];
      actions[(b * T + t) * 2 + 1] = a[2 * b + 1];
    }
    s = step(env, s, a, noGoal).state;
  }
  for (let b = 0; b < B; b++) {
    const k = (b * (T + 1) + T) * 2;
    states[k] = s[2 * b];
    states[k + 1] = s[2 * b + 1];
  }
  return { B, T, states, actions, policyOf: policyOf.slice() };
}

/** K episodes of one policy. */
export function rolloutNavOne(theta: Float32Array, K: number, env: PointNavConfig, spec: GaussianSpec, rng: Rng): NavBatch {
  return rolloutNav([theta], new Int32Array(K), env, spec, rng);
}

/** The next states s_1..s_T of every row, [B, T, 2] (what rewards are computed on). */
export function nextStates(batch: NavBatch): Float32Array {
  const { B, T } = batch;
  const out = new Float32Array(B * T * 2);
  for (let b = 0; b < B; b++) out.set(batch.states.subarray((b * (T + 1) + 1) * 2, (b + 1) * (T + 1) * 2), b * T * 2);
  return out;
}

/** Rewards r[b, t] = reward(s_{t+1}) of row b, [B, T]; `rewardOf(b)` picks row b's task. */
export function navRewards(batch: NavBatch, rewardOf: (b: number) => NavReward): Float32Array {
  const { B, T } = batch;
  const next = nextStates(batch);
  const out = new Float32Array(B * T);
  for (let b = 0; b < B; b++) out.set(rewardOf(b)(next.subarray(b * T * 2, (b + 1) * T * 2)), b * T);
  return out;
}

/** Mean undiscounted return sum_t r[b, t] over the rows of a [B, T] reward array. */
export function meanNavReturn(rewards: Float32Array, B: number): number {
  let s = 0;
  for (let i = 0; i < rewards.length; i++) s += rewards[i];
  return s / B;
}

/** Final positions s_T of every row, [B, 2]. */
export function navEndPositions(batch: NavBatch): Float32Array {
  const out = new Float32Array(batch.B * 2);
  for (let b = 0; b < batch.B; b++) {
    const k = (b * (batch.T + 1) + batch.T) * 2;
    out[2 * b] = batch.states[k];
    out[2 * b + 1] = batch.states[k + 1];
  }
  return out;
}
