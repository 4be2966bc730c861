/**
 * @notebooks: chart outputs draw on a page that has a global AMD `define` (as require.js
 * puts on the classic Notebook 6 page and on nbconvert's classic HTML) and CommonJS-like
 * globals `module` and `exports`. A UMD bundle registers itself with whichever of these
 * it finds instead of setting `window.Plotly` (plotly.js up to v2 did so with `define`:
 * under require.js no chart drew). plotly.js 4.1.1 has no AMD branch and sets
 * `window.Plotly` itself, and lib/report/plotly.ts also runs the bundle in a function
 * scope where `define`, `module` and `exports` are undefined; this test keeps both true
 * across upgrades. The lab's own stack (JupyterLab) has no require.js, so the test builds
 * such a page: a `define` with `define.amd` as require.js has, counting its calls.
 */
import * as assert from 'assert';
import type { Browser, Page } from 'playwright-core';
import { figureHtml } from '../lib/report/plotly';
import { launchChromium } from '../scripts/browser';

// Functions passed to page.evaluate run in Chromium; tsconfig has no DOM types.
declare const window: any, document: any;

const AMD_PAGE_HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8"><script>' +
  'window.__defineCalls = 0; window.define = function () { window.__defineCalls++; }; window.define.amd = { jQuery: true };' +
  'window.module = { exports: {} }; window.exports = window.module.exports;' +
  '</script></head><body>';

describe('charts on a page with a global AMD define (require.js) @notebooks', function () {
  this.timeout(3 * 60 * 1000);
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function amdPage(body: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route('**/*', (route) => route.abort());
    await page.setContent(`${AMD_PAGE_HEAD}${body}</body></html>`);
    return { page, errors };
  }

  it('the first chart output (carrying plotly.js) and the next one draw; plotly.js never calls define nor fills module.exports', async () => {
    const body = figureHtml({ data: [{ type: 'scatter', x: [0, 1, 2], y: [1, 3, 2] }, { type: 'bar', x: [0, 1], y: [2, 1] }] }, 'amd-1', true) +
      figureHtml({ data: [{ type: 'heatmap', z: [[1, 2], [3, 4]] }] }, 'amd-2', false);
    const { page, errors } = await amdPage(body);
    try {
      await page.waitForFunction(() => Array.from(document.querySelectorAll('.metarl-plot')).every((el: any) => el._fullLayout && el.querySelector('.main-svg')), null, { timeout: 60_000 });
      const state = await page.evaluate(() => ({
        charts: Array.from(document.querySelectorAll('.metarl-plot')).map((el: any) => [el.id, el.data.length, Number(el.getAttribute('data-traces'))]),
        defineCalls: window.__defineCalls,
        moduleExports: Object.keys(window.module.exports).length,
        amd: typeof window.define === 'function' && typeof window.define.amd === 'object',
      }));
      assert.deepStrictEqual(state, { charts: [['amd-1', 2, 2], ['amd-2', 1, 1]], defineCalls: 0, moduleExports: 0, amd: true });
      assert.deepStrictEqual(errors, []);
    } finally {
      await page.close();
    }
  });
});
