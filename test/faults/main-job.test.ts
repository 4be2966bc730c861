/**
 * @notebooks: stopping the main job. A notebook whose cell runs an experiment for
 * minutes is started through the main job; the job is then stopped with SIGTERM or SIGINT
 * (it must stop the executor, the tslab kernel and Chromium, leave no temporary file and
 * print one line saying what was finished) or killed with SIGKILL (the executor and the
 * kernel must notice and stop by themselves).
 */
import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { liveness, processStart } from '../../lib/core/liveness';
import { lockFolder, LOCK_FILE } from '../../lib/experiments/lock';
import { sleep, tmpDir } from './helpers';

const ROOT = path.join(__dirname, '..', '..', '..');

/** A notebook that keeps its kernel in a long experiment (1 s per unit, 600 units). */
function longNotebook(dir: string): void {
  const lib = JSON.stringify(path.join(ROOT, 'dist', 'lib'));
  const fixtures = JSON.stringify(path.join(ROOT, 'dist', 'test', 'fixtures', 'counting-experiment'));
  const nb = {
    cells: [
      { cell_type: 'markdown', metadata: {}, source: ['# A long run\n'] },
      { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [`import * as lab from ${lib};\nconst backend = await lab.initBackend();\nconsole.log(backend.reason);`] },
      { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: [`const fx = require(${fixtures});\nconst run = await lab.runExperiment(fx.busyExperiment, { rows: 10, sleepMs: 1000 }, { seeds: 600, workers: 1 });`] },
    ],
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' }, title: 'A long run' },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, 'long-run.ipynb'), JSON.stringify(nb, null, 1));
}

/** Every descendant of `pid` now, with its start time. */
function descendants(pid: number): { pid: number; start: string; cmd: string }[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; start: string; cmd: string }[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const p = queue.shift()!;
    const start = processStart(p);
    if (start === null) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 80);
    } catch {
      // gone
    }
    out.push({ pid: p, start, cmd });
    queue.push(...(children.get(p) ?? []));
  }
  return out;
}

async function allGone(procs: { pid: number; start: string }[], timeoutMs: number): Promise<{ pid: number; start: string }[]> {
  const t0 = Date.now();
  for (;;) {
    const alive = procs.filter((p) => processStart(p.pid) === p.start);
    if (alive.length === 0 || Date.now() - t0 > timeoutMs) return alive;
    await sleep(200);
  }
}

function tempFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.tmp')) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Start the main job on the long notebook and wait until its kernel has finished a unit and holds the lock. */
async function startLongJob() {
  const nbDir = tmpDir('metarl-nb-'), out = tmpDir('metarl-out-'), data = tmpDir('metarl-data-');
  longNotebook(nbDir);
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'scripts', 'main.js'), '--scale', 'quick', '--dir', nbDir, '--out', out], {
    env: { ...process.env, LAB_DATA_DIR: data }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const runDir = () => {
    const base = path.join(data, 'busy-writer');
    return fs.existsSync(base) ? fs.readdirSync(base).map((d) => path.join(base, d))[0] : undefined;
  };
  const t0 = Date.now();
  for (;;) {
    const d = runDir();
    if (d && fs.existsSync(path.join(d, LOCK_FILE)) && fs.existsSync(path.join(d, 'seed-0.json'))) break;
    if (child.exitCode !== null) throw new Error(`the main job exited early:\n${text}`);
    if (Date.now() - t0 > 240_000) throw new Error(`the kernel did not start computing within 240 s:\n${text}`);
    await sleep(250);
  }
  const procs = descendants(child.pid!);
  assert.ok(procs.some((p) => p.cmd.includes('notebooks.py')) && procs.some((p) => p.cmd.includes('tslab')), `executor and kernel run:\n${procs.map((p) => p.cmd).join('\n')}`);
  return { child, exited, out, data, runDir: runDir()!, procs, text: () => text };
}

describe('faults: stopping the main job @notebooks', function () {
  this.timeout(400_000);

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} stops the executor, the kernel and Chromium, leaves no temporary file and says what was finished`, async () => {
      const job = await startLongJob();
      job.child.kill(sig);
      const { code } = await job.exited;
      assert.strictEqual(code, sig === 'SIGTERM' ? 143 : 130, job.text());
      const last = job.text().trim().split('\n').pop()!;
      assert.match(last, new RegExp(`^stopped by ${sig} after .*; finished 0 notebooks; interrupted long-run \\(no report written for it\\); reports in `));
      const alive = await allGone(job.procs, 10_000);
      assert.deepStrictEqual(alive, [], 'every process the job started is gone');
      assert.deepStrictEqual([...tempFiles(job.out), ...tempFiles(job.data)], []);
      assert.ok(!fs.existsSync(path.join(job.out, 'long-run.ipynb')), 'no executed notebook for the interrupted run');
      // A lock the killed kernel could not release is broken by the next run, because its holder is dead.
      const lockFile = path.join(job.runDir, LOCK_FILE);
      if (fs.existsSync(lockFile)) {
        assert.strictEqual(liveness(JSON.parse(fs.readFileSync(lockFile, 'utf8'))), 'dead');
        const lines: string[] = [];
        (await lockFolder(job.runDir, { purpose: 'test', log: (l) => lines.push(l) })).release();
        assert.ok(lines.some((l) => l.includes('no longer running')), lines.join('\n'));
      }
    });
  }

  it('SIGKILL of the job: the executor and the kernel notice and stop by themselves', async () => {
    const job = await startLongJob();
    job.child.kill('SIGKILL');
    await job.exited;
    const alive = await allGone(job.procs, 15_000);
    assert.deepStrictEqual(alive, [], `processes left running: ${JSON.stringify(alive)}`);
    const seeds = () => fs.readdirSync(job.runDir).filter((f) => /^seed-\d+\.json$/.test(f)).length;
    const n = seeds();
    await sleep(2500);
    assert.strictEqual(seeds(), n, 'nothing writes data/ after the job is gone');
  });
});
