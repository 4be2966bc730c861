/**
 * @notebooks: charts render inside the classic Jupyter Notebook 6 UI, where require.js puts
 * a global AMD `define` on the page. The classic Notebook is the front end of the Debian
 * fallback only (setup installs Debian's jupyter-notebook when pip reaches no index); with
 * the JupyterLab stack it is not installed and this test is skipped (test/jupyterlab.test.ts
 * covers JupyterLab, test/amd-define.test.ts the AMD `define`). The test executes a small
 * notebook with the tslab kernel, signs it in a temporary trust database (trusted outputs
 * run their scripts), serves it with the classic Notebook and opens it in headless Chromium.
 */
import * as assert from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../scripts/browser';
import { VENV_PYTHON } from '../scripts/main';

const ROOT = path.join(__dirname, '..', '..');
const PY = VENV_PYTHON;

/** Whether the checkout's Jupyter has the classic Notebook 6 (the Debian fallback). */
function hasClassicNotebook(): boolean {
  const r = spawnSync(PY, ['-c', 'import sys; from importlib.metadata import version; sys.exit(int(version("notebook").split(".")[0]) >= 7)'], { stdio: 'ignore' });
  return r.status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

describe('charts in the classic Notebook UI @notebooks', function () {
  this.timeout(5 * 60 * 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-classic-'));
  let server: ChildProcess | null = null;
  let browser: Browser | null = null;
  let port = 0;

  before(async function () {
    if (!hasClassicNotebook()) {
      console.log("      skipped: the classic Notebook 6 is not installed (it is the front end of setup's Debian fallback only)");
      this.skip();
    }
    const lib = path.join(ROOT, 'dist', 'lib');
    const cell = (id: string, src: string) => ({ cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source: [src] });
    const nb = {
      cells: [
        cell('a', `import * as tslab from "tslab";\nimport * as lab from ${JSON.stringify(lib)};\nawait lab.initBackend();`),
        cell('b', 'lab.show(tslab.display, lab.report.charts.bandFigure([{ name: "m", x: [0, 1, 2], mean: [1, 2, 3], lo: [0, 1, 2], hi: [2, 3, 4] }]));'),
        cell('c', 'lab.show(tslab.display, { data: [{ type: "bar", x: [1, 2], y: [3, 4] }, { type: "scatter", x: [1, 2], y: [1, 1] }, { type: "scatter", x: [1, 2], y: [2, 2] }] });'),
      ],
      metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const src = path.join(dir, 'src.ipynb'), out = path.join(dir, 'charts.ipynb');
    fs.writeFileSync(src, JSON.stringify(nb));
    const env = { ...process.env, LAB_TRUST_DIR: path.join(dir, 'trust'), JUPYTER_PREFER_ENV_PATH: '1' };
    const ex = spawnSync(PY, [path.join(ROOT, 'scripts', 'notebooks.py'), 'execute', src, out], { encoding: 'utf8', env });
    assert.strictEqual(ex.status, 0, ex.stderr);
    const sign = spawnSync(PY, [path.join(ROOT, 'scripts', 'notebooks.py'), 'trust', out], { encoding: 'utf8', env });
    assert.strictEqual(sign.status, 0, sign.stderr);
    port = await freePort();
    const args = ['-m', 'notebook', '--no-browser', `--port=${port}`, '--ip=127.0.0.1', "--NotebookApp.token=", "--NotebookApp.password=", `--notebook-dir=${dir}`];
    if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--allow-root');
    server = spawn(PY, args, { stdio: 'ignore', env });
    const t0 = Date.now();
    while ((await get(`http://127.0.0.1:${port}/api`)) !== 200) {
      if (Date.now() - t0 > 60000) throw new Error('the classic Notebook server did not start within 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws every chart of a trusted notebook under require.js, with its traces', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`http://127.0.0.1:${port}/notebooks/charts.ipynb`);
    // Evaluated in the page (a string, since this project compiles without DOM types).
    const drawn = () => page.evaluate<{ want: number; got: number }[]>(
      "[...document.querySelectorAll('.metarl-plot')].map((el) => ({ want: Number(el.dataset.traces), got: el.data ? el.data.length : -1 }))");
    const t0 = Date.now();
    let charts = await drawn();
    while ((charts.length < 2 || charts.some((c) => c.got !== c.want)) && Date.now() - t0 < 60000) {
      await new Promise((r) => setTimeout(r, 250));
      charts = await drawn();
    }
    assert.deepStrictEqual(charts, [{ want: 2, got: 2 }, { want: 3, got: 3 }]);
    assert.ok(await page.evaluate<boolean>("typeof window.define === 'function' && typeof window.define.amd === 'object'"), 'the page has require.js\'s AMD define');
    assert.deepStrictEqual(pageErrors.filter((e) => /plotly|metarl/i.test(e)), []);
    await page.close();
  });
});
