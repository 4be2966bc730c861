/**
 * How well a distance matrix, a clustering or an embedding recovers known groups (the
 * latent groups of paper 000, App. 6.3), and the checks every consumer of a precomputed
 * distance matrix shares (K-medoids, t-SNE).
 *
 * - `adjustedRandIndex(a, b)`: Hubert & Arabie's ARI of two labelings; 1 for the same
 *   partition (whatever the label names), 0 in expectation for independent random ones.
 * - `groupDistances(D, labels)`: mean within-group and between-group distance and their
 *   ratio between / within (> 1 when groups are tighter than the population).
 * - `trustworthiness(D, Y, k)` (Venna & Kaski 2001) and `knnPreservation(D, Y, k)`: does an
 *   embedding Y keep the neighbours that D defines?
 *
 * References
 * - M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020, App. 6.3 and Figure 4.
 * - L. Hubert and P. Arabie, Comparing partitions, J. Classification 2 (1985) 193-218.
 * - J. Venna and S. Kaski, Neighborhood preservation in nonlinear projection methods: an
 *   experimental study, ICANN 2001.
 */

/** A distance matrix: flat row-major [n, n], or n rows of n entries. */
export type DistanceInput = ArrayLike<number> | readonly ArrayLike<number>[];

/** Relative tolerance of the symmetry and zero-diagonal checks (times the largest entry). */
export const DISTANCE_TOLERANCE = 1e-9;

/**
 * Check a precomputed distance matrix and return it flat: square, finite, non-negative,
 * symmetric and with a zero diagonal (both within DISTANCE_TOLERANCE * max entry).
 * Throws a RangeError naming `where` and the first entry that is wrong.
 * @returns { n, D } with D a fresh Float64Array [n, n]
 */
export function checkDistanceMatrix(input: DistanceInput, where: string): { n: number; D: Float64Array } {
  let n: number, D: Float64Array;
  const rows = input as readonly ArrayLike<number>[];
  if (input.length > 0 && typeof rows[0] === 'object' && rows[0] !== null) {
    n = rows.length;
    D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      if (rows[i].length !== n) {
        throw new RangeError(`${where}: distance matrix is not square: row ${i} has ${rows[i].length} entries, expected ${n}`);
      }
      for (let j = 0; j < n; j++) D[i * n + j] = rows[i][j];
    }
  } else {
    const flat = input as ArrayLike<number>;
    n = Math.round(Math.sqrt(flat.length));
    if (n * n !== flat.length) {
      throw new RangeError(`${where}: distance matrix is not square: ${flat.length} entries is not n*n for any n`);
    }
    D = Float64Array.from(flat);
  }
  if (n === 0) throw new RangeError(`${where}: distance matrix is empty`);
  let max = 0;
  for (let k = 0; k < n * n; k++) {
    const v = D[k];
    if (!Number.isFinite(v)) throw new RangeError(`${where}: distance matrix entry D[${Math.floor(k / n)}][${k % n}] is ${v}, expected a finite number`);
    if (v < 0) throw new RangeError(`${where}: distance matrix entry D[${Math.floor(k / n)}][${k % n}] = ${v} is negative`);
    if (v > max) max = v;
  }
  const tol = DISTANCE_TOLERANCE * Math.max(max, 1e-300);
  for (let i = 0; i < n; i++) {
    if (D[i * n + i] > tol) throw new RangeError(`${where}: distance matrix diagonal D[${i}][${i}] = ${D[i * n + i]}, expected 0`);
    for (let j = i + 1; j < n; j++) {
      if (Math.abs(D[i * n + j] - D[j * n + i]) > tol) {
        throw new RangeError(`${where}: distance matrix is not symmetric: D[${i}][${j}] = ${D[i * n + j]} but D[${j}][${i}] = ${D[j * n + i]}`);
      }
    }
  }
  return { n, D };
}

