import * as assert from 'assert';
import { Rng } from '../lib/core/rng';

describe('Rng', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.random());
    const xb = Array.from({ length: 5 }, () => b.random());
    const xc = Array.from({ length: 5 }, () => c.random());
    assert.deepStrictEqual(xa, xb);
    assert.notDeepStrictEqual(xa, xc);
  });

  it('draws uniform doubles in [0, 1) with mean 1/2 and variance 1/12', () => {
    const r = new Rng(1);
    const n = 100000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.random();
      assert.ok(x >= 0 && x < 1);
      s += x;
      s2 += x * x;
    }
    const m = s / n;
    assert.ok(Math.abs(m - 0.5) < 0.005, `mean ${m}`);
    assert.ok(Math.abs(s2 / n - m * m - 1 / 12) < 0.002);
  });

  it('draws standard normals with mean 0 and variance 1', () => {
    const r = new Rng(2);
    const n = 100000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    assert.ok(Math.abs(s / n) < 0.02);
    assert.ok(Math.abs(s2 / n - 1) < 0.02);
  });

  it('splits into children that are reproducible and differ from the parent stream', () => {
    const p1 = new Rng(7), p2 = new Rng(7);
    const c1 = p1.split(), c2 = p2.split();
    assert.strictEqual(c1.random(), c2.random());
    assert.notStrictEqual(p1.random(), c1.random());
  });

  it('int(n) covers 0..n-1 and rejects n < 1', () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(5));
    assert.deepStrictEqual([...seen].sort(), [0, 1, 2, 3, 4]);
    assert.throws(() => r.int(0), /positive integer/);
  });

  it('categorical follows the weights and rejects an all-zero weight vector', () => {
    const r = new Rng(4);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[r.categorical([1, 0, 3])]++;
    assert.strictEqual(counts[1], 0);
    assert.ok(Math.abs(counts[2] / counts[0] - 3) < 0.2);
    assert.throws(() => r.categorical([0, 0]), /positive sum/);
  });

  it('rejects a seed that is not a finite number', () => {
    assert.throws(() => new Rng(NaN), /seed must be a finite number/);
  });
});
