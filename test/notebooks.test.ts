/**
 * @notebooks: the test command executes every notebook at the quick scale through the
 * same pipeline as the main job (test/quick-reports.ts, shared with the JupyterLab test),
 * so a broken notebook fails CI; then it opens every report
 * in headless Chromium (Debian's, through playwright-core) with the network blocked and
 * checks that the charts render, count their traces, and answer a hover.
 *
 * The last describe block has no @notebooks tag: quick checks of the report code without
 * a kernel or a browser (they also run under `npm run test:unit`).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { figureHtml, Figure, PLOTLY_BUNDLE } from '../lib/report/plotly';
import { runSummaryHtml } from '../lib/report/tables';
import { chromiumPath, launchChromium } from '../scripts/browser';
import { findCharts, FILE_SCALE, pngSize, renderInPage, THUMBNAIL_WIDTH, withFallbacks, Chart } from '../scripts/images';
import { Notebook, readNotebook, joinText } from '../scripts/ipynb';
import { listNotebooks } from '../scripts/main';
import { withReportStamp, writeIndex } from '../scripts/report';
import { quickReportDirs, runQuickReports } from './quick-reports';

const ROOT = path.join(__dirname, '..', '..');

// Functions passed to page.evaluate run in Chromium; tsconfig has no DOM types.
declare const window: any, document: any;

/** What a page did that a self-contained offline report must not do. */
interface PageLog {
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests that failed (a missing file, a refused URL). */
  failed: string[];
  /** Requests for anything but file: and data: URLs, aborted by the route. */
  blocked: string[];
}

/** Open a local file in a fresh context where every non-file, non-data request is aborted and counted. */
async function openOffline(browser: Browser, file: string, javaScriptEnabled = true): Promise<{ context: BrowserContext; page: Page; log: PageLog }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled, serviceWorkers: 'block' });
  const log: PageLog = { consoleErrors: [], pageErrors: [], failed: [], blocked: [] };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    log.blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') log.consoleErrors.push(`${m.text()} (${m.location().url.slice(0, 80)}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => log.pageErrors.push(e.message));
  page.on('requestfailed', (r) => {
    if (!log.blocked.includes(r.url())) log.failed.push(`${r.url().slice(0, 120)}: ${r.failure()?.errorText}`);
  });
  const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  assert.ok(response === null || response.ok(), `${file} did not load`);
  return { context, page, log };
}

function assertClean(log: PageLog, what: string): void {
  assert.deepStrictEqual(log.blocked, [], `${what}: requests to the network (blocked)`);
  assert.deepStrictEqual(log.failed, [], `${what}: failed requests`);
  assert.deepStrictEqual(log.consoleErrors, [], `${what}: console errors`);
  assert.deepStrictEqual(log.pageErrors, [], `${what}: page errors`);
}

/** In the page: the state of every chart container. */
function chartStates(): { id: string; expected: number; rendered: boolean; traces: number; fallbackLeft: boolean }[] {
  return Array.from(document.querySelectorAll('.metarl-plot')).map((el: any) => ({
    id: el.id,
    expected: Number(el.getAttribute('data-traces')),
    rendered: Boolean(el._fullLayout && el.classList.contains('js-plotly-plot') && el.querySelector('.main-svg')),
    traces: Array.isArray(el.data) ? el.data.length : -1,
    fallbackLeft: Boolean(el.querySelector('img.metarl-plot-fallback')),
  }));
}

/**
 * In the page: viewport points over data points of a drawn chart that should show a
 * hover label (cartesian traces that hover; the middle, last, first and quartile points
 * of each trace, or the subplot's centre for area traces such as heatmaps; at most 24).
 */
function hoverTargets(gd: any): { x: number; y: number; trace: number }[] {
  const fl = gd._fullLayout;
  const rect = gd.getBoundingClientRect();
  const out: { x: number; y: number; trace: number }[] = [];
  (gd.calcdata ?? []).forEach((cd: any[], i: number) => {
    const tr = cd[0]?.trace;
    if (!tr || tr.visible !== true || !tr.xaxis || !tr.yaxis) return;
    if (typeof tr.hoverinfo === 'string' && (tr.hoverinfo === 'skip' || tr.hoverinfo === 'none')) return;
    const xa = fl['xaxis' + tr.xaxis.slice(1)];
    const ya = fl['yaxis' + tr.yaxis.slice(1)];
    if (!xa || !ya) return;
    const pts = cd.filter((p: any) => Number.isFinite(p.x) && Number.isFinite(p.y));
    // Area traces (heatmap, contour, 2D histograms) have no point list: hover their subplot's centre.
    if (pts.length === 0) out.push({ x: rect.left + xa._offset + xa._length / 2, y: rect.top + ya._offset + ya._length / 2, trace: i });
    const picks = [0.5, 1, 0, 0.25, 0.75].map((f) => Math.floor(f * (pts.length - 1)));
    for (const j of picks.filter((j, n) => picks.indexOf(j) === n)) {
      const p = pts[j];
      if (!p) continue;
      const px = xa.c2p(p.x);
      const py = ya.c2p(p.y);
      if (px < 0 || px > xa._length || py < 0 || py > ya._length) continue;
      out.push({ x: rect.left + xa._offset + px, y: rect.top + ya._offset + py, trace: i });
    }
  });
  return out.slice(0, 24);
}

