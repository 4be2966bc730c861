/**
 * Tabular FrozenLake, the environment of BO-MRL's verification experiment (Xu & Zhu,
 * NeurIPS 2024, Sec. 6 "A simple environment to verify the theoretical result").
 *
 * Facts from the authors' setting:
 * - an n x n grid (n = 4: 16 states), 4 actions, not slippery (every move is deterministic);
 *   a move off the grid leaves the agent where it is;
 * - the start is the top-left cell, the goal the bottom-right cell; discount gamma = 0.8;
 *   sampled episodes last 49 steps;
 * - the goal and the holes are absorbing, and their reward repeats on every step spent
 *   there: +1 per step at the goal, -1 per step in a hole;
 * - high task variance: maps with holes, each cell frozen with probability 0.8, the cells
 *   with row + column < 2.5 always frozen, only maps that keep a path to the goal;
 * - low task variance: no holes; tasks differ in their reward maps, a few cells that cost
 *   -0.5 when stepped on but do not end anything.
 *
 * Our reading where the setting leaves a choice (written down in environment.md): the
 * reward of a step is the reward of the cell it lands on (so a step into the goal already
 * earns +1, and bumping into the wall on a penalty cell costs -0.5 again), the low-variance
 * maps get `penaltyCells` penalty cells drawn uniformly among the cells other than start
 * and goal, and the action order is gym's (0 left, 1 down, 2 right, 3 up).
 *
 * A task is plain data: its map, rows of letters
 *   S start · F frozen · H hole (absorbing, holeReward) · G goal (absorbing, goalReward) ·
 *   P penalty cell (penaltyReward when stepped on, not absorbing).
 * `lakeMdp` turns a map into the exact MDP tensors (P, R) as typed arrays; `step` moves a
 * batch of agents, possibly on different maps, at once.
 *
 * References: S. Xu, M. Zhu, "Meta-Reinforcement Learning with Universal Policy
 * Adaptation: Provable Near-Optimality under All-Task Optimum Comparator", NeurIPS 2024,
 * https://openreview.net/forum?id=rpjh69DUX2 ; FrozenLake of OpenAI Gym
 * (gym/envs/toy_text/frozen_lake.py) for the grid, letters and action order.
 */
import { ConfigError } from '../core/config';
import { Rng } from '../core/rng';
import { int, num, Resolved, resolver, section, z } from '../core/schema';

export const lakeSchema = section({
  gamma: num.gt(0).lt(1).default(0.8).describe('discount gamma (authors: 0.8)'),
  horizon: int.positive().default(49).describe('steps of a sampled episode (authors: 49); the exact J is the infinite-horizon value, within gamma^horizon / (1 - gamma) of it'),
  goalReward: num.default(1).describe('reward of every step into or at the goal (absorbing)'),
  holeReward: num.default(-1).describe('reward of every step into or in a hole (absorbing)'),
  penaltyReward: num.default(-0.5).describe('reward of a step onto a penalty cell P (not absorbing)'),
});
export type LakeConfig = Resolved<typeof lakeSchema>;
export const lakeConfig = resolver('lake config', lakeSchema);

/** The letters a map may hold, with their meaning. */
export const LAKE_LETTERS: Readonly<Record<string, string>> = { S: 'start', F: 'frozen', H: 'hole', G: 'goal', P: 'penalty' };
/** Actions in gym's order. */
export const LAKE_ACTIONS = ['left', 'down', 'right', 'up'] as const;
export const N_LAKE_ACTIONS = 4;
/** Row and column change of each action. */
const MOVES: readonly [number, number][] = [[0, -1], [1, 0], [0, 1], [-1, 0]];

/**
 * Problems of a map, or [] when it is valid: square, at least 2 x 2, known letters only,
 * exactly one start, at least one goal. Each problem names the row (and column).
 */
