import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Row } from '../lib/core/row';
import * as rl2 from '../lib/experiments/rl2';
import { plan, Tuning, TUNED_PATHS, tune, withChosen } from '../lib/experiments/rl2-tuning';
import { getPath } from '../lib/experiments/sweep';
import { choiceTable, describeChoice, tuningFigure } from '../lib/report/rl2-tuning';

describe('RL² / sysid / domain randomisation tuning', () => {
  for (const scale of ['quick', 'paper'] as const) {
    it(`gives every method the same grid and tunes on support types only (${scale})`, () => {
      const p = plan(scale);
      assert.ok(p.validationTypes.every((t) => !p.queryTypes.includes(t)), 'validation types are support types');
      const cfg = rl2.config(p.base);
      assert.deepStrictEqual(cfg.queryTypes, p.validationTypes);
      assert.deepStrictEqual(cfg.heldOutTypes, p.queryTypes);
      assert.deepStrictEqual(p.queryTypes, rl2.config(rl2.sizes(scale).config).queryTypes, 'the experiment\'s own query types are held out');
      const support = rl2.trainingTypes(cfg);
      for (const t of [...p.validationTypes, ...p.queryTypes]) assert.ok(!support.includes(t), `type ${t} would be trained on`);
      assert.strictEqual(support.length, 24 - p.validationTypes.length - p.queryTypes.length);
      if (scale === 'paper') {
        for (const m of rl2.RL2_METHODS) assert.ok(p.stepSizes.includes(getPath(rl2.config({}), TUNED_PATHS[m]) as number), `${m}'s default is in the grid`);
      }
    });
  }

  it('rejects held-out types that are query types or out of range, naming the field', () => {
    assert.throws(() => rl2.config({ queryTypes: [3], heldOutTypes: [3, 4] }), /"heldOutTypes" must not hold a query type, got \[3\]/);
    assert.throws(() => rl2.config({ heldOutTypes: [24] }), /"heldOutTypes\[0\]" must be a type index in \[0, 24\)/);
    assert.throws(() => rl2.config({ queryTypes: [0], heldOutTypes: Array.from({ length: 23 }, (_, i) => i + 1) }), /"queryTypes" with heldOutTypes must leave at least one support type/);
  });

  it('applies each method\'s chosen step size over the overrides', () => {
    const o = withChosen({ iterations: 7, rl2: { hidden: 8 } }, { rl2: { 'rl2.adam.lr': 0.01 }, dr: { 'vpg.adam.lr': 0.001 } });
    const cfg = rl2.config(o);
    assert.deepStrictEqual([cfg.iterations, cfg.rl2.hidden, cfg.rl2.adam.lr, cfg.vpg.adam.lr, cfg.sysid.vpg.adam.lr], [7, 8, 0.01, 0.001, 0.01]);
  });

  it('smoke: the quick tuning runs every (method, step size, seed) once, chooses within the grid, and loads from the cache the second time', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl2-tuning-'));
    const lines: string[] = [];
    try {
      const t = await tune('quick', { dataDir, workers: 1, log: (l) => lines.push(l) });
      const p = t.plan;
      for (const m of rl2.RL2_METHODS) {
        assert.strictEqual(t.scores[m]!.length, p.stepSizes.length * p.seeds.length, `${m}: one score per (step size, seed)`);
        assert.ok(p.stepSizes.includes(Number(t.chosen[m]![TUNED_PATHS[m]])));
        const run = t.sweeps[m]!.runs[0];
        assert.deepStrictEqual(run.config.methods, [m]);
        assert.deepStrictEqual([...new Set(run.tables.eval.map((r) => r.query))], p.validationTypes);
      }
      assert.match(lines.join('\n'), /6 units: 6 computed, 0 from the cache/);
      lines.length = 0;
      await tune('quick', { dataDir, workers: 1, log: (l) => lines.push(l) });
      assert.match(lines.join('\n'), /6 units: 0 computed, 6 from the cache/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reports each choice against the default, and says when a choice sits at the edge of the grid', () => {
    const p = plan('paper');
    // rl2 best at 0.01, sysid at 0.0003 (the edge), dr at 0.003; 2 seeds each
    const best: Record<string, number> = { rl2: 0.01, sysid: 0.0003, dr: 0.003 };
    const t: Tuning = { plan: { ...p, seeds: [0, 1] }, sweeps: {}, scores: {}, chosen: {} };
    for (const m of rl2.RL2_METHODS) {
      const key = TUNED_PATHS[m];
      t.scores[m] = p.stepSizes.flatMap((lr) => [0, 1].map((seed): Row => ({ [key]: lr, seed, score: (lr === best[m] ? -10 : -40) + seed })));
      t.chosen[m] = { [key]: best[m] };
    }
    const rows = choiceTable(t);
    assert.deepStrictEqual(rows.map((r) => [r.method, r.chosen, r.default, r.settings, r.seeds]), [
      ['RL²', 0.01, 0.003, 5, 2], ['system identification', 0.0003, 0.01, 5, 2], ['domain randomisation (joint training)', 0.003, 0.01, 5, 2],
    ]);
    assert.match(String(rows[0]['score (chosen)']), /^-9\.50 \[/);
    const s = describeChoice(t);
    assert.match(s, /Each of the 3 methods tried the same 5 step sizes \(0\.0003, 0\.001, 0\.003, 0\.01, 0\.03\) over 2 seed\(s\)/);
    assert.match(s, /system identification 0\.0003 \(the smallest tried\), default 0\.01/);
    assert.match(s, /A choice at the edge of the grid/);
    const fig = tuningFigure(t);
    assert.strictEqual(fig.data.filter((d) => d.mode === 'lines+markers').length, 3);
    assert.strictEqual(fig.data.filter((d) => d.mode === 'markers').length, 3);
  });
});