function checkLabels(a: ArrayLike<number>, n: number, where: string, name: string): void {
  if (a.length !== n) throw new RangeError(`${where}: ${name} has ${a.length} entries, expected ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isInteger(a[i])) throw new RangeError(`${where}: ${name}[${i}] = ${a[i]} is not an integer label`);
  }
}

/** n choose 2. */
function pairs(m: number): number {
  return (m * (m - 1)) / 2;
}

/**
 * Adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same n items:
 *   ARI = (sum_ij C(n_ij, 2) - E) / (1/2 [sum_i C(a_i, 2) + sum_j C(b_j, 2)] - E),
 *   E = sum_i C(a_i, 2) sum_j C(b_j, 2) / C(n, 2),
 * with n_ij the contingency table and a_i, b_j its row and column sums. When the
 * denominator is 0 (both labelings put everything in one cluster, or both are all
 * singletons) the partitions are identical and the ARI is 1.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  checkLabels(b, n, 'adjustedRandIndex', 'the second labeling');
  checkLabels(a, n, 'adjustedRandIndex', 'the first labeling');
  const table = new Map<string, number>(), rowSum = new Map<number, number>(), colSum = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = `${a[i]},${b[i]}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    rowSum.set(a[i], (rowSum.get(a[i]) ?? 0) + 1);
    colSum.set(b[i], (colSum.get(b[i]) ?? 0) + 1);
  }
  let index = 0, sa = 0, sb = 0;
  for (const v of table.values()) index += pairs(v);
  for (const v of rowSum.values()) sa += pairs(v);
  for (const v of colSum.values()) sb += pairs(v);
  const expected = n >= 2 ? (sa * sb) / pairs(n) : 0;
  const max = 0.5 * (sa + sb);
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

export interface GroupDistances {
  /** Mean D_ij over pairs i < j in the same group (NaN if there is no such pair). */
  within: number;
  /** Mean D_ij over pairs i < j in different groups (NaN if there is no such pair). */
  between: number;
  /** between / within: > 1 when groups are tighter than the population (Infinity if within = 0 < between). */
  ratio: number;
  /** Number of within-group pairs. */
  withinPairs: number;
  /** Number of between-group pairs. */
  betweenPairs: number;
}

/**
 * Within-group vs between-group mean distance of a distance matrix under known labels.
 * @param D [n, n] distance matrix
 * @param labels [n] group of each item
 */
export function groupDistances(D: DistanceInput, labels: ArrayLike<number>): GroupDistances {
  const { n, D: d } = checkDistanceMatrix(D, 'groupDistances');
  checkLabels(labels, n, 'groupDistances', 'labels');
  let sw = 0, nw = 0, sb = 0, nb = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (labels[i] === labels[j]) {
        sw += d[i * n + j];
        nw++;
      } else {
        sb += d[i * n + j];
        nb++;
      }
    }
  }
  const within = nw > 0 ? sw / nw : NaN, between = nb > 0 ? sb / nb : NaN;
  return { within, between, ratio: between / within, withinPairs: nw, betweenPairs: nb };
}

/** Euclidean distances between the rows of an embedding Y [n, dim], as [n, n]. */
export function euclideanDistances(Y: ArrayLike<number>, dim: number): Float64Array {
  const n = Y.length / dim;
  if (!Number.isInteger(n)) throw new RangeError(`euclideanDistances: length ${Y.length} is not a multiple of dim = ${dim}`);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = Y[i * dim + k] - Y[j * dim + k];
        s += t * t;
      }
      out[i * n + j] = out[j * n + i] = Math.sqrt(s);
    }
  }
  return out;
}

/** Indices of the other items ordered by distance from i (ties by index). */
function neighbourOrder(d: Float64Array, n: number, i: number): number[] {
  const idx: number[] = [];
  for (let j = 0; j < n; j++) if (j !== i) idx.push(j);
  return idx.sort((p, q) => d[i * n + p] - d[i * n + q] || p - q);
}

function embeddingDistances(Y: ArrayLike<number>, n: number, where: string): Float64Array {
  const dim = Y.length / n;
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`${where}: embedding has ${Y.length} entries, not a multiple of n = ${n}`);
  return euclideanDistances(Y, dim);
}

function checkK(k: number, n: number, where: string, max: number): void {
  if (!Number.isInteger(k) || k < 1 || k > max) {
    throw new RangeError(`${where}: k must be an integer in [1, ${max}] for n = ${n}, got ${k}`);
  }
}

/**
 * Trustworthiness of an embedding (Venna & Kaski 2001):
 *   T(k) = 1 - 2 / (n k (2n - 3k - 1)) sum_i sum_{j in U_k(i)} (r(i, j) - k),
 * where U_k(i) are the k nearest neighbours of i in the embedding that are not among its
 * k nearest in D, and r(i, j) is j's rank among i's neighbours in D (1 = nearest).
 * 1 when every embedded neighbourhood is a true one; needs k < n/2 (so that the
 * normaliser is the worst case).
 * @param D [n, n] original distances
 * @param Y [n, dim] embedding
 */
export function trustworthiness(D: DistanceInput, Y: ArrayLike<number>, k: number): number {
  const { n, D: d } = checkDistanceMatrix(D, 'trustworthiness');
  checkK(k, n, 'trustworthiness', Math.max(1, Math.ceil(n / 2) - 1));
  const e = embeddingDistances(Y, n, 'trustworthiness');
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    const rank = new Int32Array(n);
    neighbourOrder(d, n, i).forEach((j, r) => (rank[j] = r + 1));
    for (const j of neighbourOrder(e, n, i).slice(0, k)) if (rank[j] > k) penalty += rank[j] - k;
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

/**
 * kNN preservation: the mean over items of |N_k^D(i) intersect N_k^Y(i)| / k, the share of
 * each item's k nearest neighbours in D that are also among its k nearest in the
 * embedding. 1 = all neighbourhoods kept.
 * @param D [n, n] original distances
 * @param Y [n, dim] embedding
 */
export function knnPreservation(D: DistanceInput, Y: ArrayLike<number>, k: number): number {
  const { n, D: d } = checkDistanceMatrix(D, 'knnPreservation');
  checkK(k, n, 'knnPreservation', n - 1);
  const e = embeddingDistances(Y, n, 'knnPreservation');
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const near = new Set(neighbourOrder(d, n, i).slice(0, k));
    for (const j of neighbourOrder(e, n, i).slice(0, k)) if (near.has(j)) kept++;
  }
  return kept / (n * k);
}
