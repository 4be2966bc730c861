/**
 * 2D point navigation with goals on the upper half of the unit circle: the sparse-reward
 * navigation task of PEARL (Rakelly et al., ICML 2019, Sec. 6.3 and Fig. 4), also the
 * point robot of Meta-Q-Learning (Fakoor et al., ICLR 2020) and the plane on which DIAYN
 * skills are drawn.
 *
 * Facts from the authors' code (rlkit's `point_robot.py`, `SparsePointEnv`):
 * - the observation is the position alone (the goal is not observed); reset to (0, 0);
 * - s' = s + scale * clip(a, -1, 1) with scale 0.1, the position itself never clipped;
 * - 20 steps per episode, never done early;
 * - goals at angles linspace(0, pi, nGoals) on a circle of radius 1, shuffled with a seed;
 *   the first `trainGoals` are for meta-training, the rest are held out;
 * - dense reward r = -||s' - g||; sparse reward 1 - ||s' - g|| inside the goal radius 0.2
 *   and 0 outside (`sparsify_rewards` plus the shift that makes it positive).
 *
 * Batched over typed arrays: B points of possibly different goals step at once.
 *
 * References: K. Rakelly, A. Zhou, D. Quillen, C. Finn, S. Levine, "Efficient Off-Policy
 * Meta-Reinforcement Learning via Probabilistic Context Variables", ICML 2019,
 * https://arxiv.org/abs/1903.08254 (code: github.com/katerakelly/oyster).
 */
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section } from '../core/schema';

export const pointNavSchema = section({
  nGoals: int.min(2).default(100).describe('goals at evenly spaced angles in [0, pi] (PEARL: 100)'),
  trainGoals: int.positive().default(80).describe('the first goals after shuffling are for meta-training, the rest held out (PEARL: 80 / 20)'),
  goalSeed: int.min(0).default(1337).describe('seed of the goal shuffle (separate from training seeds: every seed sees the same split)'),
  radius: num.positive().default(1).describe('radius of the goal semicircle'),
  actionScale: num.positive().default(0.1).describe('s\' = s + actionScale * clip(a, -1, 1)'),
  horizon: int.positive().default(20).describe('steps per episode, never done early (PEARL: 20)'),
  goalRadius: num.positive().default(0.2).describe('the sparse reward is 1 - ||s\' - g|| within this distance of the goal, 0 outside'),
}).superRefine((c, ctx) => {
  if (c.trainGoals >= c.nGoals) ctx.addIssue({ code: 'custom', path: ['trainGoals'], message: `must be below nGoals (${c.nGoals}) to leave held-out goals, got ${c.trainGoals}` });
});
export type PointNavConfig = Resolved<typeof pointNavSchema>;
export const pointNavConfig = resolver('point-nav config', pointNavSchema);

/** The goal split of a config. Each list is [n, 2] flattened (x, y). */
export interface GoalSplit {
  train: Float32Array;
  test: Float32Array;
}

/** All goals in angle order, [nGoals, 2]. */
export function goalCircle(cfg: PointNavConfig): Float32Array {
  const g = new Float32Array(cfg.nGoals * 2);
  for (let i = 0; i < cfg.nGoals; i++) {
    const angle = (Math.PI * i) / (cfg.nGoals - 1);
    g[2 * i] = cfg.radius * Math.cos(angle);
    g[2 * i + 1] = cfg.radius * Math.sin(angle);
  }
  return g;
}

/** Shuffle the goals with `goalSeed` and split them into meta-training and held-out goals. */
export function goalSplit(cfg: PointNavConfig): GoalSplit {
  const all = goalCircle(cfg);
  const order = new Rng(cfg.goalSeed).shuffle([...Array(cfg.nGoals).keys()]);
  const pick = (ids: number[]) => Float32Array.from(ids.flatMap((i) => [all[2 * i], all[2 * i + 1]]));
  return { train: pick(order.slice(0, cfg.trainGoals)), test: pick(order.slice(cfg.trainGoals)) };
}

/** B positions at the start state (the origin), [B, 2]. */
export function reset(B: number): Float32Array {
  return new Float32Array(B * 2);
}

/** What one batched step returns. All arrays are new. */
export interface PointNavStep {
  /** s' [B, 2] */
  state: Float32Array;
  /** -||s' - g|| [B] */
  dense: Float32Array;
  /** 1 - ||s' - g|| if ||s' - g|| <= goalRadius, else 0 [B] */
  sparse: Float32Array;
}

/**
 * Move B points: s' = s + actionScale * clip(a, -1, 1), then both rewards at s'.
 * @param state [B, 2]
 * @param actions [B, 2], any real values (clipped here, as the authors' env clips to its action box)
 * @param goals [B, 2], the goal of each row
 */
export function step(cfg: PointNavConfig, state: Float32Array, actions: ArrayLike<number>, goals: ArrayLike<number>): PointNavStep {
  const B = state.length / 2;
  if (actions.length !== 2 * B || goals.length !== 2 * B) {
    throw new RangeError(`point-nav step: state has ${B} rows, actions ${actions.length / 2} and goals ${goals.length / 2}`);
  }
  const next = new Float32Array(2 * B), dense = new Float32Array(B), sparse = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    const ax = Math.max(-1, Math.min(1, actions[2 * b])), ay = Math.max(-1, Math.min(1, actions[2 * b + 1]));
    if (Number.isNaN(ax) || Number.isNaN(ay)) throw new RangeError(`point-nav step: action of row ${b} is NaN`);
    const x = state[2 * b] + cfg.actionScale * ax, y = state[2 * b + 1] + cfg.actionScale * ay;
    next[2 * b] = x;
    next[2 * b + 1] = y;
    const d = Math.hypot(x - goals[2 * b], y - goals[2 * b + 1]);
    dense[b] = -d;
    sparse[b] = d <= cfg.goalRadius ? 1 - d : 0;
  }
  return { state: next, dense, sparse };
}
