import * as assert from 'assert';
import { adamConfig, adamInit, adamStep } from '../lib/core/adam';
import { formatDuration, Progress, progressLine } from '../lib/core/progress';
import { scale } from '../lib/core/scale';
import { meanBy, meanCI, pairedComparison, summarize, tCritical95 } from '../lib/core/stats';
import { describeChange } from '../lib/report/format';
import { htmlTable, runSummaryHtml } from '../lib/report/tables';

describe('statistics over seeds', () => {
  it('gives the 95% t-interval by hand: mean 2, sd 1, n 3 -> 2 +/- 4.303/sqrt(3)', () => {
    const ci = meanCI([1, 2, 3]);
    assert.strictEqual(ci.mean, 2);
    assert.ok(Math.abs(ci.hi - (2 + 4.303 / Math.sqrt(3))) < 1e-12);
    assert.strictEqual(tCritical95(4), 2.776);
    assert.strictEqual(tCritical95(100), 1.96);
    assert.deepStrictEqual(meanCI([5]), { mean: 5, lo: 5, hi: 5, n: 1 });
  });

  it('summarises a value per group and sorts by the group columns', () => {
    const rows = [{ u: 1, v: 4 }, { u: 0, v: 1 }, { u: 1, v: 6 }, { u: 0, v: 3 }];
    const s = summarize(rows, ['u'], 'v');
    assert.deepStrictEqual(s.map((r) => [r.u, r.mean, r.n]), [[0, 2, 2], [1, 5, 2]]);
    assert.deepStrictEqual(meanBy(rows, ['u'], 'v').map((r) => r.v), [5, 2]);
    assert.match(describeChange(s, 'u', 'value'), /^value goes from 2.00 \[.*\] at u 0 to 5.00 \[.*\] at u 1 \(n = 2/);
  });

  it('calls a paired difference a win, a loss or a tie from its interval', () => {
    const a = new Map([[0, 10], [1, 11], [2, 12]]);
    assert.strictEqual(pairedComparison(a, new Map([[0, 5], [1, 6], [2, 7.5]])).verdict, 'wins');
    assert.strictEqual(pairedComparison(new Map([[0, 5], [1, 6], [2, 7.5]]), a).verdict, 'loses');
    assert.strictEqual(pairedComparison(a, new Map([[0, 12], [1, 9], [2, 12]])).verdict, 'ties');
    assert.strictEqual(pairedComparison(a, new Map([[7, 0]])).n, 0, 'only seeds present in both count');
  });
});

describe('Adam', () => {
  it('takes a first step of exactly lr against the gradient sign (bias-corrected)', () => {
    const r = adamStep(new Float32Array([1, -1, 0]), new Float32Array([0.5, -3, 0]), adamInit(3), adamConfig({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 }));
    assert.ok(Math.abs(r.theta[0] - 0.9) < 1e-6 && Math.abs(r.theta[1] + 0.9) < 1e-6 && r.theta[2] === 0);
    assert.strictEqual(r.state.t, 1);
    assert.ok(Math.abs(r.state.m[0] - 0.05) < 1e-7);
    assert.throws(() => adamStep(new Float32Array(2), new Float32Array(3), adamInit(2), adamConfig({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 })), /lengths differ/);
  });
});

describe('progress lines', () => {
  it('reports done / total, rate and ETA, and a final line', () => {
    assert.strictEqual(progressLine('fig4', 2, 8, 4000), '[fig4] 2/8 units (25%) | 2s each | ETA 12s');
    assert.strictEqual(progressLine('fig4', 8, 8, 65000, 'seeds'), '[fig4] 8/8 seeds (100%) | 8s each | done in 1m 05s');
    assert.strictEqual(formatDuration(3725000), '1h 02m');
  });

  it('throttles lines but always writes the last one', () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({ label: 'x', total: 3, everyMs: 1000, write: (l) => lines.push(l), now: () => t });
    t = 10;
    p.tick();
    t = 20;
    p.tick();
    t = 30;
    p.tick();
    assert.strictEqual(lines.length, 2);
    assert.match(lines[1], /3\/3 units \(100%\)/);
  });

  it('stays silent, the last line included, when the work ends before quietUnderMs', () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({ label: 'unit', total: 4, everyMs: 100, quietUnderMs: 100, write: (l) => lines.push(l), now: () => t });
    t = 50;
    p.tick();
    t = 99;
    p.tick();
    assert.deepStrictEqual(lines, []);
    t = 150;
    p.tick();
    t = 160;
    p.tick();
    assert.deepStrictEqual(lines, ['[unit] 3/4 units (75%) | 20.0 units/s | ETA 50ms', '[unit] 4/4 units (100%) | 25.0 units/s | done in 160ms']);
  });

  it('grows its total when work is added, and appends the detail (workers seen)', () => {
    let t = 0;
    const lines: string[] = [];
    const p = new Progress({ label: 'sweep', total: 2, everyMs: 0, write: (l) => lines.push(l), now: () => t, detail: () => 'workers seen: 3' });
    p.setTotal(4);
    t = 1000;
    p.tick();
    assert.strictEqual(lines[0], '[sweep] 1/4 units (25%) | 1.0 units/s | ETA 3s | workers seen: 3');
  });
});

describe('run size switch', () => {
  it('defaults to the paper scale and names LAB_SCALE when the value is wrong', () => {
    assert.strictEqual(scale({}), 'paper');
    assert.strictEqual(scale({ LAB_SCALE: 'quick' }), 'quick');
    assert.throws(() => scale({ LAB_SCALE: 'fast' }), /LAB_SCALE: expected one of quick, paper, got "fast"/);
  });
});

describe('HTML tables', () => {
  it('escapes cells and rounds numbers', () => {
    const html = htmlTable([{ method: '<b>CAML</b>', reward: -12.34567, seeds: 5 }], { digits: 2 });
    assert.ok(html.includes('&lt;b&gt;CAML&lt;/b&gt;') && html.includes('<td>-12.35</td>') && html.includes('<td>5</td>'));
  });

  it('records a run\'s provenance in an attribute the report index reads back', () => {
    const html = runSummaryHtml({ experiment: 'fig4', hash: 'abc', dir: '/d', computed: [1], cached: [0], provenance: [{ seed: 0, backend: 'wasm', gitCommit: '0123456789abcdef' }, { seed: 1, backend: 'wasm', gitCommit: '0123456789abcdef' }] });
    const attr = html.match(/data-metarl-run="([^"]*)"/)![1].replace(/&quot;/g, '"');
    assert.deepStrictEqual(JSON.parse(attr), { experiment: 'fig4', hash: 'abc', seeds: [0, 1], computed: [1], cached: [0], backend: 'wasm', gitCommit: '0123456789ab' });
  });
});
