/**
 * Symmetric matrices as tidy rows and back. Experiments save a distance matrix as one
 * row per unordered pair i < j (plus whatever else identifies the matrix: seed, update,
 * estimator); reports rebuild the [n, n] matrix from those rows.
 */
import { Row } from './row';

/** One row per pair i < j of an [n, n] matrix: `row(i, j, D[i*n + j])`. */
export function matrixToPairs<R extends Row>(D: ArrayLike<number>, n: number, row: (i: number, j: number, value: number) => R): R[] {
  if (D.length !== n * n) throw new RangeError(`matrixToPairs: matrix has ${D.length} entries, expected ${n} x ${n}`);
  const out: R[] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push(row(i, j, D[i * n + j]));
  return out;
}

/**
 * The symmetric [n, n] matrix (zero diagonal) of pair rows with columns `i`, `j` and `value`.
 * n = 1 + the largest j; every pair i < j must be present exactly once.
 * @param where names the rows in errors, e.g. "divergence rows of seed 0, update 5"
 */
export function pairsToMatrix<R extends { i: number; j: number }>(rows: readonly R[], value: { [K in keyof R]: R[K] extends number ? K : never }[keyof R], where: string): { n: number; D: Float64Array } {
  if (rows.length === 0) throw new RangeError(`${where}: no pair rows`);
  const n = 1 + Math.max(...rows.map((r) => r.j));
  if (rows.length !== (n * (n - 1)) / 2) throw new RangeError(`${where}: ${rows.length} pairs, expected ${(n * (n - 1)) / 2} for ${n} items`);
  const D = new Float64Array(n * n);
  for (const r of rows) {
    const i = r.i, j = r.j, v = r[value] as number;
    if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && i < j && j < n)) throw new RangeError(`${where}: pair (${r.i}, ${r.j}) is not i < j < ${n}`);
    D[i * n + j] = v;
    D[j * n + i] = v;
  }
  return { n, D };
}