export function mapProblems(map: unknown): { path: (string | number)[]; message: string }[] {
  if (!Array.isArray(map) || map.length < 2) return [{ path: [], message: `must be a list of at least 2 rows of letters, got ${JSON.stringify(map)}` }];
  const n = map.length, out: { path: (string | number)[]; message: string }[] = [];
  let starts = 0, goals = 0;
  map.forEach((row, r) => {
    if (typeof row !== 'string') {
      out.push({ path: [r], message: `must be a string of letters, got ${JSON.stringify(row)}` });
      return;
    }
    if (row.length !== n) out.push({ path: [r], message: `must have ${n} letters (the map is ${n} rows, square), got ${row.length} in ${JSON.stringify(row)}` });
    [...row].forEach((ch, c) => {
      if (!(ch in LAKE_LETTERS)) out.push({ path: [r], message: `has the unknown letter ${JSON.stringify(ch)} at column ${c} (known: ${Object.entries(LAKE_LETTERS).map(([k, v]) => `${k} ${v}`).join(', ')})` });
      if (ch === 'S') starts++;
      if (ch === 'G') goals++;
    });
  });
  if (out.length === 0 && starts !== 1) out.push({ path: [], message: `must hold exactly one start S, got ${starts}` });
  if (out.length === 0 && goals < 1) out.push({ path: [], message: 'must hold at least one goal G' });
  return out;
}