describe('notebooks @notebooks', function () {
  this.timeout(30 * 60 * 1000);
  // The main job's run is shared with test/jupyterlab.test.ts (whichever runs first runs it).
  let out = '';
  let status: number | null = null;

  before(() => {
    out = quickReportDirs().out;
    status = runQuickReports();
  });

  it('the main job runs every notebook at the quick scale and exits 0', () => {
    assert.strictEqual(status, 0);
  });

  for (const nb of listNotebooks()) {
    const name = path.basename(nb, '.ipynb');
    it(`${name}: executed notebook and self-contained HTML report exist, with no error outputs`, () => {
      const executed = JSON.parse(fs.readFileSync(path.join(out, `${name}.ipynb`), 'utf8'));
      const code = executed.cells.filter((c: { cell_type: string }) => c.cell_type === 'code');
      assert.ok(code.every((c: { execution_count: number | null }) => c.execution_count !== null), 'every code cell ran');
      const html = fs.readFileSync(path.join(out, `${name}.html`), 'utf8');
      assert.ok(html.includes('class="metarl-plot"'), 'the report has charts');
      assert.ok(/<table class="metarl-table" data-metarl-frame="\d+x\d+"/.test(html), 'the report shows a DataFrame table (lab.showFrame)');
      assert.ok(!/<script[^>]+src="https?:/.test(html), 'no script is fetched from the network');
    });

    it(`${name}: every chart has a PNG, an SVG and a picture fallback; the first gives the thumbnail`, () => {
      const executed = readNotebook(path.join(out, `${name}.ipynb`));
      const charts = findCharts(executed, name);
      assert.ok(charts.length > 0, 'the notebook has charts');
      const dir = path.join(out, name);
      for (const ch of charts) {
        const png = fs.readFileSync(path.join(dir, `chart-${ch.k}.png`));
        assert.deepStrictEqual(pngSize(png), { width: ch.width * FILE_SCALE, height: ch.height * FILE_SCALE }, `chart-${ch.k}.png size`);
        const svg = fs.readFileSync(path.join(dir, `chart-${ch.k}.svg`), 'utf8');
        assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `chart-${ch.k}.svg is an SVG document`);
        assert.ok(svg.includes(`width="${ch.width}"`) && svg.includes(`height="${ch.height}"`), `chart-${ch.k}.svg has the chart's size`);
        const o = executed.cells[ch.cell].outputs![ch.output];
        const html = joinText(o.data!['text/html']);
        const div = new RegExp(`<div class="metarl-plot" id="${ch.id}"[^>]*><img class="metarl-plot-fallback" src="data:image/png;base64,([A-Za-z0-9+/=]+)"`).exec(html);
        assert.ok(div, `chart ${ch.k}: its div holds the fallback picture`);
        assert.deepStrictEqual(pngSize(Buffer.from(div[1], 'base64')), { width: ch.width, height: ch.height }, `chart ${ch.k}: fallback at 1x`);
        assert.ok(html.includes('Plotly.newPlot'), `chart ${ch.k}: the interactive script is still there`);
        assert.strictEqual(o.data!['image/png'], div[1], `chart ${ch.k}: the output's image/png entry is the same picture`);
      }
      const thumb = pngSize(fs.readFileSync(path.join(dir, 'thumbnail.png')));
      assert.strictEqual(thumb.width, THUMBNAIL_WIDTH);
      assert.ok(Math.abs(thumb.height - (THUMBNAIL_WIDTH * charts[0].height) / charts[0].width) <= 1, 'thumbnail keeps the aspect ratio');
      const stamp = executed.metadata.metarl?.report as { scale?: string; ok?: boolean } | undefined;
      assert.deepStrictEqual([stamp?.scale, stamp?.ok], ['quick', true], 'the executed notebook records its scale and success');
    });
  }

  it('a failing cell makes the job exit non-zero, naming the notebook and the cell', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-broken-'));
    const nb = {
      cells: [
        { cell_type: 'markdown', id: 'm', metadata: {}, source: ['# A broken notebook'] },
        { cell_type: 'code', id: 'a', metadata: {}, execution_count: null, outputs: [], source: ['const x: number = 1;'] },
        { cell_type: 'code', id: 'b', metadata: {}, execution_count: null, outputs: [], source: ['throw new Error("deliberate failure " + x);'] },
      ],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    fs.writeFileSync(path.join(dir, 'broken.ipynb'), JSON.stringify(nb));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'main.js'), '--scale', 'quick', '--dir', dir, '--out', path.join(dir, 'out')],
      { encoding: 'utf8', env: { ...process.env, LAB_TRUST_DIR: path.join(dir, 'trust') } });
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /FAILED: .*broken\.ipynb: cell 3 \(code cell 2\), starting `throw new Error\("deliberate failure " \+ x\);`/);
    assert.match(r.stderr, /deliberate failure 1/);
    const index = fs.readFileSync(path.join(dir, 'out', 'index.html'), 'utf8');
    assert.match(index, /<tr class="failed" id="broken">/, 'the index marks the failed report');
  });

  it('writes an index of the reports', () => {
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const nb of listNotebooks()) assert.ok(index.includes(`${path.basename(nb, '.ipynb')}.html`));
  });

  describe('reports in headless Chromium, offline', function () {
    let browser: Browser;

    before(async function () {
      this.timeout(120_000);
      browser = await launchChromium();
    });

    after(async () => {
      await browser?.close();
    });

    for (const nb of listNotebooks()) {
      const name = path.basename(nb, '.ipynb');

      it(`${name}: every chart renders with its traces, hovering shows a tooltip; screenshot saved`, async function () {
        this.timeout(60_000);
        const t0 = Date.now();
        const expected = findCharts(readNotebook(path.join(out, `${name}.ipynb`)), name);
        const { context, page, log } = await openOffline(browser, path.join(out, `${name}.html`));
        try {
          await page.waitForFunction(() => Array.from(document.querySelectorAll('.metarl-plot')).every((el: any) => el._fullLayout && el.querySelector('.main-svg')), null, { timeout: 20_000 })
            .catch(() => undefined);
          const states = await page.evaluate(chartStates);
          assert.strictEqual(states.length, expected.length, 'one chart container per chart of the notebook');
          for (const s of states) {
            assert.ok(s.rendered, `chart ${s.id} holds a rendered Plotly plot`);
            assert.strictEqual(s.traces, s.expected, `chart ${s.id}: data-traces vs the plot's data length`);
            assert.ok(!s.fallbackLeft, `chart ${s.id}: the interactive plot replaced the fallback picture`);
          }
          let hovered = 0;
          for (let i = 0; i < states.length; i++) {
            const chart = page.locator('.metarl-plot').nth(i);
            await chart.scrollIntoViewIfNeeded();
            const targets = await chart.evaluate(hoverTargets);
            if (targets.length === 0) continue;
            let shown = false;
            for (const t of targets) {
              await page.mouse.move(t.x, t.y, { steps: 3 });
              shown = await chart.evaluate((el: any) => new Promise<boolean>((resolve) => {
                const t1 = Date.now();
                const poll = (): void => {
                  if (el.querySelector('.hoverlayer .hovertext')) resolve(true);
                  else if (Date.now() - t1 > 1500) resolve(false);
                  else setTimeout(poll, 25);
                };
                poll();
              }));
              if (shown) break;
            }
            await page.mouse.move(0, 0);
            assert.ok(shown, `chart ${states[i].id}: hovering a data point shows Plotly's hover label (tried ${targets.length} points)`);
            hovered++;
          }
          assert.ok(hovered > 0, 'at least one chart has a hoverable data point');
          await page.evaluate(() => window.scrollTo(0, 0));
          const shot = await page.screenshot({ fullPage: true });
          fs.mkdirSync(path.join(out, name), { recursive: true });
          fs.writeFileSync(path.join(out, name, 'screenshot.png'), shot);
          assertClean(log, `${name}.html`);
          console.log(`      ${states.length} charts rendered, ${hovered} hover-checked, screenshot ${path.join(out, name, 'screenshot.png')} (${Date.now() - t0} ms)`);
        } finally {
          await context.close();
        }
      });

      it(`${name}: with scripts off (as on GitHub), every chart shows its picture`, async function () {
        this.timeout(60_000);
        const charts = findCharts(readNotebook(path.join(out, `${name}.ipynb`)), name);
        const { context, page, log } = await openOffline(browser, path.join(out, `${name}.html`), false);
        try {
          const pictures = await page.evaluate(() => Array.from(document.querySelectorAll('.metarl-plot')).map((el: any) => {
            const img = el.querySelector('img.metarl-plot-fallback');
            return img ? { loaded: img.complete, width: img.naturalWidth, height: img.naturalHeight } : null;
          }));
          assert.deepStrictEqual(pictures, charts.map((c) => ({ loaded: true, width: c.width, height: c.height })));
          assertClean(log, `${name}.html without scripts`);
        } finally {
          await context.close();
        }
      });
    }

    it('index.html lists every report, and its thumbnails and links load offline', async function () {
      this.timeout(60_000);
      const { context, page, log } = await openOffline(browser, path.join(out, 'index.html'));
      try {
        const names = listNotebooks().map((nb) => path.basename(nb, '.ipynb'));
        const rows = await page.evaluate(() => Array.from(document.querySelectorAll('tbody tr')).map((tr: any) => tr.id));
        assert.deepStrictEqual(rows, names);
        const thumbs = await page.evaluate(() => Array.from(document.querySelectorAll('img.thumb')).map((img: any) => ({ src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0 })));
        assert.deepStrictEqual(thumbs, names.map((n) => ({ src: `${n}/thumbnail.png`, ok: true })));
        const links: string[] = await page.evaluate(() => Array.from(document.querySelectorAll('a[href]')).map((a: any) => a.href));
        for (const l of links) assert.ok(fs.existsSync(new URL(l)), `the index links to ${l}, which exists`);
        assertClean(log, 'index.html');
      } finally {
        await context.close();
      }
    });

    it("the images' PNG path (Plotly's SVG on a canvas) equals Plotly.toImage's PNG byte for byte", async function () {
      this.timeout(60_000);
      const name = path.basename(listNotebooks()[0], '.ipynb');
      const charts = findCharts(readNotebook(path.join(out, `${name}.ipynb`)), name);
      const small = charts.reduce((a, b) => (JSON.stringify(a.figure).length <= JSON.stringify(b.figure).length ? a : b));
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.route('**/*', (route) => route.abort());
        await page.setContent('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body></body></html>');
        await page.addScriptTag({ path: PLOTLY_BUNDLE });
        const args = { figure: small.figure, width: small.width, height: small.height };
        const ours = await page.evaluate(renderInPage, { ...args, scales: [1, 2] });
        const plotly = await page.evaluate(({ figure, width, height }) => Promise.all([1, 2].map((scale) =>
          window.Plotly.toImage({ data: figure.data, layout: figure.layout, config: figure.config }, { format: 'png', width, height, scale }))), args);
        assert.ok(ours.pngs[0] === plotly[0], `chart ${small.k}, scale 1: identical PNG`);
        assert.ok(ours.pngs[1] === plotly[1], `chart ${small.k}, scale 2: identical PNG`);
      } finally {
        await context.close();
      }
    });
  });
});

