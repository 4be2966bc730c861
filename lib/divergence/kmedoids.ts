/**
 * K-medoids on a precomputed distance matrix: PAM (Kaufman & Rousseeuw 1990), the
 * clustering step of paper 000 (Sec. 3.1 "we employ K-medoids clustering to group our
 * policies using the pairwise D_JS as a distance metric"; Algorithm 2, l.6).
 *
 * Objective: total deviation TD = sum_j min_{m in M} D[m, j] over the k medoids M.
 *
 *   BUILD: m_1 = argmin_i sum_j D[i, j]; then k-1 times add the item c that lowers TD most,
 *          gain(c) = sum_j max(0, d_near(j) - D[c, j]).
 *   SWAP:  for every medoid m and non-medoid h, the change of TD of the swap m <-> h is
 *          dTD = sum_j [ min(D[h, j], d_second(j)) - d_near(j) ]  if j's nearest medoid is m,
 *                     [ min(D[h, j] - d_near(j), 0) ]             otherwise;
 *          apply the best swap while it lowers TD. One `kmedoidsStep` = one swap, so TD never
 *          increases along `costHistory`.
 *
 * Ties in BUILD are broken uniformly at random with the rng (a block matrix has many); with
 * init 'random' the k starting medoids are drawn by the rng instead.
 *
 * References
 * - M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020, Sec. 3.1, Algorithm 2.
 * - L. Kaufman and P. J. Rousseeuw, Finding Groups in Data, Wiley 1990, Ch. 2 (PAM).
 */
import { check } from '../core/config';
import { int, Resolved, resolver, section, z } from '../core/schema';
import { checkDistanceMatrix, DistanceInput } from './grouping';
import { Rng } from '../core/rng';

export const KMEDOIDS_INITS = ['build', 'random'] as const;
export type KMedoidsInit = (typeof KMEDOIDS_INITS)[number];

export const kmedoidsSchema = section({
  init: z.enum(KMEDOIDS_INITS).default('build').describe("starting medoids: 'build' (PAM's greedy BUILD, ties broken by the rng) or 'random' (k distinct items drawn by the rng)"),
  maxSwaps: int.min(0).default(1000).describe('maximum number of SWAP steps; each applies the single best improving swap'),
});
export type KMedoidsConfig = Resolved<typeof kmedoidsSchema>;
export const kmedoidsConfig = resolver('kmedoids config', kmedoidsSchema);
export const KMEDOIDS_DEFAULTS: KMedoidsConfig = kmedoidsConfig();

/**
 * The state of PAM between swaps.
 *
 * | Field       | Shape  | Description                                               |
 * |-------------|--------|-----------------------------------------------------------|
 * | D           | [n, n] | the checked distance matrix                               |
 * | medoids     | [k]    | item index of each medoid                                 |
 * | nearest     | [n]    | position in `medoids` of each item's nearest medoid       |
 * | dNear       | [n]    | distance to the nearest medoid                            |
 * | dSecond     | [n]    | distance to the second nearest medoid (Infinity if k = 1) |
 * | costHistory | [1+swaps] | TD after BUILD (or the random init), then after each swap |
 */
export interface KMedoidsState {
  n: number;
  k: number;
  D: Float64Array;
  medoids: number[];
  nearest: Int32Array;
  dNear: Float64Array;
  dSecond: Float64Array;
  /** Current total deviation TD. */
  cost: number;
  costHistory: number[];
  /** Swaps applied so far. */
  swaps: number;
  /** True once no swap lowers TD (or maxSwaps is reached). */
  done: boolean;
  config: KMedoidsConfig;
}

/** Recompute nearest / second-nearest medoid of every item and TD. Nearest ties go to the lower position; a medoid is always its own nearest. */
function assign(s: KMedoidsState): void {
  const { n, D, medoids } = s;
  let cost = 0;
  for (let j = 0; j < n; j++) {
    let best = -1, d1 = Infinity, d2 = Infinity;
    for (let p = 0; p < medoids.length; p++) {
      const d = medoids[p] === j ? -1 : D[medoids[p] * n + j]; // -1: a medoid is its own nearest
      if (d < d1) {
        d2 = d1;
        d1 = d;
        best = p;
      } else if (d < d2) d2 = d;
    }
    s.nearest[j] = best;
    s.dNear[j] = Math.max(d1, 0);
    s.dSecond[j] = d2;
    cost += s.dNear[j];
  }
  s.cost = cost;
}

/** Largest entry of D: the scale of the "strictly better" tolerance. */
function scaleOf(D: Float64Array): number {
  let m = 0;
  for (let i = 0; i < D.length; i++) if (D[i] > m) m = D[i];
  return m;
}

/**
 * PAM's BUILD (or a random start): the k initial medoids and their assignment.
 * @param D [n, n] distance matrix (checked: square, symmetric, finite, >= 0, zero diagonal)
 * @param k number of medoids, 1 <= k <= n
 * @param rng breaks BUILD ties / draws the random start
 */
