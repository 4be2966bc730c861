import * as assert from 'assert';
import * as bomrl from '../lib/experiments/bomrl';
import { describeClaims, describeSampling, describeTuning, gapFigure, samplingTable, settingTable, stepTable, tasksFigure, trainingFigure, tuningTable, varianceTable } from '../lib/report/bomrl';
import { hasPath } from '../lib/envs/lake';

describe('BO-MRL optimality-gap experiment', () => {
  const tiny = bomrl.config({
    ...bomrl.sizes('quick').config,
    high: { train: 3, test: 2 },
    low: { train: 3, test: 2 },
    iterations: 3,
    logEvery: 1,
    tuning: { kl: [0.3, 1], npg: [0.3, 1], pg: [0.01, 0.03], maml: [3, 10] },
    variance: { steps: 5 },
    sampledTraining: { episodes: 3 },
    evaluation: { episodes: 3 },
  });
  const t = bomrl.unit(tiny, 0);

  it('a tiny-budget run gives every table, every method, both modes and every step', () => {
    assert.deepStrictEqual(Object.keys(t).sort(), ['eval', 'tasks', 'training', 'tuning', 'variance']);
    assert.strictEqual(t.tasks.length, 2 * (3 + 2));
    for (const r of t.tasks) assert.ok(hasPath(String(r.map).split('/')));
    const exact = t.eval.filter((r) => r.train === 'exact');
    // 2 distributions x 6 methods x 2 modes x 2 test tasks x (adaptSteps + 1) steps
    assert.strictEqual(exact.length, 2 * 6 * 2 * 2 * (tiny.adaptSteps + 1));
    assert.strictEqual(t.eval.filter((r) => r.train === 'sampled').length, 2 * 2 * 2 * 2 * (tiny.adaptSteps + 1));
    for (const r of t.eval) {
      assert.ok(Number.isFinite(r.J as number) && (r.gap as number) >= -1e-9, `J ${r.J} at most J* ${r.Jstar}`);
      assert.ok(Math.abs((r.Jstar as number) - (r.J as number) - (r.gap as number)) < 1e-12);
    }
    // every grid value is trained, exactly one kept per (distribution, method), by the sampled criterion
    for (const r of t.tuning.filter((r) => r.method !== 'joint' && r.method !== 'random')) assert.ok(Number.isFinite(r.criterion as number));
    assert.strictEqual(t.tuning.filter((r) => r.method === 'bomrl-kl').length, 2 * 2);
    for (const dist of ['high', 'low']) for (const m of bomrl.METHODS) assert.strictEqual(t.tuning.filter((r) => r.dist === dist && r.method === m && r.chosen).length, 1);
    assert.deepStrictEqual([...new Set(t.training.map((r) => r.iteration))], [0, 1, 2, 3]);
  });

  it('is a pure function of (config, seed)', () => {
    assert.deepStrictEqual(bomrl.unit(tiny, 0).eval, t.eval);
    assert.notDeepStrictEqual(bomrl.unit(tiny, 1).tasks, t.tasks);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => bomrl.config({ tuning: { kl: [0.1, 0] } }), /bomrl config: "tuning.kl\[1\]" must be a finite number > 0, got 0/);
    assert.throws(() => bomrl.config({ tuning: { maml: [1] } }), /"tuning.maml" must have as many values as "kl" \(5: the same tuning budget\), got 1/);
    assert.throws(() => bomrl.config({ lake: { gamma: 1.5 } }), /"lake.gamma" must be a finite number in \(0, 1\), got 1.5/);
    assert.throws(() => bomrl.config({ methods: ['bomrl-l1'] } as never), /"methods\[0\]" must be one of "bomrl-kl"/);
  });

  it('turns the rows into the figures, tables and claim sentences', () => {
    const withSeed = <R extends object>(rows: readonly R[], seed: number) => rows.map((r) => ({ seed, ...r }));
    const t1 = bomrl.unit(tiny, 1);
    const evalRows = [...withSeed(t.eval, 0), ...withSeed(t1.eval, 1)];
    const variance = [...withSeed(t.variance, 0), ...withSeed(t1.variance, 1)];
    const fig = gapFigure(evalRows, tiny);
    assert.strictEqual((fig.layout!.sliders as unknown[]).length, 1);
    assert.ok(fig.data.length > 0);
    assert.ok(trainingFigure([...withSeed(t.training, 0), ...withSeed(t1.training, 1)], [...withSeed(t.tasks, 0), ...withSeed(t1.tasks, 1)]).data.length > 0);
    assert.strictEqual(tasksFigure(withSeed(t.tasks, 0), 0, 2).data.length, 4);
    assert.strictEqual(stepTable(evalRows, 1).length, 2 * 2 * 6);
    assert.strictEqual(tuningTable([...withSeed(t.tuning, 0), ...withSeed(t1.tuning, 1)]).length, 2 * 4);
    assert.strictEqual(varianceTable(variance, evalRows, tiny.adaptSteps).length, 2);
    assert.strictEqual(samplingTable(evalRows).length, 2 * 2 * 2);
    assert.strictEqual(describeSampling(evalRows, tiny).length, 2 * 2);
    assert.ok(settingTable(tiny, 2).length >= 8);
    assert.match(describeTuning([...withSeed(t.tuning, 0), ...withSeed(t1.tuning, 1)]), /^In \d+ of 16 \(seed, distribution, method\) tunings the kept value is at an end of its grid/);
    const lines = describeClaims(evalRows, variance, tiny);
    assert.ok(lines.some((l) => /^Claim 1, BO-MRL above MAML after one adaptation step: holds in \d+ of 12 paired comparisons/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^Claim 2, .* for \d+ of 12 BO-MRL curves/.test(l)));
    assert.ok(lines.some((l) => /^Claim 3, .* for \d+ of 6 comparisons/.test(l)));
  });
});
