/**
 * The main job's own inputs: file names and environment go into HTML and child processes
 * unchanged in meaning (escaped, made absolute).
 */
import * as assert from 'assert';
import * as path from 'path';
import { childEnv, stopLine } from '../../scripts/main';
import { reportMetaHtml } from '../../scripts/report';
import { tmpDir } from './helpers';

describe('faults: the main job\'s report header, child environment and stop line', () => {
  it('escapes the notebook file name in the HTML report header', () => {
    const html = reportMetaHtml('<img src=x onerror=alert(1)>&"\'', { executed: '2024-01-01T00:00:00.000Z', scale: 'quick', seconds: 1, ok: false });
    assert.ok(!html.includes('<img'), html);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;'), html);
    assert.match(html, /FAILED/);
  });

  it('passes kernels an absolute LAB_DATA_DIR, resolved where the job was started', () => {
    const cwd = tmpDir();
    const env = childEnv({ LAB_DATA_DIR: 'my-data', PATH: '/bin' }, 'quick', cwd);
    assert.strictEqual(env.LAB_DATA_DIR, path.join(cwd, 'my-data'));
    assert.strictEqual(env.LAB_SCALE, 'quick');
    assert.strictEqual(childEnv({ PATH: '/bin' }, 'paper', cwd).LAB_DATA_DIR, undefined);
    assert.throws(() => childEnv({ LAB_WORKERS: '0x2' }, 'quick', cwd), /LAB_WORKERS: expected a whole number/);
  });

  it('says in one line what was finished when a signal stops the job', () => {
    const ok = { name: 'fig1', ok: true, seconds: 1, imageSeconds: 0, problems: [] };
    const bad = { name: 'fig3', ok: false, seconds: 1, imageSeconds: 0, problems: [] };
    const line = stopLine('SIGTERM', { started: 0, finished: [ok, bad], current: 'fig4', pending: ['hindsight'] }, '/r', 65_000);
    assert.strictEqual(line, 'stopped by SIGTERM after 1m 05s; finished 2 notebooks (fig1 ok, fig3 FAILED); interrupted fig4 (no report written for it); not started: hindsight; reports in /r');
    assert.ok(!line.includes('\n'));
  });
});
