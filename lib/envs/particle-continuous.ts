/**
 * The continuous personalized particle testbed: paper 000's personalized particles
 * (App. 6.2) with a continuous action a = (ax, ay) in [-1, 1]^2, so that off-policy
 * continuous-control methods (TD3, SAC, PEARL, MQL) face the same entity types as the
 * discrete testbed in `particle.ts`.
 *
 * The action is split into its four half-axis parts, one per button of the discrete
 * testbed:
 *
 *   m[right] = max(ax, 0),  m[left] = max(-ax, 0),  m[up] = max(ay, 0),  m[down] = max(-ay, 0)
 *
 * and each part moves the particle the way the entity type moves it for that button,
 * scaled by the part's size: with k = 4 i + a for type i and button a (`particle.ts`
 * `Dynamics`),
 *
 *   s' = s + sum_a m[a] * ( mean[k] + u_a * noise[k] ),   u_a ~ U(-1, 1) drawn only when m[a] > 0
 *
 * i.e. along the remapped direction F(a) with the variant's sideways drift, plus the
 * variant's sideways noise. At most two parts are non-zero (one horizontal, one
 * vertical); their noise draws are taken in that order. A unit action along an axis
 * (e.g. (1, 0) = right) has one non-zero part of size 1 and one draw, so it makes
 * exactly the discrete testbed's move for that button, with the same random stream.
 *
 * Reward, goal (1, 1), early end within `goalRadius` and horizon are the discrete
 * testbed's (`ParticleConfig`). Tasks differ in their dynamics, not their goal.
 *
 * Batched over typed arrays: B particles of possibly different entity types at once.
 *
 * References: the personalized particle testbed of "Characterizing Policy Divergence for
 * Personalized Meta-Reinforcement Learning" (App. 6.2), made continuous for the
 * Meta-Q-Learning notebook (Fakoor et al., ICLR 2020, https://arxiv.org/abs/1910.00125).
 */
import { Rng } from '../core/rng';
import { Dynamics, DOWN, LEFT, N_ACTIONS, RIGHT, StepResult, UP } from './particle';

/** Action dimension of the continuous testbed: (ax, ay). */
export const ACTION_DIM = 2;
/** State dimension: the position (x, y). */
export const STATE_DIM = 2;

/**
 * The four half-axis parts of B actions, [B, 4] indexed like the discrete actions
 * (left, right, down, up). Actions are clipped to [-1, 1] first.
 */
export function halfAxisParts(actions: ArrayLike<number>): Float64Array {
  const B = actions.length / 2;
  const m = new Float64Array(B * N_ACTIONS);
  for (let b = 0; b < B; b++) {
    const ax = clip1(actions[2 * b]), ay = clip1(actions[2 * b + 1]);
    m[N_ACTIONS * b + LEFT] = Math.max(-ax, 0);
    m[N_ACTIONS * b + RIGHT] = Math.max(ax, 0);
    m[N_ACTIONS * b + DOWN] = Math.max(-ay, 0);
    m[N_ACTIONS * b + UP] = Math.max(ay, 0);
  }
  return m;
}

function clip1(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

/**
 * Move B particles one step with continuous actions.
 * @param dyn     the entity types compiled by `particle.dynamics`
 * @param typeOf  [B] entity type index of each particle into `dyn.types`
 * @param state   [B, 2] current positions (not modified)
 * @param actions [B, 2] actions (ax, ay); clipped to [-1, 1]; NaN is an error
 * @param live    [B] 1 for particles whose episode is running, or null for all live
 * @param rng     source of the sideways noise: one draw per non-zero part of a live particle, in row order, horizontal part first
 */
export function step(dyn: Dynamics, typeOf: Int32Array, state: Float64Array, actions: ArrayLike<number>,
  live: Uint8Array | null, rng: Rng): StepResult {
  const B = typeOf.length;
  if (state.length !== 2 * B || actions.length !== 2 * B) {
    throw new RangeError(`continuous particle step: typeOf has ${B} rows, state ${state.length / 2} and actions ${actions.length / 2}`);
  }
  const { meanDx, meanDy, noiseDx, noiseDy, config } = dyn;
  const [gx, gy] = config.target;
  const r2 = config.goalRadius * config.goalRadius;
  const next = new Float64Array(2 * B);
  const reward = new Float64Array(B);
  const done = new Uint8Array(B);
  for (let b = 0; b < B; b++) {
    const x = state[2 * b], y = state[2 * b + 1];
    if (live !== null && live[b] === 0) {
      next[2 * b] = x;
      next[2 * b + 1] = y;
      done[b] = 1;
      continue;
    }
    const ax0 = actions[2 * b], ay0 = actions[2 * b + 1];
    if (Number.isNaN(ax0) || Number.isNaN(ay0)) throw new RangeError(`continuous particle step: action of row ${b} is NaN`);
    const ax = clip1(ax0), ay = clip1(ay0);
    let nx = x, ny = y;
    const base = typeOf[b] * N_ACTIONS;
    // horizontal part: right for ax > 0, left for ax < 0
    if (ax !== 0) {
      const k = base + (ax > 0 ? RIGHT : LEFT), m = Math.abs(ax);
      const u = 2 * rng.random() - 1;
      nx = nx + m * meanDx[k] + m * u * noiseDx[k]; // associated like particle.ts, so m = 1 gives its bits
      ny = ny + m * meanDy[k] + m * u * noiseDy[k];
    }
    // vertical part: up for ay > 0, down for ay < 0
    if (ay !== 0) {
      const k = base + (ay > 0 ? UP : DOWN), m = Math.abs(ay);
      const u = 2 * rng.random() - 1;
      nx = nx + m * meanDx[k] + m * u * noiseDx[k]; // associated like particle.ts, so m = 1 gives its bits
      ny = ny + m * meanDy[k] + m * u * noiseDy[k];
    }
    next[2 * b] = nx;
    next[2 * b + 1] = ny;
    const d2 = (nx - gx) * (nx - gx) + (ny - gy) * (ny - gy);
    reward[b] = -d2;
    done[b] = d2 < r2 ? 1 : 0;
  }
  return { state: next, reward, done };
}

/** The unit action (ax, ay) that presses discrete button `a` fully: left (-1, 0), right (1, 0), down (0, -1), up (0, 1). */
export function buttonAction(a: number): [number, number] {
  switch (a) {
    case LEFT: return [-1, 0];
    case RIGHT: return [1, 0];
    case DOWN: return [0, -1];
    case UP: return [0, 1];
    default: throw new RangeError(`buttonAction: a must be an action id in 0..3, got ${a}`);
  }
}
