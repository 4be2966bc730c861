/**
 * Fault injection with real processes: runs killed with SIGKILL at random moments and
 * resumed, two runs of one config at once (two processes, and two calls in one process),
 * and locks left by dead or foreign holders. Every scenario ends with the same tables as
 * an undisturbed run and a results folder without temporary files or locks.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Rng } from '../../lib/core/rng';
import { machineId, thisProcess } from '../../lib/core/liveness';
import { lockFolder, LOCK_FILE } from '../../lib/experiments/lock';
import { runExperiment } from '../../lib/experiments/runner';
import { busyExperiment } from '../fixtures/counting-experiment';
import { assertTidy, logged, runChild, runFolder, sleep, startChild, tmpDir } from './helpers';

const SEEDS = 6;

describe('faults: killed and concurrent runs', function () {
  this.timeout(120_000);
  let reference: Awaited<ReturnType<typeof runExperiment<object, object, typeof busyExperiment.tables>>>;

  before(async () => {
    reference = await runExperiment(busyExperiment, { rows: 1000 }, { seeds: SEEDS, workers: 1, dataDir: tmpDir(), log: () => undefined });
  });

  it('SIGKILL at random moments, then resume: the same tables as an undisturbed run, finished units never redone, no stray files', async () => {
    const seed = Number(process.env.FAULT_SEED ?? Date.now() % 100000);
    const rng = new Rng(seed);
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const req = { experiment: 'busy-writer', overrides: { rows: 1000, logFile }, options: { seeds: SEEDS, workers: 1, dataDir } };
    const kills: string[] = [];
    const finishedAt = new Map<number, number>(); // seed -> log length when it was first seen finished
    for (let round = 0; round < 4; round++) {
      const c = startChild(req);
      await c.waitFor(/computing|seeds loaded/);
      await sleep(rng.random() * 250);
      c.child.kill('SIGKILL');
      const { signal } = await c.exited;
      const dir = runFolder(dataDir, 'busy-writer');
      const finished = fs.readdirSync(dir).filter((f) => /^seed-\d+\.json$/.test(f)).map((f) => Number(/\d+/.exec(f)![0]));
      kills.push(`${signal ?? 'exited'}: ${finished.length} finished, ${fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === LOCK_FILE).length} temp/lock files left`);
      // What was finished before this kill is never computed again.
      const ranBefore = logged(logFile).length;
      for (const s of finished) if (!finishedAt.has(s)) finishedAt.set(s, ranBefore);
    }
    const lines: string[] = [];
    const final = await runExperiment(busyExperiment, { rows: 1000, logFile }, { seeds: SEEDS, workers: 1, dataDir, log: (l) => lines.push(l) });
    const info = `fault seed ${seed} (rerun with FAULT_SEED=${seed}); kills: ${kills.join('; ')}`;
    assert.deepStrictEqual(final.tables, reference.tables, info);
    const dir = runFolder(dataDir, 'busy-writer');
    assertTidy(dir);
    const ran = logged(logFile);
    for (const [s, at] of finishedAt) assert.ok(!ran.slice(at).includes(s), `seed ${s} was finished, then computed again (${info})`);
  });

  it('two processes run one config at once: each seed is computed once, the second waits and reuses, results identical', async () => {
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const req = { experiment: 'busy-writer', overrides: { rows: 1000, sleepMs: 60, logFile }, options: { seeds: SEEDS, workers: 1, dataDir } };
    const [a, b] = await Promise.all([runChild(req), runChild(req)]);
    assert.strictEqual(a.code, 0, a.out);
    assert.strictEqual(b.code, 0, b.out);
    assert.deepStrictEqual(logged(logFile).sort((x, y) => x - y), Array.from({ length: SEEDS }, (_, i) => i), 'every seed computed exactly once');
    assert.ok(/waiting for pid \d+ on /.test(a.out + b.out), `one run says whom it waits for:\n${a.out}\n${b.out}`);
    assert.strictEqual(a.result!.digest, b.result!.digest);
    const final = await runExperiment(busyExperiment, { rows: 1000, sleepMs: 60, logFile }, { seeds: SEEDS, workers: 1, dataDir, log: () => undefined });
    assert.deepStrictEqual(final.cached.length, SEEDS);
    assert.deepStrictEqual(final.tables, reference.tables);
    assertTidy(runFolder(dataDir, 'busy-writer'));
  });

  it('two calls in one process run one config at once: each seed once, equal results', async () => {
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const run = () => runExperiment(busyExperiment, { rows: 1000, logFile }, { seeds: 4, workers: 1, dataDir, log: () => undefined });
    const [a, b] = await Promise.all([run(), run()]);
    assert.deepStrictEqual(logged(logFile).sort(), [0, 1, 2, 3]);
    assert.deepStrictEqual(a.tables, b.tables);
    assert.deepStrictEqual([...a.computed, ...b.computed].sort(), [0, 1, 2, 3]);
  });

  it('a lock left by a dead process on this machine is broken with a note; one of another machine is waited for, naming its holder', async () => {
    const dir = tmpDir();
    const me = thisProcess();
    const record = (over: object) => JSON.stringify({ ...me, token: 'old', since: '2024-01-01T00:00:00Z', purpose: 'x: seeds 0-3', ...over });
    fs.writeFileSync(path.join(dir, LOCK_FILE), record({ pid: 999999999 }));
    const lines: string[] = [];
    const lock = await lockFolder(dir, { purpose: 'test', log: (l) => lines.push(l) });
    assert.ok(lines.some((l) => /removing the lock of pid 999999999 .* no longer running/.test(l)), lines.join('\n'));
    lock.release();
    assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));

    fs.writeFileSync(path.join(dir, LOCK_FILE), record({ pid: 1, host: 'other-host', machine: machineId() === 'ffffffffffff' ? 'eeeeeeeeeeee' : 'ffffffffffff' }));
    const waits: string[] = [];
    await assert.rejects(lockFolder(dir, { purpose: 'test', log: (l) => waits.push(l), pollMs: 20, timeoutMs: 300 }), /still locked by pid 1 on other-host \(x: seeds 0-3/);
    assert.ok(waits.some((l) => l.includes('runs on another machine') && l.includes(`remove ${path.join(dir, LOCK_FILE)}`)), waits.join('\n'));
    assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), 'a foreign lock is never removed');
  });

  it('a lock taken away while a run holds it stops that run with a clear error', async () => {
    const dir = tmpDir();
    const lock = await lockFolder(dir, { purpose: 'test', log: () => undefined });
    fs.rmSync(path.join(dir, LOCK_FILE));
    assert.throws(() => lock.assertHeld(), /this run's lock was removed or replaced while it ran/);
    lock.release();
  });

  it('the lock of a live process in this machine is waited for, not broken', async () => {
    const dir = tmpDir();
    const first = await lockFolder(dir, { purpose: 'first', log: () => undefined });
    const lines: string[] = [];
    const second = lockFolder(dir, { purpose: 'second', log: (l) => lines.push(l), pollMs: 20 });
    await sleep(150);
    assert.ok(lines.some((l) => l.startsWith(`waiting for pid ${process.pid} on ${os.hostname()} (first`)), lines.join('\n'));
    first.release();
    (await second).release();
  });
});
