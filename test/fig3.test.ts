import * as assert from 'assert';
import * as fig3 from '../lib/experiments/fig3';
import { fig3Entities } from '../lib/report/fig3';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('Figure 3 experiment', () => {
  it('runs a tiny-budget VPG training and returns one row per update', () => {
    const cfg = fig3.config({ updates: 3, K: 4, testbed: { particle: { horizon: 40 } } });
    const rows = fig3.unit(cfg, 0);
    assert.deepStrictEqual(rows.map((r) => r.update), [0, 1, 2, 3]);
    for (const r of rows) assert.ok(Number.isFinite(r.return) && (r.return as number) < 0);
    assert.deepStrictEqual(fig3.unit(cfg, 0), rows, 'same seed, same rows');
  });

  it('builds the three entities of Fig. 3: default, permutation + variance, pure permutation', () => {
    const scene = fig3Entities(testbed(testbedConfig()));
    assert.deepStrictEqual(scene[0].type.perm, [0, 1, 2, 3]);
    assert.ok(scene[1].type.spread.some((s) => s > 0));
    assert.ok(scene[2].type.spread.every((s) => s === 0) && scene[2].type.drift.every((d) => d === 0));
  });

  it('rejects a training type outside the population and unknown settings', () => {
    assert.throws(() => fig3.config({ trainType: 24 }), /fig3 config: "trainType" must be a type index in \[0, 23\], got 24/);
    assert.throws(() => fig3.config({ update: 3 } as never), /"update" is not a known setting/);
  });
});
