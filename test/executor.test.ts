/**
 * @notebooks: the headless executor (scripts/notebooks.py) starts a kernel again when it
 * dies before answering, the way tslab sometimes does on a busy machine.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findPython } from '../scripts/main';

const ROOT = path.join(__dirname, '..', '..');

describe('notebook executor @notebooks', function () {
  this.timeout(3 * 60 * 1000);

  it('starts a kernel that died before its first reply again, and runs the notebook', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-flaky-'));
    // A kernel spec whose first start dies at once; the next start is tslab.
    const marker = path.join(dir, 'died-once');
    const script = path.join(dir, 'flaky-kernel.sh');
    fs.writeFileSync(script, `#!/usr/bin/env bash\nif [ ! -f ${JSON.stringify(marker)} ]; then touch ${JSON.stringify(marker)}; exit 3; fi\n` +
      `exec ${JSON.stringify(path.join(ROOT, 'node_modules', '.bin', 'tslab'))} kernel --config-path "$1"\n`);
    fs.chmodSync(script, 0o755);
    const spec = path.join(dir, 'jupyter', 'kernels', 'flaky');
    fs.mkdirSync(spec, { recursive: true });
    fs.writeFileSync(path.join(spec, 'kernel.json'), JSON.stringify({ argv: [script, '{connection_file}'], display_name: 'flaky tslab', language: 'typescript' }));
    const nb = {
      cells: [{ cell_type: 'code', id: 'a', metadata: {}, execution_count: null, outputs: [], source: ['console.log(6 * 7);'] }],
      metadata: { kernelspec: { name: 'flaky', display_name: 'flaky tslab', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const src = path.join(dir, 'nb.ipynb'), out = path.join(dir, 'out.ipynb');
    fs.writeFileSync(src, JSON.stringify(nb));
    const r = spawnSync(findPython(), [path.join(ROOT, 'scripts', 'notebooks.py'), 'execute', src, out], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: path.join(dir, 'jupyter') },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /the flaky kernel did not start .*; starting it again \(attempt 2 of 3\)/);
    const executed = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepStrictEqual(executed.cells[0].outputs[0].text, ['42\n']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