/** A map as a schema field: errors name the field and the row. */
export const lakeMapSchema = z.array(z.string()).superRefine((m, ctx) => {
  for (const p of mapProblems(m)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
});

/** Throw a ConfigError naming `where`/`field` if the map is invalid. */
export function checkMap(map: unknown, where = 'lake map', field = 'map'): readonly string[] {
  const p = mapProblems(map);
  if (p.length > 0) throw new ConfigError(where, `${field}${p[0].path.map((x) => `[${x}]`).join('')}`, p[0].message);
  return map as string[];
}

/**
 * The exact MDP of a map.
 *
 * | Field  | Shape      | Meaning                                                        |
 * |--------|------------|----------------------------------------------------------------|
 * | P      | [S, A, S]  | P(s' \| s, a), 0 or 1 (not slippery)                             |
 * | R      | [S, A]     | reward of taking a in s (the reward of the cell landed on)     |
 * | next   | [S, A]     | the successor state of (s, a)                                  |
 * | rho    | [S]        | initial distribution (1 at the start)                          |
 * | cells  | [S]        | the letter of each state, row-major                            |
 */
export interface LakeMdp {
  map: readonly string[];
  size: number;
  S: number;
  A: number;
  gamma: number;
  start: number;
  P: Float64Array;
  R: Float64Array;
  next: Int32Array;
  rho: Float64Array;
  cells: string;
  /** 1 where the state is absorbing (goal or hole). [S] */
  absorbing: Uint8Array;
}

/** Build the MDP tensors of a map. Validates the map (errors name the row). */
export function lakeMdp(map: readonly string[], cfg: LakeConfig): LakeMdp {
  checkMap(map);
  const n = map.length, S = n * n, A = N_LAKE_ACTIONS;
  const cells = map.join('');
  const P = new Float64Array(S * A * S), R = new Float64Array(S * A), next = new Int32Array(S * A), rho = new Float64Array(S);
  const absorbing = new Uint8Array(S);
  const cellReward = (ch: string) => (ch === 'G' ? cfg.goalReward : ch === 'H' ? cfg.holeReward : ch === 'P' ? cfg.penaltyReward : 0);
  const start = cells.indexOf('S');
  rho[start] = 1;
  for (let s = 0; s < S; s++) {
    const r = Math.floor(s / n), c = s % n, ch = cells[s];
    absorbing[s] = ch === 'G' || ch === 'H' ? 1 : 0;
    for (let a = 0; a < A; a++) {
      let s2 = s;
      if (!absorbing[s]) {
        const r2 = r + MOVES[a][0], c2 = c + MOVES[a][1];
        if (r2 >= 0 && r2 < n && c2 >= 0 && c2 < n) s2 = r2 * n + c2;
      }
      next[s * A + a] = s2;
      P[(s * A + a) * S + s2] = 1;
      R[s * A + a] = cellReward(cells[s2]);
    }
  }
  return { map: map.slice(), size: n, S, A, gamma: cfg.gamma, start, P, R, next, rho, cells, absorbing };
}

/** True when the goal can be reached from the start without stepping into a hole. */
export function hasPath(map: readonly string[]): boolean {
  const n = map.length, cells = map.join('');
  const seen = new Uint8Array(n * n), queue = [cells.indexOf('S')];
  seen[queue[0]] = 1;
  while (queue.length > 0) {
    const s = queue.pop()!;
    if (cells[s] === 'G') return true;
    const r = Math.floor(s / n), c = s % n;
    for (const [dr, dc] of MOVES) {
      const r2 = r + dr, c2 = c + dc;
      if (r2 < 0 || r2 >= n || c2 < 0 || c2 >= n) continue;
      const s2 = r2 * n + c2;
      if (seen[s2] || cells[s2] === 'H') continue;
      seen[s2] = 1;
      queue.push(s2);
    }
  }
  return false;
}

export const holeMapSchema = section({
  size: int.min(2).default(4).describe('side of the grid (authors: 4)'),
  pFrozen: num.min(0).max(1).default(0.8).describe('probability that a cell is frozen (authors: 0.8)'),
  safeSum: num.default(2.5).describe('cells with row + column below this are always frozen (authors: 2.5)'),
  maxTries: int.positive().default(10000).describe('draws before giving up on finding a map with a path'),
});
export type HoleMapConfig = Resolved<typeof holeMapSchema>;

/**
 * A high-variance task: a map with holes, start top-left, goal bottom-right, redrawn until
 * the goal is reachable. Throws after `maxTries` draws without a path.
 */
export function randomHoleMap(cfg: HoleMapConfig, rng: Rng): string[] {
  const n = cfg.size;
  for (let k = 0; k < cfg.maxTries; k++) {
    const rows: string[] = [];
    for (let r = 0; r < n; r++) {
      let row = '';
      for (let c = 0; c < n; c++) {
        const u = rng.random(); // drawn for every cell, so the stream does not depend on the safe zone
        if (r === 0 && c === 0) row += 'S';
        else if (r === n - 1 && c === n - 1) row += 'G';
        else row += r + c < cfg.safeSum || u < cfg.pFrozen ? 'F' : 'H';
      }
      rows.push(row);
    }
    if (hasPath(rows)) return rows;
  }
  throw new RangeError(`randomHoleMap: no map with a path to the goal in ${cfg.maxTries} draws (pFrozen ${cfg.pFrozen}, size ${n})`);
}

export const penaltyMapSchema = section({
  size: int.min(2).default(4).describe('side of the grid (authors: 4)'),
  penaltyCells: int.min(0).default(3).describe('cells costing penaltyReward, drawn among the cells other than start and goal ("a few"; ours: 3)'),
});
export type PenaltyMapConfig = Resolved<typeof penaltyMapSchema>;

/** A low-variance task: no holes, `penaltyCells` distinct penalty cells P. */
export function randomPenaltyMap(cfg: PenaltyMapConfig, rng: Rng): string[] {
  const n = cfg.size, S = n * n;
  if (cfg.penaltyCells > S - 2) throw new ConfigError('penalty map', 'penaltyCells', `must leave start and goal free: at most ${S - 2} on a ${n} x ${n} lake, got ${cfg.penaltyCells}`);
  const free = Array.from({ length: S - 2 }, (_, i) => i + 1);
  const chosen = new Set(rng.shuffle(free).slice(0, cfg.penaltyCells));
  const rows: string[] = [];
  for (let r = 0; r < n; r++) {
    let row = '';
    for (let c = 0; c < n; c++) {
      const s = r * n + c;
      row += s === 0 ? 'S' : s === S - 1 ? 'G' : chosen.has(s) ? 'P' : 'F';
    }
    rows.push(row);
  }
  return rows;
}

/** What one batched step returns. */
export interface LakeStep {
  /** s' [B] */
  state: Int32Array;
  /** r [B] */
  reward: Float64Array;
}

/**
 * Move B agents at once; row b lives on task taskOf[b].
 * @param state [B] current states
 * @param action [B] actions in 0..3
 */
export function step(mdps: readonly LakeMdp[], taskOf: Int32Array, state: Int32Array, action: ArrayLike<number>): LakeStep {
  const B = state.length;
  if (taskOf.length !== B || action.length !== B) throw new RangeError(`lake step: state has ${B} rows, taskOf ${taskOf.length} and action ${action.length}`);
  const out = new Int32Array(B), reward = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    const m = mdps[taskOf[b]], a = action[b];
    if (!m) throw new RangeError(`lake step: taskOf[${b}] = ${taskOf[b]} is not a task index in [0, ${mdps.length})`);
    if (!(a >= 0 && a < N_LAKE_ACTIONS)) throw new RangeError(`lake step: action[${b}] = ${a} is not an action in 0..3`);
    const k = state[b] * N_LAKE_ACTIONS + a;
    out[b] = m.next[k];
    reward[b] = m.R[k];
  }
  return { state: out, reward };
}
