/**
 * @notebooks: the test command executes every notebook at the quick scale through the
 * same pipeline as the main job, so a broken notebook fails CI.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listNotebooks } from '../scripts/main';

const ROOT = path.join(__dirname, '..', '..');

describe('notebooks @notebooks', function () {
  this.timeout(30 * 60 * 1000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-reports-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-data-'));
  let status: number | null = null;

  before(() => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'main.js'), '--scale', 'quick', '--out', out], {
      stdio: 'inherit',
      env: { ...process.env, LAB_DATA_DIR: dataDir },
    });
    status = r.status;
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
      assert.ok(!/<script[^>]+src="https?:/.test(html), 'no script is fetched from the network');
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
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'main.js'), '--scale', 'quick', '--dir', dir, '--out', path.join(dir, 'out')], { encoding: 'utf8' });
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /FAILED: .*broken\.ipynb: cell 3 \(code cell 2\), starting `throw new Error\("deliberate failure " \+ x\);`/);
    assert.match(r.stderr, /deliberate failure 1/);
  });

  it('writes an index of the reports', () => {
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const nb of listNotebooks()) assert.ok(index.includes(`${path.basename(nb, '.ipynb')}.html`));
  });
});
