import * as assert from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backendInfo } from '../lib/core/tf';
import { configHash, runExperiment, runIdentity } from '../lib/experiments/runner';
import { countingExperiment, twoTableExperiment } from './fixtures/counting-experiment';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-runner-'));
}

function ranSeeds(logFile: string): number[] {
  return fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map(Number).sort((a, b) => a - b) : [];
}

describe('experiment runner', () => {
  it('hashes equal configs equally, whatever the key order, and different configs differently', () => {
    assert.strictEqual(configHash('x', 1, { a: 1, b: { c: 2, d: 3 } }), configHash('x', 1, { b: { d: 3, c: 2 }, a: 1 }));
    assert.notStrictEqual(configHash('x', 1, { a: 1 }), configHash('x', 1, { a: 2 }));
    assert.notStrictEqual(configHash('x', 1, { a: 1 }), configHash('x', 2, { a: 1 }));
  });

  it('skips recomputation on a cache hit and recomputes when the config changes', async () => {
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const first = await runExperiment(countingExperiment, { logFile }, { seeds: 3, workers: 1, dataDir, log: () => undefined });
    assert.deepStrictEqual(first.computed, [0, 1, 2]);
    const again = await runExperiment(countingExperiment, { logFile }, { seeds: 3, workers: 1, dataDir, log: () => undefined });
    assert.deepStrictEqual(again.computed, []);
    assert.deepStrictEqual(again.cached, [0, 1, 2]);
    assert.deepStrictEqual(ranSeeds(logFile), [0, 1, 2]);
    assert.deepStrictEqual(again.rows, first.rows);
    const changed = await runExperiment(countingExperiment, { logFile, updates: 3 }, { seeds: 3, workers: 1, dataDir, log: () => undefined });
    assert.deepStrictEqual(changed.computed, [0, 1, 2]);
    assert.notStrictEqual(changed.hash, first.hash);
    const forced = await runExperiment(countingExperiment, { logFile }, { seeds: [1], workers: 1, dataDir, force: true, log: () => undefined });
    assert.deepStrictEqual(forced.computed, [1]);
  });

  it('gives identical rows on 2 worker threads and in this thread', async () => {
    const serial = await runExperiment(countingExperiment, {}, { seeds: 4, workers: 1, dataDir: tmpDir(), log: () => undefined });
    const parallel = await runExperiment(countingExperiment, {}, { seeds: 4, workers: 2, dataDir: tmpDir(), log: () => undefined });
    assert.deepStrictEqual(parallel.rows, serial.rows);
    assert.ok(parallel.rows.some((r) => String(r.label).includes('"')), 'quoted strings survive the CSV round trip');
  });

  it('records provenance: config, seed, backend, package version and git commit', async () => {
    const r = await runExperiment(countingExperiment, {}, { seeds: [5], workers: 1, dataDir: tmpDir(), log: () => undefined });
    const p = JSON.parse(fs.readFileSync(path.join(r.dir, 'seed-5.json'), 'utf8'));
    assert.strictEqual(p.seed, 5);
    assert.deepStrictEqual(p.config, r.config);
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(p.backend));
    assert.match(p.packageVersion, /^\d+\.\d+\.\d+/);
    assert.ok(typeof p.gitCommit === 'string' && p.gitCommit.length > 0);
    assert.ok(fs.existsSync(path.join(r.dir, 'results.rows.csv')));
    const merged = JSON.parse(fs.readFileSync(path.join(r.dir, 'results.json'), 'utf8'));
    assert.deepStrictEqual([merged.seeds, merged.backends, merged.gitCommits], [[5], [p.backend], [p.gitCommit]]);
  });

  it('detects a truncated result file, names it, and recomputes that unit', async () => {
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const r = await runExperiment(countingExperiment, { logFile }, { seeds: 3, workers: 1, dataDir, log: () => undefined });
    const victim = path.join(r.dir, 'seed-1.rows.csv');
    const text = fs.readFileSync(victim, 'utf8');
    fs.writeFileSync(victim, text.slice(0, Math.floor(text.length / 2)));
    const lines: string[] = [];
    const again = await runExperiment(countingExperiment, { logFile }, { seeds: 3, workers: 1, dataDir, log: (l) => lines.push(l) });
    assert.deepStrictEqual(again.computed, [1]);
    assert.ok(lines.some((l) => l.includes('warning') && l.includes(victim)), lines.join('\n'));
    assert.deepStrictEqual(again.rows, r.rows);
  });

  it('keeps every finished unit when the process is killed, and completes the rest on rerun', async function () {
    this.timeout(120000);
    const dataDir = tmpDir(), logFile = path.join(dataDir, 'ran.log');
    const req = { experiment: 'counting', overrides: { logFile, sleepMs: 400 }, options: { seeds: 6, workers: 1, dataDir } };
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'run-child.js'), JSON.stringify(req)], { stdio: 'ignore', env: { ...process.env, LAB_BACKEND: backendInfo()!.name } });
    const dir = path.join(dataDir, 'counting', runIdentity(countingExperiment, countingExperiment.resolve({ logFile, sleepMs: 400 }), backendInfo()!.name).hash);
    const done = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^seed-\d+\.json$/.test(f)).length : 0);
    const t0 = Date.now();
    while (done() < 2 && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const finishedBefore = fs.readdirSync(dir).filter((f) => /^seed-\d+\.json$/.test(f)).map((f) => Number(f.match(/\d+/)![0]));
    assert.ok(finishedBefore.length >= 2 && finishedBefore.length < 6, `finished before the kill: ${finishedBefore}`);
    const mtimes = finishedBefore.map((s) => fs.statSync(path.join(dir, `seed-${s}.rows.csv`)).mtimeMs);
    const lines: string[] = [];
    const resumed = await runExperiment(countingExperiment, { logFile, sleepMs: 400 }, { seeds: 6, workers: 1, dataDir, log: (l) => lines.push(l) });
    assert.deepStrictEqual(resumed.cached.slice().sort(), finishedBefore.slice().sort());
    assert.deepStrictEqual([...resumed.cached, ...resumed.computed].sort(), [0, 1, 2, 3, 4, 5]);
    finishedBefore.forEach((s, i) => assert.strictEqual(fs.statSync(path.join(dir, `seed-${s}.rows.csv`)).mtimeMs, mtimes[i]));
    assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith('.tmp')), 'no temporary files left behind');
  });

  it('saves and reloads named tables, each seed-prefixed, and rejects a bad table name', async () => {
    const dataDir = tmpDir();
    const r = await runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 2, dataDir, log: () => undefined });
    assert.deepStrictEqual(Object.keys(r.tables).sort(), ['points', 'summary']);
    assert.deepStrictEqual(r.tables.summary, [{ seed: 0, total: 3 }, { seed: 1, total: 33 }]);
    assert.ok(fs.existsSync(path.join(r.dir, 'seed-1.points.csv')) && fs.existsSync(path.join(r.dir, 'results.summary.csv')));
    const again = await runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 1, dataDir, log: () => undefined });
    assert.deepStrictEqual(again.tables, r.tables);
    await assert.rejects(runExperiment(twoTableExperiment, { badName: true }, { seeds: 1, workers: 1, dataDir, log: () => undefined }), /two-tables seed 0: returned table "bad name", which two-tables does not declare/);
  });

  it('takes the number of workers from LAB_WORKERS and rejects a bad value naming it', async () => {
    const saved = process.env.LAB_WORKERS;
    try {
      process.env.LAB_WORKERS = '1';
      const lines: string[] = [];
      await runExperiment(countingExperiment, {}, { seeds: 2, dataDir: tmpDir(), log: (l) => lines.push(l) });
      assert.ok(lines.some((l) => l.includes('on this thread')), lines.join('\n'));
      process.env.LAB_WORKERS = 'two';
      await assert.rejects(runExperiment(countingExperiment, {}, { seeds: 2, dataDir: tmpDir(), log: () => undefined }), /LAB_WORKERS: expected a whole number from 1 to 1024 written in digits, got "two"/);
    } finally {
      if (saved === undefined) delete process.env.LAB_WORKERS;
      else process.env.LAB_WORKERS = saved;
    }
  });

  it('rejects bad run options', async () => {
    const bad = (opts: object, re: RegExp) => assert.rejects(runExperiment(countingExperiment, {}, { dataDir: tmpDir(), log: () => undefined, ...opts } as never), re);
    await bad({ seeds: [] }, /run options: "seeds" must be a count from 1 to 1000000 or a non-empty list of integers from 0 to 2\^53 - 1, got \[\]/);
    await bad({ seeds: 2.7 }, /"seeds" must be a count .*, got 2\.7/);
    await bad({ seeds: [1e21] }, /"seeds\[0\]" must be .*, got 1e\+21/);
    await bad({ seeds: [0, -1] }, /"seeds\[1\]" must be .*, got -1/);
    await bad({ seeds: [1, 1] }, /"seeds" must not repeat/);
    await bad({ seeds: 2, workers: NaN }, /run options: "workers" must be an integer from 1 to 1024, got NaN/);
    await bad({ seeds: 2, workers: 'abc' }, /"workers" must be an integer from 1 to 1024, got "abc"/);
    await bad({ seeds: 2, workers: 0 }, /"workers" must be an integer from 1 to 1024, got 0/);
    await bad({ seeds: 2, force: 'yes' }, /"force" must be true or false/);
    await bad({ seeds: 2, wrokers: 2 }, /run options: "wrokers" is not a known option/);
    await assert.rejects(runExperiment(countingExperiment, { updates: 0 }, { seeds: 1, dataDir: tmpDir() }), /counting config: "updates" must be an integer >= 1, got 0/);
  });
});
