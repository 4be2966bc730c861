/**
 * The equivalence policy metric d_E of paper 001 (Zahed, "Policy Metrics for Hindsight
 * MAML", Sec. IV, Def. 3): the mean sqrt J(pi_theta(s), pi_phi(s)) over the states S' both
 * policies reach, a metric on behaviour classes (Def. 1). policy-metrics.ts has d_P and P
 * and the shared pieces (sqrt J per row, pooled decision states).
 *
 * Estimator: S' is approximated from rollouts of the two policies on the same MDP. Let V_theta
 * and V_phi be the decision states s_t (steps with mask = 1) of K rollouts each. A
 * state of one set counts as reached by the other policy when it lies within `radius`
 * of some state of the other set:
 *
 *   S'_hat = { s in V_theta : dist(s, V_phi) <= r }  +  { s in V_phi : dist(s, V_theta) <= r }
 *
 * and q_S' is the pooled visitation of both policies restricted to S'_hat (each
 * occurrence counts once, so often-visited states weigh more). In a finite MDP with
 * r -> 0 and K -> infinity every state of S' is eventually visited by both policies, so
 * the support of q_S' tends to S'. In continuous state spaces exact revisits have
 * probability 0, hence the radius (default: half a particle step). Limits, stated
 * honestly: (1) finite K misses rarely shared states, and r > 0 admits states that are
 * only near the other policy's states (bias toward larger S'); (2) S'_hat depends on
 * the pair, so a matrix of d_E estimates need not satisfy the triangle inequality
 * (measure it with `metricAxiomViolations`); (3) the start state s_0 is always shared
 * (both policies start there), so S'_hat is never empty when start states coincide;
 * (4) d_E is defined for one MDP: both batches must come from the same dynamics.
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note), Sec. IV, Def. 3.
 */
import { check } from '../core/config';
import { num, Resolved, resolver, section } from '../core/schema';
import { batchedActionProbs, PolicySpec } from '../policies/softmax-mlp';
import { TrajectoryBatch } from '../policies/rollout';
import { checkBatches, pool, sqrtJsRow } from './policy-metrics';

export const equivalenceSchema = section({
  radius: num.positive().default(0.025).describe("radius r: a state visited by one policy counts as reached by the other when it is within r of one of the other's visited states; 0.025 is half a step of the default particle"),
});
export type EquivalenceConfig = Resolved<typeof equivalenceSchema>;
export const equivalenceConfig = resolver('equivalence metric config', equivalenceSchema);
export const EQUIVALENCE_DEFAULTS: EquivalenceConfig = equivalenceConfig();

/** Cell indices are kept below 2^24 in magnitude so that a numeric key is exact. */
const CELL_LIMIT = 2 ** 24;

/** Uniform grid of cell size r over a set of 2D points: cell key -> point indices. */
interface Grid {
  r: number;
  points: Float32Array;
  cells: Map<number, number[]>;
}

function cellOf(v: number, r: number): number {
  const c = Math.floor(v / r);
  if (!(Math.abs(c) < CELL_LIMIT)) {
    throw new RangeError(`equivalence metric: state coordinate ${v} is more than 2^24 radii (${r}) from the origin; use a larger radius`);
  }
  return c;
}

function cellKey(cx: number, cy: number): number {
  return (cx + CELL_LIMIT) * 2 * CELL_LIMIT + (cy + CELL_LIMIT);
}

function buildGrid(points: Float32Array, from: number, to: number, r: number): Grid {
  const cells = new Map<number, number[]>();
  for (let k = from; k < to; k++) {
    const key = cellKey(cellOf(points[2 * k], r), cellOf(points[2 * k + 1], r));
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(k);
  }
  return { r, points, cells };
}

/** Whether some point of the grid lies within distance r of (x, y). */
function hasNeighbour(g: Grid, x: number, y: number): boolean {
  const cx = cellOf(x, g.r), cy = cellOf(y, g.r), r2 = g.r * g.r;
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      const list = g.cells.get(cellKey(cx + dx, cy + dy));
      if (!list) continue;
      for (const k of list) {
        const ex = g.points[2 * k] - x, ey = g.points[2 * k + 1] - y;
        if (ex * ex + ey * ey <= r2) return true;
      }
    }
  }
  return false;
}

