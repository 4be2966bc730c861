/**
 * Tasks of the point-navigation plane as rewards of the next state: r_t = r(s_{t+1}).
 *
 * Hand-designed tasks are goals (PEARL's semicircle goals, point-nav.ts); self-proposed
 * tasks are DIAYN skills, whose reward log q_phi(z | s') comes from the discriminator
 * (algos/diayn.ts). Both are functions of s' alone, so a batch of reward-free
 * trajectories can be scored under any task after the fact, and one meta-learner
 * (algos/gaussian-maml.ts) trains on either.
 */
import { PointNavConfig } from './point-nav';

/**
 * A task's reward: r[n] = r(next[n]) for N next states.
 * @param next [N, 2] next positions s'
 * @returns [N]
 */
export type NavReward = (next: Float32Array) => Float32Array;

export type GoalRewardKind = 'dense' | 'sparse';

/**
 * The reward of reaching `goal`, as point-nav's `step` computes it: dense -||s' - g||,
 * or sparse 1 - ||s' - g|| within cfg.goalRadius of the goal and 0 outside.
 */
export function goalReward(cfg: PointNavConfig, goal: readonly [number, number] | ArrayLike<number>, kind: GoalRewardKind): NavReward {
  const gx = goal[0], gy = goal[1];
  if (!Number.isFinite(gx) || !Number.isFinite(gy)) throw new RangeError(`goalReward: goal must be two finite numbers, got ${gx}, ${gy}`);
  return (next) => {
    const N = next.length / 2, r = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      const d = Math.hypot(next[2 * n] - gx, next[2 * n + 1] - gy);
      r[n] = kind === 'dense' ? -d : d <= cfg.goalRadius ? 1 - d : 0;
    }
    return r;
  };
}

/** One goal task per row of a goal list ([n, 2] flattened, as goalSplit returns them). */
export function goalRewards(cfg: PointNavConfig, goals: Float32Array, kind: GoalRewardKind): NavReward[] {
  const out: NavReward[] = [];
  for (let i = 0; i < goals.length / 2; i++) out.push(goalReward(cfg, [goals[2 * i], goals[2 * i + 1]], kind));
  return out;
}
