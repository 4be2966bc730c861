import * as assert from 'assert';
import { goalCircle, goalSplit, pointNavConfig, reset, step } from '../lib/envs/point-nav';

describe('point navigation (PEARL sparse 2D navigation)', () => {
  const cfg = pointNavConfig();

  it('puts 100 goals on the upper unit semicircle, first at angle 0 and last at pi', () => {
    const g = goalCircle(cfg);
    assert.strictEqual(g.length, 200);
    assert.ok(Math.abs(g[0] - 1) < 1e-6 && Math.abs(g[1]) < 1e-6);
    assert.ok(Math.abs(g[198] + 1) < 1e-6 && Math.abs(g[199]) < 1e-6);
    for (let i = 0; i < 100; i++) {
      assert.ok(Math.abs(Math.hypot(g[2 * i], g[2 * i + 1]) - 1) < 1e-6);
      assert.ok(g[2 * i + 1] >= -1e-7);
    }
  });

  it('splits the shuffled goals 80 / 20 without overlap, the same way for the same goal seed', () => {
    const a = goalSplit(cfg), b = goalSplit(cfg);
    assert.strictEqual(a.train.length, 160);
    assert.strictEqual(a.test.length, 40);
    assert.deepStrictEqual(a, b);
    const key = (xs: Float32Array, i: number) => `${xs[2 * i]},${xs[2 * i + 1]}`;
    const train = new Set(Array.from({ length: 80 }, (_, i) => key(a.train, i)));
    for (let i = 0; i < 20; i++) assert.ok(!train.has(key(a.test, i)));
    assert.notDeepStrictEqual(goalSplit(pointNavConfig({ goalSeed: 1 })).test, a.test);
  });

  it('moves by 0.1 times the clipped action and gives the dense and sparse rewards by hand', () => {
    const s = reset(3);
    const goals = [0, 0.3, 0, 0.3, 1, 0];
    const r = step(cfg, s, [0, 1, 0, 5, 0.3, -0.4], goals);
    assert.deepStrictEqual(Array.from(r.state), [0, 0.1, 0, 0.1, 0.03, -0.04].map(Math.fround));
    // rows 0 and 1 (action clipped to 1): at (0, 0.1), 0.2 from the goal: inside the radius, sparse = 1 - 0.2
    assert.ok(Math.abs(r.dense[0] + 0.2) < 1e-6 && Math.abs(r.sparse[0] - 0.8) < 1e-6);
    assert.strictEqual(r.dense[1], r.dense[0]);
    // row 2: at (0.03, -0.04), |(0.97, -0.04)| = 0.97082 from the goal: outside, sparse 0
    assert.ok(Math.abs(r.dense[2] + Math.hypot(0.97, 0.04)) < 1e-6);
    assert.strictEqual(r.sparse[2], 0);
  });

  it('never clips the position', () => {
    let s = reset(1);
    for (let t = 0; t < 30; t++) s = step(cfg, s, [1, 1], [0, 1]).state;
    assert.ok(Math.abs(s[0] - 3) < 1e-5 && Math.abs(s[1] - 3) < 1e-5);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => pointNavConfig({ goalRadius: 0 }), /point-nav config: "goalRadius" must be a finite number > 0, got 0/);
    assert.throws(() => pointNavConfig({ trainGoals: 100 }), /"trainGoals" must be below nGoals \(100\)/);
    assert.throws(() => pointNavConfig({ horizn: 3 } as never), /"horizn" is not a known setting \(known: nGoals, trainGoals/);
  });
});