/** d_E of one pair and the size of the shared state set it used. */
export interface EquivalenceMetric {
  /** d_E estimate: mean sqrt J over S'_hat; NaN when S'_hat is empty. */
  dE: number;
  /** |S'_hat|: decision states (of both policies) reached by both. */
  shared: number;
  /** Of those, how many come from A's rollouts. */
  sharedFromA: number;
  /** Decision states in A's rollouts. */
  nA: number;
  /** Decision states in B's rollouts. */
  nB: number;
}

/** Pooled decision states of M policies, their action probabilities and one grid per policy. */
interface Visits {
  states: Float32Array;
  offset: Int32Array;
  probs: Float32Array[];
  grids: Grid[];
}

function visits(thetas: readonly Float32Array[], batches: readonly TrajectoryBatch[], spec: PolicySpec, cfg: EquivalenceConfig): Visits {
  checkBatches(thetas, batches, spec, 'equivalenceMetric');
  check.positive('equivalence metric config', 'radius', cfg.radius);
  const { states, offset } = pool(batches);
  const probs = states.length > 0 ? batchedActionProbs(thetas, states, spec) : thetas.map(() => new Float32Array(0));
  const grids = thetas.map((_, i) => buildGrid(states, offset[i], offset[i + 1], cfg.radius));
  return { states, offset, probs, grids };
}

/**
 * Sum of sqrt J(pi_i, pi_j) over S'_hat(i, j) and the number of its states from each side:
 * policy i's states within r of policy j's, plus policy j's states within r of policy i's.
 */
function sharedSum(v: Visits, i: number, j: number, A: number): { sum: number; fromI: number; fromJ: number } {
  let sum = 0;
  const side = (own: number, other: number) => {
    let count = 0;
    for (let k = v.offset[own]; k < v.offset[own + 1]; k++) {
      if (hasNeighbour(v.grids[other], v.states[2 * k], v.states[2 * k + 1])) {
        sum += sqrtJsRow(v.probs[i], v.probs[j], k, A);
        count++;
      }
    }
    return count;
  };
  const fromI = side(i, j);
  const fromJ = i === j ? 0 : side(j, i);
  return { sum, fromI, fromJ };
}

/**
 * d_E([pi_A], [pi_B]) (Def. 3) estimated on S'_hat from rollouts of both policies on the
 * same MDP (see the module comment for the approximation and its limits).
 * @param batchA rollouts of pi_A; batchB rollouts of pi_B (same dynamics)
 */
export function equivalenceMetric(thetaA: Float32Array, thetaB: Float32Array, batchA: TrajectoryBatch, batchB: TrajectoryBatch,
  spec: PolicySpec, cfg: EquivalenceConfig = EQUIVALENCE_DEFAULTS): EquivalenceMetric {
  const v = visits([thetaA, thetaB], [batchA, batchB], spec, cfg);
  const { sum, fromI, fromJ } = sharedSum(v, 0, 1, spec.nActions);
  const shared = fromI + fromJ;
  return { dE: shared > 0 ? sum / shared : NaN, shared, sharedFromA: fromI, nA: v.offset[1], nB: v.offset[2] - v.offset[1] };
}

/**
 * The [M, M] matrices of d_E estimates and of |S'_hat| for M policies, batches[i] being
 * rollouts of pi_i on the shared MDP; one batched forward pass for all policies and states.
 * S'_hat(i, j) and the sum over it are symmetric in i and j, so each pair is computed once
 * and mirrored. The diagonal uses S'_hat(i, i) = policy i's own states, so D[i, i] = 0.
 */
export function equivalenceMetricMatrix(thetas: readonly Float32Array[], batches: readonly TrajectoryBatch[], spec: PolicySpec,
  cfg: EquivalenceConfig = EQUIVALENCE_DEFAULTS): { D: Float64Array; shared: Int32Array } {
  const v = visits(thetas, batches, spec, cfg);
  const M = thetas.length;
  const D = new Float64Array(M * M), shared = new Int32Array(M * M);
  for (let i = 0; i < M; i++) {
    for (let j = i; j < M; j++) {
      const { sum, fromI, fromJ } = sharedSum(v, i, j, spec.nActions);
      const count = fromI + fromJ;
      D[i * M + j] = D[j * M + i] = count > 0 ? sum / count : NaN;
      shared[i * M + j] = shared[j * M + i] = count;
    }
  }
  return { D, shared };
}
