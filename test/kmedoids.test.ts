import * as assert from 'assert';
import { adjustedRandIndex, euclideanDistances } from '../lib/divergence/grouping';
import { kmedoids, kmedoidsConfig, kmedoidsInit, kmedoidsStep } from '../lib/divergence/kmedoids';
import { Rng } from '../lib/core/rng';

/** Block matrix: distance 1 inside a block, 5 across blocks, 0 on the diagonal. */
function blockMatrix(sizes: number[]): { D: number[][]; labels: number[] } {
  const labels = sizes.flatMap((s, g) => Array(s).fill(g));
  const D = labels.map((a, i) => labels.map((b, j) => (i === j ? 0 : a === b ? 1 : 5)));
  return { D, labels };
}

/** Euclidean distances of n random points in the unit square. */
function randomMetric(n: number, rng: Rng): Float64Array {
  return euclideanDistances(Float64Array.from({ length: 2 * n }, () => rng.random()), 2);
}

/** TD = sum_j min over medoids of D[m, j], computed from scratch. */
function totalDeviation(D: Float64Array, n: number, medoids: number[]): number {
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.min(...medoids.map((m) => D[m * n + j]));
  return s;
}

describe('K-medoids (PAM)', () => {
  it('finds the obvious clusters of a block matrix', () => {
    const { D, labels } = blockMatrix([4, 5, 3]);
    const r = kmedoids(D, 3, new Rng(1));
    assert.strictEqual(adjustedRandIndex(r.labels, labels), 1);
    assert.deepStrictEqual(r.medoids.map((m) => labels[m]).sort(), [0, 1, 2]);
    // Every non-medoid is at distance 1 from its block's medoid.
    assert.strictEqual(r.cost, 12 - 3);
    r.medoids.forEach((m, p) => assert.strictEqual(r.labels[m], p));
  });

  it('finds the blocks from a random start too', () => {
    const { D, labels } = blockMatrix([6, 6, 6, 6]);
    for (let seed = 0; seed < 5; seed++) {
      const r = kmedoids(D, 4, new Rng(seed), kmedoidsConfig({ init: 'random' }));
      assert.strictEqual(adjustedRandIndex(r.labels, labels), 1, `seed ${seed}`);
    }
  });

  it('never increases the cost across swaps, and each step reports the true cost', () => {
    const rng = new Rng(2);
    let swaps = 0;
    for (let t = 0; t < 10; t++) {
      const D = randomMetric(30, rng);
      const s = kmedoidsInit(D, 4, rng.split(), kmedoidsConfig({ init: 'random' }));
      assert.ok(Math.abs(s.cost - totalDeviation(D, 30, s.medoids)) < 1e-9);
      while (!s.done) {
        const before = s.cost;
        const step = kmedoidsStep(s);
        if (step.swapped) swaps++;
        assert.ok(step.cost <= before, `cost rose from ${before} to ${step.cost}`);
        assert.ok(Math.abs(step.cost - totalDeviation(D, 30, s.medoids)) < 1e-9);
      }
      for (let i = 1; i < s.costHistory.length; i++) assert.ok(s.costHistory[i] < s.costHistory[i - 1]);
    }
    assert.ok(swaps > 10, `only ${swaps} swaps: the test did not exercise SWAP`);
  });

  it('stops where no single swap lowers the cost (checked by brute force)', () => {
    const rng = new Rng(3);
    const n = 20, D = randomMetric(n, rng);
    const r = kmedoids(D, 3, rng);
    for (let p = 0; p < 3; p++) {
      for (let h = 0; h < n; h++) {
        if (r.medoids.includes(h)) continue;
        const swapped = r.medoids.slice();
        swapped[p] = h;
        assert.ok(totalDeviation(D, n, swapped) >= r.cost - 1e-12, `swap ${r.medoids[p]} -> ${h} improves`);
      }
    }
    assert.ok(Math.abs(r.cost - totalDeviation(D, n, r.medoids)) < 1e-12);
  });

  it('handles k = 1 and k = n', () => {
    const D = [[0, 1, 3], [1, 0, 2], [3, 2, 0]];
    const one = kmedoids(D, 1, new Rng(4));
    assert.deepStrictEqual(one.medoids, [1]); // row sums 4, 3, 5
    assert.strictEqual(one.cost, 3);
    const all = kmedoids(D, 3, new Rng(4));
    assert.strictEqual(all.cost, 0);
    assert.deepStrictEqual([...all.medoids].sort(), [0, 1, 2]);
  });

  it('is a function of the seed', () => {
    const { D } = blockMatrix([3, 3, 3, 3]);
    const a = kmedoids(D, 4, new Rng(5)), b = kmedoids(D, 4, new Rng(5));
    assert.deepStrictEqual(a, b);
    // Ties in BUILD are broken by the rng: different seeds pick different (equally good) medoids.
    const picks = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((s) => kmedoids(D, 4, new Rng(s)).medoids.join(',')));
    assert.ok(picks.size > 1);
  });

  it('rejects k < 1 or k > n with a clear error', () => {
    const { D } = blockMatrix([2, 2]);
    assert.throws(() => kmedoids(D, 0, new Rng(1)), /kmedoids: "k" must be an integer in \[1, 4\], got 0/);
    assert.throws(() => kmedoids(D, 5, new Rng(1)), /kmedoids: "k" must be an integer in \[1, 4\], got 5/);
    assert.throws(() => kmedoids(D, 1.5, new Rng(1)), /kmedoids: "k" must be an integer in \[1, 4\], got 1.5/);
  });

  it('rejects a matrix that is not a distance matrix, saying what is wrong', () => {
    assert.throws(() => kmedoids([0, 1, 1], 1, new Rng(1)), /kmedoids: distance matrix is not square: 3 entries/);
    assert.throws(() => kmedoids([[0, 1], [1]], 1, new Rng(1)), /kmedoids: distance matrix is not square: row 1 has 1 entries, expected 2/);
    assert.throws(() => kmedoids([[0, 1], [2, 0]], 1, new Rng(1)), /kmedoids: distance matrix is not symmetric: D\[0\]\[1\] = 1 but D\[1\]\[0\] = 2/);
    assert.throws(() => kmedoids([[0, -1], [-1, 0]], 1, new Rng(1)), /kmedoids: distance matrix entry D\[0\]\[1\] = -1 is negative/);
    assert.throws(() => kmedoids([[0, NaN], [NaN, 0]], 1, new Rng(1)), /kmedoids: distance matrix entry D\[0\]\[1\] is NaN, expected a finite number/);
    assert.throws(() => kmedoids([[1, 1], [1, 0]], 1, new Rng(1)), /kmedoids: distance matrix diagonal D\[0\]\[0\] = 1, expected 0/);
    assert.throws(() => kmedoidsConfig({ init: 'kmeans++' as never }), /kmedoids config: "init" must be one of "build", "random"/);
  });
});
