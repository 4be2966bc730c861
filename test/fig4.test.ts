import * as assert from 'assert';
import * as fig4 from '../lib/experiments/fig4';
import { groupingRows, groupingFigure, heatmapFigure, matricesFromRows, trainingFigure, tsneFigure, withinBetweenFigure, describeGrouping } from '../lib/report/fig4';

describe('Figure 4 pipeline', () => {
  const cfg = fig4.config({ updates: 2, K: 3, checkpoints: [0, 2], testbed: { particle: { horizon: 30 } }, divergence: { samples: 64 } });
  // Computed in a hook, after the root hook has chosen the backend.
  let tables: ReturnType<typeof fig4.unit>;
  let rows: fig4.Saved['divergence'][];
  before(() => {
    tables = fig4.unit(cfg, 0);
    rows = tables.divergence.map((r) => ({ seed: 0, ...r }));
  });

  it('saves one row per type pair, checkpoint and estimator, with the latent group of each type', () => {
    assert.strictEqual(tables.divergence.length, 2 * 3 * (24 * 23) / 2);
    for (const r of tables.divergence.slice(0, 50)) {
      assert.ok((r.i as number) < (r.j as number));
      assert.strictEqual(r.latentI, Math.floor((r.i as number) / 4));
      assert.ok(Number.isFinite(r.divergence as number) && (r.divergence as number) >= 0);
    }
    assert.strictEqual(tables.training.length, 2 * 24);
  });

  it('starts every policy from the same parameters: the policy metric is exactly 0 before training', () => {
    const before = tables.divergence.filter((r) => r.update === 0 && r.estimator === 'policy');
    assert.ok(before.every((r) => r.divergence === 0));
    const after = tables.divergence.filter((r) => r.update === 2 && r.estimator === 'policy');
    assert.ok(after.some((r) => (r.divergence as number) > 0));
  });

  it('rebuilds symmetric matrices from the saved rows and scores them against the latent groups', () => {
    const ms = matricesFromRows(rows);
    assert.strictEqual(ms.length, 2 * 3);
    const m = ms[0];
    assert.strictEqual(m.n, 24);
    for (let i = 0; i < 24; i++) {
      assert.strictEqual(m.D[i * 24 + i], 0);
      for (let j = 0; j < 24; j++) assert.strictEqual(m.D[i * 24 + j], m.D[j * 24 + i]);
    }
    const g = groupingRows(ms);
    for (const r of g) assert.ok((r.ari as number) >= -1 && (r.ari as number) <= 1);
    assert.strictEqual(describeGrouping(g).length, 3);
  });

  it('is deterministic for a seed', () => {
    assert.deepStrictEqual(fig4.unit(cfg, 0), tables);
  });

  it('draws every figure of the notebook from the saved rows', () => {
    const ms = matricesFromRows(rows);
    const g = groupingRows(ms);
    assert.strictEqual(heatmapFigure(ms, 0, 'literal').data.length, 2);
    assert.strictEqual(tsneFigure(ms, 0, 'policy', { iterations: 50 }).data.length, 2 * 6);
    assert.ok(withinBetweenFigure(g).data.length > 0);
    assert.ok(groupingFigure(g, 'ari').data.length === 2 * 3);
    assert.ok(trainingFigure(tables.training.map((r) => ({ seed: 0, ...r }))).data.length === 2 * 6);
  });

  it('names the missing piece when saved rows are incomplete', () => {
    assert.throws(() => matricesFromRows(rows.slice(1)), /divergence rows of seed 0, update 0, estimator literal: 275 pairs, expected 276 for 24 items/);
  });

  it('rejects bad settings naming the field', () => {
    assert.throws(() => fig4.config({ checkpoints: [0, 50] }), /fig4 config: "checkpoints\[1\]" must be at most updates \(40\), got 50/);
    assert.throws(() => fig4.config({ estimators: ['literal', 'kl' as never] }), /"estimators\[1\]" must be one of "literal", "policy", "occupancy", got "kl"/);
    assert.throws(() => fig4.config({ checkpoints: [5, 5] }), /"checkpoints" must increase strictly/);
  });
});
