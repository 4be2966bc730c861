import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../lib/core/rng';
import { decodeResult, encodeResult } from '../lib/experiments/executors/executor';
import { LocalExecutor } from '../lib/experiments/executors/local';
import { runExperiment } from '../lib/experiments/runner';
import { grid, randomSearch, roundSignificant, runSweep, setPath } from '../lib/experiments/sweep';
import { bestSetting, rankSettings, sweepFigure } from '../lib/report/sweep';
import { countingExperiment, twoTableExperiment } from './fixtures/counting-experiment';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-sweep-'));
}

const quiet = () => undefined;

describe('sweeps', () => {
  it('builds a grid as the product of the values, the first path varying slowest', () => {
    assert.deepStrictEqual(grid({ a: [1, 2], 'b.c': ['x', 'y', 'z'] }), [
      { a: 1, 'b.c': 'x' }, { a: 1, 'b.c': 'y' }, { a: 1, 'b.c': 'z' },
      { a: 2, 'b.c': 'x' }, { a: 2, 'b.c': 'y' }, { a: 2, 'b.c': 'z' },
    ]);
    assert.throws(() => grid({ a: [] }), /sweep grid: "a" must list at least one value/);
  });

  it('draws random-search points from the seed alone, inside their ranges, rounded to 3 digits', () => {
    const space = { lr: { logUniform: [1e-3, 1e-1] as [number, number] }, eps: { uniform: [0, 1] as [number, number] }, k: { int: [2, 4] as [number, number] }, m: { choice: ['a', 'b'] } };
    const a = randomSearch(space, 200, new Rng(7)), b = randomSearch(space, 200, new Rng(7));
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(randomSearch(space, 200, new Rng(8)), a);
    for (const p of a) {
      assert.ok(Number(p.lr) >= 1e-3 && Number(p.lr) <= 0.1 && Number(p.eps) >= 0 && Number(p.eps) <= 1);
      assert.strictEqual(Number(p.lr), roundSignificant(Number(p.lr)));
      assert.ok([2, 3, 4].includes(Number(p.k)) && ['a', 'b'].includes(String(p.m)));
    }
    assert.deepStrictEqual(new Set(a.map((p) => p.k)), new Set([2, 3, 4]), 'both ends of an int range are drawn');
    // log-uniform: about half the draws below the geometric middle 0.01
    const below = a.filter((p) => Number(p.lr) < 0.01).length;
    assert.ok(below > 70 && below < 130, `${below} of 200 below 0.01`);
    assert.strictEqual(roundSignificant(0.0123456), 0.0123);
    assert.throws(() => randomSearch({ lr: { logUniform: [0, 1] } }, 3, new Rng(0)), /random search: "lr" needs a range \[lo, hi\] with lo <= hi and lo > 0/);
  });

  it('sets a dotted config path on a copy, creating sections', () => {
    const base = { vpg: { lr: 1 }, K: 3 };
    assert.deepStrictEqual(setPath(base, 'vpg.gamma', 0.5), { vpg: { lr: 1, gamma: 0.5 }, K: 3 });
    assert.deepStrictEqual(base, { vpg: { lr: 1 }, K: 3 }, 'the base is not changed');
  });

  it('gives one tidy table with the swept paths as columns, each (setting, seed) cached like a single run', async () => {
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const points = grid({ updates: [1, 2] });
    const s = await runSweep(countingExperiment, { logFile }, points, { seeds: 2, workers: 1, dataDir, log: quiet });
    assert.deepStrictEqual(s.params, ['updates']);
    assert.deepStrictEqual([s.computed, s.cached], [4, 0]);
    // updates u gives rows for update 0..u, per seed
    assert.deepStrictEqual(s.rows.map((r) => [r.updates, r.seed, r.update]), [
      [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1],
      [2, 0, 0], [2, 0, 1], [2, 0, 2], [2, 1, 0], [2, 1, 1], [2, 1, 2],
    ]);
    assert.deepStrictEqual(Object.keys(s.rows[0]).slice(0, 3), ['updates', 'seed', 'update']);
    // A single run at one of the settings is a cache hit, with the same rows.
    const single = await runExperiment(countingExperiment, { logFile, updates: 2 }, { seeds: 2, workers: 1, dataDir, log: quiet });
    assert.deepStrictEqual(single.computed, []);
    assert.deepStrictEqual(single.rows, s.rows.filter((r) => r.updates === 2).map(({ updates: _u, ...r }) => r));
    // Widening the grid computes only the new setting's units.
    const wider = await runSweep(countingExperiment, { logFile }, grid({ updates: [1, 2, 3] }), { seeds: 2, workers: 1, dataDir, log: quiet });
    assert.deepStrictEqual([wider.computed, wider.cached], [2, 4]);
    assert.strictEqual(fs.readFileSync(logFile, 'utf8').trim().split('\n').length, 6, 'six units ran in all');
  });

  it('gives identical rows on 2 worker threads and in this thread, for every table', async () => {
    const points = grid({ n: [2, 3] });
    const serial = await runSweep(twoTableExperiment, {}, points, { seeds: 3, workers: 1, dataDir: tmpDir(), log: quiet });
    const lines: string[] = [];
    const parallel = await runSweep(twoTableExperiment, {}, points, { seeds: 3, workers: 2, dataDir: tmpDir(), log: (l) => lines.push(l), progressEveryMs: 0 });
    assert.deepStrictEqual(parallel.tables, serial.tables);
    assert.deepStrictEqual(parallel.tables.summary.map((r) => [r.n, r.seed, r.total]), [[2, 0, 1], [2, 1, 21], [2, 2, 41], [3, 0, 3], [3, 1, 33], [3, 2, 63]]);
    assert.ok(lines.some((l) => l.includes('computing on 2 worker threads')), lines.join('\n'));
    const last = lines.filter((l) => l.includes('units (')).pop() ?? '';
    assert.match(last, /6\/6 units \(100%\).*workers seen: [12]/);
  });

  it('rejects a path that is not a setting, naming the settings, and two points with the same config', async () => {
    await assert.rejects(runSweep(countingExperiment, {}, grid({ 'vpg.lr': [0.1] }), { seeds: 1, dataDir: tmpDir(), log: quiet }),
      /counting sweep: "vpg.lr" is not a setting of counting's config \(settings: updates, logFile, sleepMs\)/);
    await assert.rejects(runSweep(countingExperiment, {}, [{ updates: 2 }, { updates: 2 }], { seeds: 1, dataDir: tmpDir(), log: quiet }),
      /"points\[1\]" \{"updates":2\} gives the same config as points\[0\]/);
    await assert.rejects(runSweep(countingExperiment, {}, grid({ updates: [0] }), { seeds: 1, dataDir: tmpDir(), log: quiet }),
      /"points\[0\]" \{"updates":0\} is not a valid setting: counting config: "updates" must be an integer >= 1, got 0/);
  });

  it('loads a fully cached sweep without starting a thread or a backend', async () => {
    const dataDir = tmpDir();
    await runSweep(countingExperiment, {}, grid({ updates: [1] }), { seeds: 2, workers: 2, dataDir, log: quiet });
    const lines: string[] = [];
    const again = await runSweep(countingExperiment, {}, grid({ updates: [1] }), { seeds: 2, workers: 2, dataDir, log: (l) => lines.push(l) });
    assert.strictEqual(again.computed, 0);
    assert.ok(!lines.some((l) => l.includes('computing on')), lines.join('\n'));
  });
});

describe('local executor', () => {
  it('runs several runs at once on one pool and fails only the run whose result cannot be written', async () => {
    const ex = new LocalExecutor({ threads: 2, backend: 'wasm', find: () => twoTableExperiment as never, label: 'test', log: quiet });
    try {
      const job = (seed: number, badName = false) => ({ experiment: 'two-tables', version: 1, config: { n: 2, badName }, hash: 'h', seed, backend: 'wasm' as const });
      const got: number[] = [];
      const ok = ex.run([job(0), job(1), job(2)], (o) => { got.push(o.job.seed); });
      const bad = ex.run([job(5, true)], (o) => {
        // The unit returns a table whose name the runner would reject; here the coordinator's writer throws.
        if (Object.keys(o.result as object).includes('bad name')) throw new Error(`seed ${o.job.seed}: bad table name`);
      });
      await assert.rejects(bad, /seed 5: bad table name/);
      await ok;
      assert.deepStrictEqual(got.sort(), [0, 1, 2]);
      assert.ok(ex.workersSeen >= 1 && ex.workersSeen <= 2);
    } finally {
      await ex.close();
    }
  });

  it('reports a unit that throws in a worker thread with its experiment and seed', async () => {
    const ex = new LocalExecutor({ threads: 1, backend: 'wasm', find: () => countingExperiment as never, label: 'test', log: quiet });
    try {
      await assert.rejects(ex.run([{ experiment: 'counting', version: 1, config: { updates: 1, logFile: '/nonexistent-dir/ran.log', sleepMs: 0 }, hash: 'h', seed: 3, backend: 'wasm' }], quiet),
        /counting seed 3 failed in worker thread 1: /);
    } finally {
      await ex.close();
    }
  });

  it('carries NaN and infinities through the text encoding of results', () => {
    const r = { t: [{ a: NaN, b: -Infinity, c: 0.1 + 0.2, d: 'x', e: true }] };
    const back = decodeResult(encodeResult(r)) as typeof r;
    assert.ok(Number.isNaN(back.t[0].a));
    assert.strictEqual(back.t[0].b, -Infinity);
    assert.strictEqual(back.t[0].c, 0.1 + 0.2);
    assert.deepStrictEqual([back.t[0].d, back.t[0].e], ['x', true]);
  });
});

describe('sweep report', () => {
  // metric = 10 * a - b + seed, two seeds: means 10a - b + 0.5
  const rows = grid({ a: [1, 2], b: [0, 1, 2] }).flatMap((p) => [0, 1].map((seed) => ({ ...p, seed, score: 10 * Number(p.a) - Number(p.b) + seed })));

  it('ranks settings by their mean over seeds and picks the best', () => {
    assert.deepStrictEqual(bestSetting(rows, ['a', 'b'], 'score'), { a: 2, b: 0 });
    assert.deepStrictEqual(bestSetting(rows, ['a', 'b'], 'score', false), { a: 1, b: 2 });
    const ranked = rankSettings(rows, ['a', 'b'], 'score');
    assert.deepStrictEqual(ranked.map((r) => [r.rank, r.a, r.b, r.seeds]), [[1, 2, 0, 2], [2, 2, 1, 2], [3, 2, 2, 2], [4, 1, 0, 2], [5, 1, 1, 2], [6, 1, 2, 2]]);
    assert.strictEqual(ranked[0].score, '20.50 [14.15, 26.85]'); // mean of 20 and 21, t(1) = 12.706
  });

  it('draws one panel per parameter, one band per setting of the others, log axes where asked', () => {
    const fig = sweepFigure(rows, ['a', 'b'], 'score', { logX: ['b'], labels: { a: 'alpha' } });
    const lines = fig.data.filter((t) => t.mode === 'lines+markers');
    // panel a: one band per b (3), panel b: one band per a (2)
    assert.strictEqual(lines.length, 5);
    const first = lines[0] as { name: string; x: number[]; y: number[] };
    assert.strictEqual(first.name, 'b = 0');
    assert.deepStrictEqual([first.x, first.y], [[1, 2], [10.5, 20.5]]);
    assert.deepStrictEqual((fig.layout!.xaxis2 as { type: string }).type, 'log');
    assert.deepStrictEqual((fig.layout!.xaxis as { title: { text: string } }).title.text, 'alpha');
    // With too many settings of the others, one band of their mean within each seed.
    const marginal = sweepFigure(rows, ['a', 'b'], 'score', { maxSeries: 1 }).data.filter((t) => t.mode === 'lines+markers') as { x: number[]; y: number[] }[];
    assert.deepStrictEqual([marginal[0].x, marginal[0].y], [[1, 2], [9.5, 19.5]]);
    assert.throws(() => sweepFigure(rows, ['c'], 'score'), /rows have no column "c"/);
  });
});