export function kmedoidsInit(D: DistanceInput, k: number, rng: Rng, cfg: KMedoidsConfig = KMEDOIDS_DEFAULTS): KMedoidsState {
  const config = cfg;
  const { n, D: d } = checkDistanceMatrix(D, 'kmedoids');
  check.intInRange('kmedoids', 'k', k, 1, n);
  const tol = 1e-12 * Math.max(scaleOf(d), 1e-300) * n;
  let medoids: number[];
  if (config.init === 'random') {
    medoids = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, k);
  } else {
    // BUILD, first medoid: the item with the smallest total distance to all others.
    const total = Array.from({ length: n }, (_, i) => {
      let t = 0;
      for (let j = 0; j < n; j++) t += d[i * n + j];
      return t;
    });
    const minTotal = total.reduce((m, t) => Math.min(m, t), Infinity);
    medoids = [rng.choice(total.flatMap((t, i) => (t <= minTotal + tol ? [i] : [])))];
    const dNear = Array.from({ length: n }, (_, j) => d[medoids[0] * n + j]);
    // BUILD, medoids 2..k: the item that lowers TD most.
    while (medoids.length < k) {
      const gain = new Float64Array(n).fill(-Infinity);
      for (let c = 0; c < n; c++) {
        if (medoids.includes(c)) continue;
        let g = 0;
        for (let j = 0; j < n; j++) g += Math.max(0, dNear[j] - d[c * n + j]);
        gain[c] = g;
      }
      const best = gain.reduce((m, g) => Math.max(m, g), -Infinity);
      const c = rng.choice(Array.from(gain.keys()).filter((i) => gain[i] >= best - tol));
      medoids.push(c);
      for (let j = 0; j < n; j++) dNear[j] = Math.min(dNear[j], d[c * n + j]);
    }
  }
  const s: KMedoidsState = {
    n, k, D: d, medoids,
    nearest: new Int32Array(n), dNear: new Float64Array(n), dSecond: new Float64Array(n),
    cost: 0, costHistory: [], swaps: 0, done: config.maxSwaps === 0, config,
  };
  assign(s);
  s.costHistory.push(s.cost);
  return s;
}

export interface KMedoidsStep {
  /** Whether a swap was applied (false once converged). */
  swapped: boolean;
  /** TD after this step. */
  cost: number;
  /** The medoid that left and the item that replaced it, when swapped. */
  out?: number;
  in?: number;
}

/**
 * One SWAP step: evaluate every (medoid, non-medoid) exchange and apply the best one if
 * it lowers TD. Advances `s` in place.
 */
export function kmedoidsStep(s: KMedoidsState): KMedoidsStep {
  if (s.done) return { swapped: false, cost: s.cost };
  const { n, D, medoids } = s;
  const tol = 1e-12 * Math.max(scaleOf(D), 1e-300) * n;
  const isMedoid = new Uint8Array(n);
  for (const m of medoids) isMedoid[m] = 1;
  let bestDelta = 0, bestP = -1, bestH = -1;
  for (let p = 0; p < medoids.length; p++) {
    for (let h = 0; h < n; h++) {
      if (isMedoid[h]) continue;
      let delta = 0;
      for (let j = 0; j < n; j++) {
        const dh = D[h * n + j];
        if (s.nearest[j] === p) delta += Math.min(dh, s.dSecond[j]) - s.dNear[j];
        else if (dh < s.dNear[j]) delta += dh - s.dNear[j];
      }
      if (delta < bestDelta) {
        bestDelta = delta;
        bestP = p;
        bestH = h;
      }
    }
  }
  if (bestP < 0 || bestDelta >= -tol) {
    s.done = true;
    return { swapped: false, cost: s.cost };
  }
  const out = medoids[bestP];
  medoids[bestP] = bestH;
  assign(s);
  s.swaps++;
  s.costHistory.push(s.cost);
  if (s.swaps >= s.config.maxSwaps) s.done = true;
  return { swapped: true, cost: s.cost, out, in: bestH };
}

/** Cluster label of every item: the position in `medoids` of its nearest medoid, [n]. */
export function kmedoidsLabels(s: KMedoidsState): Int32Array {
  return s.nearest.slice();
}

export interface KMedoidsResult {
  /** Item index of each medoid, [k]. */
  medoids: number[];
  /** Cluster of each item (position of its medoid in `medoids`), [n]. */
  labels: Int32Array;
  /** Final total deviation TD = sum_j D[medoid(j), j]. */
  cost: number;
  /** TD after BUILD, then after each swap (non-increasing). */
  costHistory: number[];
  /** Number of swaps applied. */
  swaps: number;
  config: KMedoidsConfig;
}

/**
 * PAM: BUILD then SWAP until no swap lowers TD.
 * @param D [n, n] distance matrix
 * @param k number of clusters, 1 <= k <= n
 * @param rng breaks BUILD ties (or draws the random start)
 */
export function kmedoids(D: DistanceInput, k: number, rng: Rng, cfg: KMedoidsConfig = KMEDOIDS_DEFAULTS): KMedoidsResult {
  const s = kmedoidsInit(D, k, rng, cfg);
  while (!s.done) kmedoidsStep(s);
  return { medoids: s.medoids.slice(), labels: kmedoidsLabels(s), cost: s.cost, costHistory: s.costHistory.slice(), swaps: s.swaps, config: s.config };
}