describe('report images, fallbacks and index (no kernel, no browser)', () => {
  const fig = (n: number, title: string, height?: number): Figure => ({
    data: Array.from({ length: n }, (_, i) => ({ type: 'scatter', x: [0, 1], y: [i, i + 1] })),
    layout: { title: { text: title }, ...(height ? { height } : {}) },
  });
  const output = (html: string) => ({ output_type: 'display_data', data: { 'text/html': [html] }, metadata: {} });
  const notebook = (): Notebook => ({
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# A test report'] },
      { cell_type: 'code', metadata: {}, source: ['show'], outputs: [output(figureHtml(fig(2, 'one <b>chart</b>'), 'p1', false))] },
      { cell_type: 'code', metadata: {}, source: ['show twice'], outputs: [output(figureHtml(fig(3, 'two', 300), 'p2', false) + figureHtml(fig(1, 'three'), 'p3', false))] },
    ],
    metadata: { title: 'A test report', metarl: { figure: 'Fig. 0 of nothing' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
  const fakePng = (k: number) => ({ fallback: Buffer.from(`png-${k}`) });

  it('findCharts finds every chart in output order with its traces, title and size', () => {
    const charts = findCharts(notebook(), 'test');
    assert.deepStrictEqual(charts.map((c: Chart) => [c.k, c.cell, c.output, c.id, c.traces, c.title, c.width, c.height]), [
      [1, 1, 0, 'p1', 2, 'one chart', 900, 450],
      [2, 2, 0, 'p2', 3, 'two', 900, 300],
      [3, 2, 0, 'p3', 1, 'three', 900, 450],
    ]);
  });

  it('findCharts names the cell and output of a broken chart spec', () => {
    const nb = notebook();
    nb.cells[2].outputs![0].data!['text/html'] = ['<div class="metarl-plot" id="p2" data-traces="1"></div><script>var spec=/*metarl-spec*/{"data":[]}</script>'];
    assert.throws(() => findCharts(nb, 'broken.ipynb'), /broken\.ipynb: cell 3, output 1: a chart spec opens with \/\*metarl-spec\*\/ but has no/);
  });

  it('withFallbacks puts each picture in its div, keeps the scripts, adds image/png to single-chart outputs, and is idempotent', () => {
    const nb = notebook();
    const before = JSON.stringify(nb);
    const charts = findCharts(nb, 'test');
    const once = withFallbacks(nb, charts, charts.map((c) => fakePng(c.k)));
    assert.strictEqual(JSON.stringify(nb), before, 'the input is not changed');
    const strip = (h: string) => h.replace(/<img class="metarl-plot-fallback"[^>]*>/g, '');
    for (const [c, j] of [[1, 0], [2, 0]]) {
      const html = joinText(once.cells[c].outputs![j].data!['text/html']);
      assert.strictEqual(strip(html), joinText(nb.cells[c].outputs![j].data!['text/html']), 'only the pictures were added');
    }
    const html2 = joinText(once.cells[2].outputs![0].data!['text/html']);
    assert.ok(html2.includes(`<div class="metarl-plot" id="p3" data-traces="1" style="width:100%;min-height:450px"><img class="metarl-plot-fallback" src="data:image/png;base64,${Buffer.from('png-3').toString('base64')}" alt="chart 3: three" width="900" height="450"`));
    assert.ok(html2.includes(`alt="chart 2: two" width="900" height="300"`));
    assert.strictEqual(once.cells[1].outputs![0].data!['image/png'], Buffer.from('png-1').toString('base64'));
    assert.deepStrictEqual(once.cells[1].outputs![0].metadata, { 'image/png': { width: 900, height: 450 } });
    assert.deepStrictEqual(Object.keys(once.cells[1].outputs![0].data!), ['image/png', 'text/html'], 'MIME types sorted, as nbformat writes them');
    assert.strictEqual(once.cells[2].outputs![0].data!['image/png'], undefined, 'no image/png for an output holding two charts');
    const twice = withFallbacks(once, findCharts(once, 'test'), charts.map((c) => fakePng(c.k)));
    assert.deepStrictEqual(twice, once);
  });

  it('the index lists title, figure, when and at which scale, runs with config hash and seed count, and the thumbnail', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-index-'));
    const nb = notebook();
    const run = runSummaryHtml({ experiment: 'toy', hash: 'abc123def456', dir: '', computed: [1], cached: [2, 3], provenance: [1, 2, 3].map((seed) => ({ seed, backend: 'cpu', gitCommit: '0123456789abcdef' })) });
    nb.cells[1].outputs!.push(output(run), output(run));
    fs.writeFileSync(path.join(dir, 'toy.ipynb'), JSON.stringify(withReportStamp(nb, { executed: '2024-05-06T07:08:09.000Z', scale: 'quick', seconds: 12.3, ok: true })));
    fs.mkdirSync(path.join(dir, 'toy'));
    fs.writeFileSync(path.join(dir, 'toy', 'thumbnail.png'), 'x');
    const rows = writeIndex(dir);
    assert.deepStrictEqual(rows.map((r) => [r.name, r.title, r.figure, r.charts, r.runs.length]), [['toy', 'A test report', 'Fig. 0 of nothing', 3, 1]]);
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    for (const s of ['A test report', 'Fig. 0 of nothing', '2024-05-06 07:08:09 UTC', 'scale <b>quick</b>', '12 s', '3 charts',
      'toy · config <code>abc123def456</code> · 3 seeds (2 from data/)', 'src="toy/thumbnail.png"', 'href="toy.html"', 'href="toy.ipynb"']) {
      assert.ok(html.includes(s), `index.html shows ${JSON.stringify(s)}`);
    }
  });

  it('a missing Chromium is an error that says how to install it', () => {
    assert.throws(() => chromiumPath({ CHROMIUM_PATH: '/nonexistent/chromium' }),
      /Chromium not found: \/nonexistent\/chromium \(CHROMIUM_PATH\) is not an executable file; run "npm run setup".*"apt-get install -y chromium"/);
  });
});
