/**
 * Results as danfojs DataFrames: `run.frame(table)` on every run, typed columns, and
 * `showFrame`'s HTML table.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { columnDtype, Frame, fromFrame, toFrame } from '../lib/experiments/results';
import { runExperiment } from '../lib/experiments/runner';
import { frameHtml, showFrame } from '../lib/report/tables';
import { twoTableExperiment } from './fixtures/counting-experiment';

describe('results as DataFrames', function () {
  this.timeout(60_000);

  it('run.frame(table) is that table over all seeds, typed, ready for a groupby/mean', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-frames-'));
    const run = await runExperiment(twoTableExperiment, { n: 3 }, { seeds: 3, workers: 1, dataDir, log: () => undefined });
    const points: Frame = run.frame('points');
    assert.deepStrictEqual(points.columns, ['seed', 'i', 'v']);
    assert.deepStrictEqual(points.dtypes, ['int32', 'int32', 'int32']);
    assert.deepStrictEqual(points.shape, [9, 3]);
    // v = 10 seed + i, so over seeds 0, 1, 2 the mean of v at each i is 10 + i.
    const means = points.groupby(['i']).col(['v']).mean();
    assert.deepStrictEqual(fromFrame(means), [{ i: 0, v_mean: 10 }, { i: 1, v_mean: 11 }, { i: 2, v_mean: 12 }]);
    assert.deepStrictEqual(fromFrame(run.frame('summary')), [{ seed: 0, total: 3 }, { seed: 1, total: 33 }, { seed: 2, total: 63 }]);
    assert.deepStrictEqual(fromFrame(run.frame()), fromFrame(points), 'without a name: the table of run.rows');
    assert.throws(() => (run.frame as (table: string) => Frame)('point'), new RegExp(`two-tables run ${run.hash}: no table "point"; its tables are "points", "summary"`));
  });

  it('types each column from its values: int32, float32 (non-integers, NaN, beyond int32), string, boolean', () => {
    const df = toFrame([
      { n: 1, x: 0.5, big: 2 ** 40, name: 'CAML', ok: true, gap: 1 },
      { n: -2, x: NaN, big: 3, name: '', ok: false },
    ]);
    assert.deepStrictEqual(df.columns, ['n', 'x', 'big', 'name', 'ok', 'gap']);
    assert.deepStrictEqual(df.dtypes, ['int32', 'float32', 'float32', 'string', 'boolean', 'int32']);
    assert.deepStrictEqual(df.column('big').values, [2 ** 40, 3], 'numbers stay exact JavaScript numbers');
    const gap = df.column('gap').values as number[];
    assert.ok(gap[0] === 1 && Number.isNaN(gap[1]), 'a missing number is NaN');
    assert.strictEqual(columnDtype([undefined, 'a'], 'c'), 'string');
    // Non-finite numbers come back from CSV as strings: among numbers they are numbers again.
    const csv = toFrame([{ ess: 0 }, { ess: 'NaN' }, { ess: 'Infinity' }, { ess: 2 }]);
    assert.deepStrictEqual(csv.dtypes, ['float32']);
    assert.deepStrictEqual(csv.column('ess').values, [0, NaN, Infinity, 2]);
    assert.deepStrictEqual(toFrame([{ s: 'NaN' }, { s: 'x' }]).dtypes, ['string'], 'a string column keeps the string "NaN"');
  });

  it('refuses a column that mixes kinds, naming the column and the row', () => {
    assert.throws(() => toFrame([{ method: 'CAML', r: 1 }, { method: 'MAML', r: 'n/a' }], 'fig1 run, table "eval"'),
      /fig1 run, table "eval": column "r" mixes number and string values \(row 2: "n\/a"\); a column has one type/);
    assert.throws(() => toFrame([], 'x'), /x: no rows/);
  });

  it('showFrame displays one plain HTML table with dtypes, the shape, formatted numbers and a row limit', () => {
    const df = toFrame(Array.from({ length: 5 }, (_, i) => ({ method: i % 2 ? 'CAML' : 'MAML <b>', update: i, return: -30 + i / 3 })));
    const html = frameHtml(df, { caption: 'mean return', maxRows: 3, digits: 2 });
    assert.ok(html.startsWith('<table class="metarl-table" data-metarl-frame="5x3"'), html.slice(0, 80));
    assert.ok(html.includes('<caption style="caption-side:top;text-align:left">mean return (5 rows × 3 columns)</caption>'));
    assert.ok(html.includes('<th title="string">method</th><th title="int32">update</th><th title="float32">return</th>'));
    assert.ok(html.includes('<tr><td>MAML &lt;b&gt;</td><td>0</td><td>-30.00</td></tr>'));
    assert.ok(html.includes('<tr><td>CAML</td><td>1</td><td>-29.67</td></tr>'));
    assert.strictEqual((html.match(/<tr><td>/g) ?? []).length, 3, 'three rows shown');
    assert.ok(html.includes('… 2 more rows'));
    assert.ok(!/<script/i.test(html), 'no script: the table shows wherever HTML does (export, GitHub)');
    const shown: string[] = [];
    showFrame({ html: (s) => shown.push(s) }, df);
    assert.strictEqual(shown.length, 1);
    assert.ok(shown[0].includes('>5 rows × 3 columns</caption>') && !shown[0].includes('more rows'));
  });
});
