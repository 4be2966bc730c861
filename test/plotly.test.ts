import * as assert from 'assert';
import { bandFigure, bandsBy, summaryBand, populationFigure, remappingFigure, trajectoryFigure } from '../lib/report/charts';
import { particleConfig } from '../lib/envs/particle';
import { figureHtml, resetPlotlySession, show, SPEC_END, SPEC_START, specJson } from '../lib/report/plotly';
import { Rng } from '../lib/core/rng';
import { rolloutOne } from '../lib/policies/rollout';
import { initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { summarize } from '../lib/core/stats';
import { testbed, testbedConfig } from '../lib/envs/testbed';

function specOf(html: string): { data: unknown[]; layout: Record<string, unknown> } {
  const i = html.indexOf(SPEC_START), j = html.indexOf(SPEC_END);
  return JSON.parse(html.slice(i + SPEC_START.length, j));
}

describe('plotly output', () => {
  beforeEach(() => resetPlotlySession());

  it('embeds plotly.js in the first figure of a session only', () => {
    const outputs: string[] = [];
    const display = { html: (s: string) => outputs.push(s) };
    show(display, { data: [{ type: 'scatter', x: [1], y: [2] }] });
    show(display, { data: [{ type: 'scatter', x: [1], y: [2] }] });
    assert.ok(outputs[0].includes('var define, module, exports'), 'the bundle hides AMD/CommonJS globals');
    assert.ok(outputs[0].length > 1e6, 'the first output carries plotly.js');
    assert.ok(outputs[1].length < 5000, 'later outputs do not');
    assert.notStrictEqual(outputs[0].match(/id="([^"]+)"/)![1], outputs[1].match(/id="([^"]+)"/)![1]);
  });

  it('writes the spec as JSON that survives </script> in strings and typed arrays', () => {
    const html = figureHtml({ data: [{ type: 'scatter', x: new Float32Array([0.1, 2]), y: [1, NaN], name: '</script><b>' }] }, 'p1', false);
    assert.ok(!html.includes('</script><b>'));
    const spec = specOf(html);
    const trace = spec.data[0] as Record<string, unknown>;
    assert.deepStrictEqual(trace.x, [0.1, 2]);
    assert.deepStrictEqual(trace.y, [1, null]);
    assert.strictEqual(trace.name, '</script><b>');
    assert.match(html, /data-traces="1"/);
  });

  it('keeps six significant digits to keep outputs small', () => {
    assert.strictEqual(specJson({ data: [{ y: [Math.PI] }] }), '{"data":[{"y":[3.14159]}]}');
  });

  it('rejects something that is not a figure', () => {
    assert.throws(() => show({ html: () => undefined }, {} as never), /expected a figure/);
  });
});

describe('figure builders', () => {
  const bed = testbed(testbedConfig());

  it('draws one panel per latent group with two traces per action', () => {
    const f = populationFigure(bed.types);
    assert.strictEqual(f.data.length, 6 * 4 * 2);
    assert.deepStrictEqual((f.layout!.grid as Record<string, unknown>).rows, 2);
    const one = remappingFigure([[bed.types[0]]], ['t0']);
    // arrow of "left" ends at the mean displacement in step units
    const t = bed.types[0], x = (one.data[0].x as number[])[1];
    const dir = [[-1, 0], [1, 0], [0, -1], [0, 1]][t.perm[0]];
    assert.ok(Math.abs(x - (dir[0] + t.drift[0] * -dir[1])) < 1e-12);
  });

  it('draws each episode from the start, plus start and target markers', () => {
    const b = rolloutOne(initParams(PAPER_POLICY, new Rng(0)), [0, 1], 2, bed.dyn, PAPER_POLICY, new Rng(1));
    const f = trajectoryFigure(b, [{ name: 'a', rows: [0, 1], color: 'red' }, { name: 'b', rows: [2, 3], color: 'blue' }], particleConfig());
    assert.strictEqual(f.data.length, 4 + 2);
    assert.deepStrictEqual([(f.data[0].x as number[])[0], (f.data[0].y as number[])[0]], [0, 0]);
    assert.strictEqual((f.data[0].x as number[]).length, b.lengths[0] + 1);
  });

  it('turns summaries over seeds into a line with its 95% band', () => {
    const rows = [0, 1, 2].flatMap((seed) => [0, 1].map((update) => ({ seed, update, return: update * 10 + seed })));
    const s = summarize(rows, ['update'], 'return');
    assert.deepStrictEqual(s.map((r) => r.mean), [1, 11]);
    const f = bandFigure([summaryBand(s, 'update', { name: 'mean' })]);
    assert.strictEqual(f.data.length, 2);
    assert.deepStrictEqual(f.data[1].y, [1, 11]);
    // The band spans the 95% t-interval: 1 ± t(2) * sd / sqrt(3) with sd = 1.
    const h = 4.303 / Math.sqrt(3);
    assert.deepStrictEqual((f.data[0].y as number[]).map((v) => +v.toFixed(9)), [1 + h, 11 + h, 11 - h, 1 - h].map((v) => +v.toFixed(9)));
  });

  it('draws one band per group, summarising each group over its rows', () => {
    const rows = [0, 1, 2].flatMap((seed) => ['a', 'b'].map((g) => ({ seed, g, update: 0, v: g === 'a' ? seed : 10 })));
    const bands = bandsBy(rows, 'v', 'update', 'g');
    assert.deepStrictEqual(bands.map((b) => [b.name, b.mean[0], b.lo[0] === b.hi[0]]), [['a', 1, false], ['b', 10, true]]);
  });
});
