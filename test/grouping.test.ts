import * as assert from 'assert';
import { adjustedRandIndex, checkDistanceMatrix, euclideanDistances, groupDistances, knnPreservation, trustworthiness } from '../lib/divergence/grouping';
import { Rng } from '../lib/core/rng';

describe('Grouping metrics', () => {
  it('ARI is 1 for identical labelings and for the same partition under other label names', () => {
    const a = [0, 0, 1, 1, 2, 2, 2];
    assert.strictEqual(adjustedRandIndex(a, a), 1);
    assert.strictEqual(adjustedRandIndex(a, [5, 5, 9, 9, 1, 1, 1]), 1);
    assert.strictEqual(adjustedRandIndex([0, 0, 0], [3, 3, 3]), 1); // one cluster each
    assert.strictEqual(adjustedRandIndex([0, 1, 2], [2, 0, 1]), 1); // all singletons each
  });

  it('ARI matches hand-computed values', () => {
    // Contingency [[2, 1, 0], [0, 1, 2]]: sum C(n_ij, 2) = 2, rows sum C = 3 + 3 = 6,
    // columns 1 + 1 + 1 = 3, C(6, 2) = 15: E = 6*3/15 = 1.2, max = 4.5,
    // ARI = (2 - 1.2) / (4.5 - 1.2) = 8/33.
    assert.ok(Math.abs(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) - 8 / 33) < 1e-15);
    // One cluster against all singletons: index 0 = expected 0, ARI 0.
    assert.strictEqual(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]), 0);
    // Worse than chance is negative: [0,0,1,1] vs [0,1,0,1]: index 0, E = 2*2/6, max 2 -> -0.5.
    assert.ok(Math.abs(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]) + 0.5) < 1e-15);
    assert.strictEqual(adjustedRandIndex([0, 1], [1, 0]), 1);
  });

  it('ARI of independent random labelings is near 0', () => {
    const rng = new Rng(1);
    let s = 0;
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: 60 }, () => rng.int(4)), b = Array.from({ length: 60 }, () => rng.int(4));
      s += adjustedRandIndex(a, b) / 200;
    }
    assert.ok(Math.abs(s) < 0.01, `mean ARI ${s}`);
  });

  it('ARI rejects labelings of different lengths', () => {
    assert.throws(() => adjustedRandIndex([0, 1], [0, 1, 1]), /adjustedRandIndex: the second labeling has 3 entries, expected 2/);
    assert.throws(() => adjustedRandIndex([0, 0.5], [0, 1]), /adjustedRandIndex: the first labeling\[1\] = 0.5 is not an integer label/);
  });

  it('computes within / between group mean distances and their ratio by hand', () => {
    // Groups {0,1} and {2,3}: within pairs d01 = 1, d23 = 3 (mean 2); between 2, 4, 6, 8 (mean 5).
    const D = [
      [0, 1, 2, 4],
      [1, 0, 6, 8],
      [2, 6, 0, 3],
      [4, 8, 3, 0],
    ];
    assert.deepStrictEqual(groupDistances(D, [0, 0, 1, 1]), { within: 2, between: 5, ratio: 2.5, withinPairs: 2, betweenPairs: 4 });
    const single = groupDistances(D, [0, 0, 0, 0]);
    assert.ok(Number.isNaN(single.between) && Number.isNaN(single.ratio));
  });

  it('trustworthiness and kNN preservation match a hand-computed case', () => {
    // 1D positions 0, 1, 3, 6, 10; the embedding swaps items 0 and 4. With k = 1 the embedded
    // nearest neighbours are 0->3 (true rank 3), 1->4 (rank 4), 2->1 (rank 1), 3->2 (rank 1),
    // 4->1 (rank 3): penalty (3-1) + (4-1) + (3-1) = 7, T = 1 - 2/(5*1*(10-3-1)) * 7 = 8/15.
    const D = euclideanDistances([0, 1, 3, 6, 10], 1);
    const Y = [10, 1, 3, 6, 0];
    assert.ok(Math.abs(trustworthiness(D, Y, 1) - 8 / 15) < 1e-15);
    assert.strictEqual(knnPreservation(D, Y, 1), 2 / 5);
    // An isometric embedding keeps everything.
    assert.strictEqual(trustworthiness(D, [0, 1, 3, 6, 10], 2), 1);
    assert.strictEqual(knnPreservation(D, [0, 0, 1, 0, 3, 0, 6, 0, 10, 0], 3), 1);
    assert.throws(() => trustworthiness(D, Y, 3), /trustworthiness: k must be an integer in \[1, 2\] for n = 5, got 3/);
  });

  it('accepts flat and nested distance matrices alike', () => {
    const nested = checkDistanceMatrix([[0, 2], [2, 0]], 'test');
    const flat = checkDistanceMatrix(Float64Array.of(0, 2, 2, 0), 'test');
    assert.deepStrictEqual(nested, flat);
    assert.deepStrictEqual(Array.from(euclideanDistances([0, 0, 3, 4], 2)), [0, 5, 5, 0]);
  });
});
