/**
 * What identifies a run on disk: the backend (results of cpu and wasm are never mixed),
 * the declared tables, and the experiment's name in the registry that workers use.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { backendInfo, BackendName, initBackend } from '../../lib/core/tf';
import { getExperiment, isRegistered } from '../../lib/experiments/registry';
import { Experiment, runExperiment, runIdentity } from '../../lib/experiments/runner';
import { countingExperiment, twoTableExperiment, TWO_TABLES } from '../fixtures/counting-experiment';
import { tmpDir } from './helpers';

describe('faults: run identity and the experiment registry', function () {
  this.timeout(120_000);

  it('another backend is another run: computed again in its own folder, with a note pointing at the other results', async () => {
    const original = backendInfo()!.name;
    const other: BackendName = original === 'cpu' ? 'wasm' : 'cpu';
    const dataDir = tmpDir();
    const run = (log: (l: string) => void = () => undefined) => runExperiment(countingExperiment, {}, { seeds: 2, workers: 1, dataDir, log });
    const a = await run();
    try {
      await initBackend(other);
      const lines: string[] = [];
      const b = await run((l) => lines.push(l));
      assert.deepStrictEqual(b.computed, [0, 1]);
      assert.notStrictEqual(b.hash, a.hash);
      assert.deepStrictEqual([a.backend, b.backend], [original, other]);
      assert.ok(lines.some((l) => l.includes(`results computed on ${original}; set LAB_BACKEND=${original}`)), lines.join('\n'));
      assert.deepStrictEqual(b.provenance.map((p) => p.backend), [other, other]);
    } finally {
      await initBackend(original);
    }
    assert.deepStrictEqual((await run()).cached, [0, 1], 'back on the first backend, its results load');
  });

  it('a backend-independent experiment shares one folder across backends', () => {
    const cfg = twoTableExperiment.resolve({});
    assert.strictEqual(runIdentity(twoTableExperiment, cfg, 'cpu').hash, runIdentity(twoTableExperiment, cfg, 'wasm').hash);
    assert.notStrictEqual(runIdentity(countingExperiment, countingExperiment.resolve({}), 'cpu').hash, runIdentity(countingExperiment, countingExperiment.resolve({}), 'wasm').hash);
  });

  it('a changed table declaration is a new identity: old files are never read under it', () => {
    const cfg = twoTableExperiment.resolve({});
    const more = { ...twoTableExperiment, tables: { ...TWO_TABLES, extra: { x: 'float' } } } as unknown as typeof twoTableExperiment;
    assert.notStrictEqual(runIdentity(more, cfg, 'cpu').hash, runIdentity(twoTableExperiment, cfg, 'cpu').hash);
  });

  it('workers find experiments by name in the registry; unknown names and paths are refused', () => {
    assert.strictEqual(getExperiment('counting'), countingExperiment);
    assert.strictEqual(getExperiment('fig3-vpg').name, 'fig3-vpg');
    assert.throws(() => getExperiment('../../test/fixtures/counting-experiment'), /unknown experiment "..\/..\/test\/fixtures\/counting-experiment" \(known: .*counting.*fig3-vpg/);
    assert.throws(() => getExperiment('toString'), /unknown experiment "toString"/);
    assert.ok(isRegistered(countingExperiment));
  });

  it('an unregistered experiment runs on this thread, saying why, instead of handing workers a module path', async () => {
    const local: Experiment<{ n: number }, object, { rows: { v: 'int' } }> = {
      name: 'local-only', version: 1, tables: { rows: { v: 'int' } }, backendIndependent: true,
      resolve: () => ({ n: 1 }), unit: (_c, seed) => ({ rows: [{ v: seed }] }),
    };
    const lines: string[] = [];
    const r = await runExperiment(local, {}, { seeds: 3, workers: 2, dataDir: tmpDir(), log: (l) => lines.push(l) });
    assert.deepStrictEqual(r.tables.rows, [{ seed: 0, v: 0 }, { seed: 1, v: 1 }, { seed: 2, v: 2 }]);
    assert.ok(lines.some((l) => l.includes('not in the experiment registry') && l.includes('running on this thread')), lines.join('\n'));
  });

  it('experiment declarations are checked: folder-safe names, table and column names, column types', async () => {
    const base = { version: 1, resolve: () => ({}), unit: () => ({ rows: [] }) };
    const bad = async (exp: object, re: RegExp) => assert.rejects(runExperiment(exp as Experiment, {}, { seeds: 1, dataDir: tmpDir(), log: () => undefined }), re);
    await bad({ ...base, name: '../up', tables: { rows: { a: 'int' } } }, /experiment "..\/up": the name must be lower-case letters/);
    await bad({ ...base, name: 'ok', tables: { '../x': { a: 'int' } } }, /table name "..\/x" must be a letter/);
    await bad({ ...base, name: 'ok', tables: { rows: { 'a,b': 'int' } } }, /column name "a,b"/);
    await bad({ ...base, name: 'ok', tables: { rows: { a: 'number' } } }, /column "a" has type "number", expected one of int, float/);
    await bad({ ...base, name: 'ok', tables: { rows: { seed: 'int' } } }, /column "seed" is added by the runner/);
    await bad({ ...base, name: 'ok', tables: {} }, /tables must declare at least one table/);
  });

  it('a run that mixes units of several commits says so', async () => {
    const dataDir = tmpDir();
    const r = await runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 1, dataDir, log: () => undefined });
    const rec = path.join(r.dir, 'seed-1.json');
    const p = JSON.parse(fs.readFileSync(rec, 'utf8'));
    p.gitCommit = '0123456789abcdef0123456789abcdef01234567';
    fs.writeFileSync(rec, JSON.stringify(p));
    const lines: string[] = [];
    const again = await runExperiment(twoTableExperiment, {}, { seeds: 2, workers: 1, dataDir, log: (l) => lines.push(l) });
    assert.deepStrictEqual(again.cached, [0, 1]);
    assert.ok(lines.some((l) => /computed at 2 commits .*0123456789ab.*bump two-tables's version/.test(l)), lines.join('\n'));
    const results = JSON.parse(fs.readFileSync(path.join(r.dir, 'results.json'), 'utf8'));
    assert.strictEqual(results.gitCommits.length, 2);
  });
});
