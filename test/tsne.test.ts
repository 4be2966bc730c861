import * as assert from 'assert';
import { euclideanDistances, knnPreservation, trustworthiness } from '../lib/divergence/grouping';
import { Rng } from '../lib/core/rng';
import { tsne, tsneConfig, tsneEmbedding, tsneInit, tsneStep } from '../lib/divergence/tsne';

/** `groups` clusters of `size` items: distance ~1 inside a cluster, ~10 across, with seeded jitter. */
function clusteredMatrix(groups: number, size: number, rng: Rng): { D: Float64Array; labels: number[] } {
  const n = groups * size, labels = Array.from({ length: n }, (_, i) => Math.floor(i / size));
  const D = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      D[i * n + j] = D[j * n + i] = (labels[i] === labels[j] ? 1 : 10) * (1 + 0.3 * rng.random());
    }
  }
  return { D, labels };
}

describe('t-SNE', () => {
  it('keeps well-separated clusters separated', () => {
    const { D, labels } = clusteredMatrix(6, 4, new Rng(1)); // 24 items in 6 groups, like Figure 4
    const { embedding: Y } = tsne(D, tsneConfig({ iterations: 500 }), new Rng(2));
    assert.strictEqual(knnPreservation(D, Y, 3), 1);
    const T = trustworthiness(D, Y, 3);
    assert.ok(T > 0.99, `trustworthiness ${T}`);
    // Every cluster is tighter than its distance to any other cluster.
    const E = euclideanDistances(Y, 2), n = 24;
    let maxWithin = 0, minBetween = Infinity;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (labels[i] === labels[j]) maxWithin = Math.max(maxWithin, E[i * n + j]);
        else minBetween = Math.min(minBetween, E[i * n + j]);
      }
    }
    assert.ok(maxWithin < minBetween, `max within ${maxWithin}, min between ${minBetween}`);
  });

  it('gives the same embedding for the same seed, and another for another seed', () => {
    const { D } = clusteredMatrix(3, 5, new Rng(3));
    const a = tsne(D, tsneConfig({ iterations: 200 }), new Rng(4)), b = tsne(D, tsneConfig({ iterations: 200 }), new Rng(4));
    assert.deepStrictEqual(a.embedding, b.embedding);
    assert.deepStrictEqual(a.klHistory, b.klHistory);
    assert.notDeepStrictEqual(tsne(D, tsneConfig({ iterations: 200 }), new Rng(5)).embedding, a.embedding);
  });

  it('steps one iteration at a time to the same result as the full run, lowering KL(P||Q)', () => {
    const { D } = clusteredMatrix(3, 5, new Rng(6));
    const s = tsneInit(D, tsneConfig({ iterations: 300 }), new Rng(7));
    const kls: number[] = [];
    for (let t = 1; t <= 300; t++) {
      const info = tsneStep(s);
      assert.strictEqual(info.iteration, t);
      kls.push(info.kl);
    }
    const full = tsne(D, tsneConfig({ iterations: 300 }), new Rng(7));
    assert.deepStrictEqual(tsneEmbedding(s), full.embedding);
    assert.deepStrictEqual(kls, full.klHistory);
    // After the exaggeration phase the true KL keeps falling.
    assert.ok(kls[299] < kls[60], `KL at 60: ${kls[60]}, at 300: ${kls[299]}`);
    assert.ok(kls[299] < 0.5 * kls[0], `KL at start ${kls[0]}, at 300: ${kls[299]}`);
  });

  it('calibrates every row to the perplexity and builds a symmetric P that sums to 1', () => {
    const { D } = clusteredMatrix(4, 6, new Rng(8));
    const s = tsneInit(D, tsneConfig({ perplexity: 4 }), new Rng(9));
    const n = s.n;
    let total = 0;
    for (let i = 0; i < n; i++) {
      // Reconstruct p_{.|i} from beta_i and check its entropy is ln(perplexity).
      const e = Array.from({ length: n }, (_, j) => (j === i ? 0 : Math.exp(-s.betas[i] * D[i * n + j] ** 2)));
      const z = e.reduce((a, b) => a + b, 0);
      const H = -e.reduce((a, v) => (v > 0 ? a + (v / z) * Math.log(v / z) : a), 0);
      assert.ok(Math.abs(H - Math.log(4)) < 1e-4, `row ${i}: entropy ${H}`);
      for (let j = 0; j < n; j++) {
        assert.strictEqual(s.P[i * n + j], s.P[j * n + i]);
        total += s.P[i * n + j];
      }
    }
    assert.ok(Math.abs(total - 1) < 1e-9, `sum of P ${total}`);
  });

  it('clamps the perplexity against n', () => {
    const { D } = clusteredMatrix(2, 4, new Rng(10)); // n = 8: at most (n - 1)/3
    assert.strictEqual(tsneInit(D, tsneConfig({ perplexity: 30 }), new Rng(1)).perplexity, 7 / 3);
    assert.strictEqual(tsneInit(D, tsneConfig({ perplexity: 2 }), new Rng(1)).perplexity, 2);
    assert.strictEqual(tsneInit([[0, 1], [1, 0]], undefined, new Rng(1)).perplexity, 1);
    const two = tsne([[0, 1], [1, 0]], tsneConfig({ iterations: 50 }), new Rng(1)).embedding;
    assert.ok(two.every(Number.isFinite));
  });

  it('rejects bad settings and bad matrices', () => {
    assert.throws(() => tsneConfig({ perplexity: 0.5 }), /tsne config: "perplexity" must be a finite number >= 1, got 0.5/);
    assert.throws(() => tsneConfig({ learningRate: 0 }), /tsne config: "learningRate" must be a finite number > 0, got 0/);
    assert.throws(() => tsneConfig({ theta: 0.5 } as never), /tsne config: "theta" is not a known setting/);
    assert.throws(() => tsne([[0, 1], [2, 0]], undefined, new Rng(1)), /tsne: distance matrix is not symmetric/);
    assert.throws(() => tsne([[0]], undefined, new Rng(1)), /tsne: needs at least 2 items, got 1/);
  });
});
