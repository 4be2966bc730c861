/**
 * The Redis executor on a real Redis: Debian's redis-server, started here on a free
 * loopback port with persistence off, and two `npm run worker` processes.
 */
import * as assert from 'assert';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { currentBuild } from '../lib/experiments/executors/build';
import { JobData } from '../lib/experiments/executors/redis';
import { refusalReason, serveQueue } from '../lib/experiments/executors/redis-worker';
import { runIdentity } from '../lib/experiments/experiment';
import * as fig3 from '../lib/experiments/fig3';
import { SweepResult } from '../lib/experiments/sweep';
import { queueSweep } from './fixtures/queue-sweep';

const ROOT = path.join(__dirname, '..', '..');
const WORKER = path.join(ROOT, 'dist', 'scripts', 'worker.js');
const COORDINATOR = path.join(__dirname, 'fixtures', 'queue-sweep.js');
const INSTALL = 'install it with  sudo apt-get install -y redis-server  (npm test\'s setup installs it when run as root on Debian)';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-queue-'));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process whose output we can wait on. */
class Proc {
  out = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d) => { this.out += d; });
    child.stderr!.on('data', (d) => { this.out += d; });
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
  }

  async waitFor(re: RegExp, ms: number, what: string): Promise<RegExpMatchArray> {
    const t0 = Date.now();
    for (;;) {
      const m = this.out.match(re);
      if (m) return m;
      if (Date.now() - t0 > ms || this.child.exitCode !== null) throw new Error(`timed out waiting for ${what}; output:\n${this.out}`);
      await sleep(20);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Every seed-*.rows.csv of a sweep, by "<hash>/<file>", for byte comparisons. */
function unitFiles(s: SweepResult<object>): Map<string, string> {
  const out = new Map<string, string>();
  for (const run of s.runs) {
    for (const f of fs.readdirSync(run.dir).filter((x) => /^seed-\d+\.rows\.csv$/.test(x))) out.set(`${run.hash}/${f}`, fs.readFileSync(path.join(run.dir, f), 'utf8'));
  }
  return out;
}

/** Lines "done <experiment> seed <s> (<job id>)" of a worker's output, as job ids. */
function doneIds(out: string): string[] {
  return [...out.matchAll(/done \S+ seed \d+ \(([^)]+)\)/g)].map((m) => m[1]);
}

describe('Redis executor (real redis-server, two worker processes)', function () {
  this.timeout(180000);
  let redis: Proc | null = null;
  let url = '';
  const workers: Proc[] = [];
  let reference: SweepResult<object>;
  const savedQueue = process.env.LAB_QUEUE;

  const startWorker = () => {
    const w = new Proc(spawn(process.execPath, [WORKER, '--queue', url, '--threads', '1', '--lock-ms', '2000', '--stalled-ms', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    workers.push(w);
    return w;
  };

  before(async function () {
    const probe = spawnSync('redis-server', ['--version']);
    if (probe.error) {
      console.log(`      skipped: redis-server is not installed; ${INSTALL}`);
      this.skip();
    }
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = new Proc(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await redis.waitFor(/Ready to accept connections/, 20000, 'redis-server to start');
    // The same sweep on this machine's thread: the rows every executor must give.
    delete process.env.LAB_QUEUE;
    reference = await queueSweep(tmpDir(), [0, 1, 2, 3, 4, 5], () => undefined) as SweepResult<object>;
    startWorker();
    startWorker();
    await Promise.all(workers.map((w) => w.waitFor(/serving redis/, 30000, 'a worker to start')));
  });

  after(async () => {
    if (savedQueue === undefined) delete process.env.LAB_QUEUE;
    else process.env.LAB_QUEUE = savedQueue;
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    if (redis) await redis.kill('SIGTERM');
  });

  it('runs a sweep on two workers, one killed mid-unit, and gives the local rows bit for bit, each unit written once', async () => {
    process.env.LAB_QUEUE = url;
    const [a, b] = workers;
    const lines: string[] = [];
    const sweep = queueSweep(tmpDir(), [0, 1, 2], (l) => lines.push(l));
    // Kill worker a as soon as it starts a unit.
    const started = await a.waitFor(/start \S+ seed \d+ \(([^)]+)\)/, 60000, 'worker a to start a unit');
    await a.kill('SIGKILL');
    const s = await sweep as SweepResult<object>;
    assert.ok(!doneIds(a.out).includes(started[1]), 'worker a was killed before finishing its unit');
    assert.ok(doneIds(b.out).includes(started[1]), `the killed unit ${started[1]} ran again on worker b:\n${b.out}`);
    assert.deepStrictEqual(s.rows, reference.rows.filter((r) => Number(r.seed) < 3));
    const mine = unitFiles(s), ref = unitFiles(reference);
    assert.strictEqual(mine.size, 6);
    for (const [k, text] of mine) assert.strictEqual(text, ref.get(k), `${k} equals the local run's file byte for byte`);
    // Progress counts each written unit once: never more done than units.
    const progress = lines.filter((l) => /units \(\d+%\)/.test(l));
    assert.match(progress[progress.length - 1], /6\/6 units \(100%\)/);
    assert.ok(progress.every((l) => !/\b([7-9]|\d\d)\/6 units/.test(l)), progress.join('\n'));
    assert.ok(lines.some((l) => l.includes(`computing on the BullMQ queue at ${url}`)), lines.join('\n'));
  });

  it('resumes a sweep whose coordinator was killed, from the cache and the queue, computing no unit twice', async () => {
    const a2 = startWorker();
    await a2.waitFor(/serving redis/, 30000, 'the replacement worker to start');
    const dataDir = tmpDir();
    const coordinator = new Proc(spawn(process.execPath, [COORDINATOR, dataDir, '[3,4,5]'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LAB_QUEUE: url } }));
    await coordinator.waitFor(/\b[12]\/6 units/, 90000, 'the first coordinator to write a unit');
    await coordinator.kill('SIGKILL');
    process.env.LAB_QUEUE = url;
    const lines: string[] = [];
    const s = await queueSweep(dataDir, [3, 4, 5], (l) => lines.push(l)) as SweepResult<object>;
    assert.ok(s.cached >= 1 && s.computed + s.cached === 6, `cached ${s.cached}, computed ${s.computed}`);
    assert.deepStrictEqual(s.rows, reference.rows.filter((r) => Number(r.seed) >= 3));
    // Each unit of this sweep was computed exactly once over all workers.
    const ids = workers.flatMap((w) => doneIds(w.out)).filter((id) => /\.s[345]\./.test(id));
    assert.strictEqual(ids.length, 6, ids.join('\n'));
    assert.strictEqual(new Set(ids).size, 6);
  });

  it('has a worker at another build refuse a unit, say why on both sides, and leave it queued for a worker at this build', async () => {
    // Only a worker at another commit serves the queue at first.
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    const staleLines: string[] = [];
    const otherCommit = '0123456789abcdef0123456789abcdef01234567';
    const stale = await serveQueue(url, { threads: 1, name: 'stale-worker', build: { commit: otherCommit, packageVersion: currentBuild().packageVersion }, refuseDelayMs: 300, log: (l) => staleLines.push(l) });
    try {
      process.env.LAB_QUEUE = url;
      const lines: string[] = [];
      const sweep = queueSweep(tmpDir(), [6], (l) => lines.push(l));
      await until(() => lines.some((l) => l.includes('worker stale-worker refused fig3-vpg seed 6')), 30000, () => lines.join('\n'));
      const told = lines.find((l) => l.includes('refused'))!;
      assert.match(told, new RegExp(`the unit was built by commit ${currentBuild().commit.replace(/[+.]/g, '\\$&')}, this worker runs ${otherCommit}`));
      assert.match(told, /The unit stays queued for workers at this build/);
      assert.ok(staleLines.some((l) => l.includes('[worker stale-worker] refusing fig3-vpg seed 6') && l.includes(`Check out ${currentBuild().commit.split('+')[0]} here`)), staleLines.join('\n'));
      // A worker at this build takes the refused units.
      startWorker();
      const s = await sweep;
      assert.strictEqual(s.computed, 2);
    } finally {
      await stale.close(true);
    }
  });
});

async function until(ok: () => boolean, ms: number, show: () => string): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out; so far:\n${show()}`);
    await sleep(20);
  }
}

describe('queue worker: what it refuses', () => {
  const config = fig3.experiment.resolve({ updates: 1 });
  const good = (): JobData => ({
    experiment: fig3.experiment.name, version: fig3.experiment.version, config, hash: runIdentity(fig3.experiment, config, 'wasm').hash, seed: 0,
    backend: 'wasm', build: currentBuild(), coordinator: 'test',
  });

  it('accepts a unit of its own build, and refuses other builds, unknown experiments and wrong hashes, saying why', () => {
    assert.strictEqual(refusalReason(good(), currentBuild()), null);
    assert.match(refusalReason({ ...good(), build: { ...currentBuild(), packageVersion: '9.9.9' } }, currentBuild())!,
      /built by package version 9\.9\.9, this worker has \d+\.\d+\.\d+/);
    assert.match(refusalReason({ ...good(), experiment: 'fig9' }, currentBuild())!, /unknown experiment "fig9" \(known: .*fig1-adaptation, fig3-vpg.*\); only the lab.s own experiments run on the queue/);
    assert.match(refusalReason({ ...good(), hash: 'ffffffffffff' }, currentBuild())!, /its run identity hashes to [0-9a-f]{12} here \(experiment version 1\), not ffffffffffff/);
    assert.match(refusalReason({} as JobData, currentBuild())!, /not a unit of this lab/);
  });
});
