/**
 * Fault injection: every corruption of a results folder that issue 18 found, applied to
 * a finished run. Each one is either recomputed with a warning naming the file (and the
 * final tables equal a clean run's) or refused with an error naming the file, and nothing
 * is ever written outside the data folder.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { runExperiment } from '../../lib/experiments/runner';
import { sha256 } from '../../lib/experiments/results';
import { UnitStore } from '../../lib/experiments/store';
import { assertTidy, snapshot, tmpDir } from './helpers';
import { trickyExperiment, twoTableExperiment } from '../fixtures/counting-experiment';

type Exp = typeof twoTableExperiment | typeof trickyExperiment;

async function finished(exp: Exp = twoTableExperiment) {
  const dataDir = tmpDir();
  const lines: string[] = [];
  const r = await runExperiment(exp as typeof twoTableExperiment, {}, { seeds: 3, workers: 1, dataDir, log: (l) => lines.push(l) });
  return { dataDir, dir: r.dir, first: r, lines };
}

/** Rerun; return the result and the log lines. */
async function rerun(exp: Exp, dataDir: string) {
  const lines: string[] = [];
  const r = await runExperiment(exp as typeof twoTableExperiment, {}, { seeds: 3, workers: 1, dataDir, log: (l) => lines.push(l) });
  return { r, lines };
}

function editRecord(dir: string, seed: number, f: (rec: Record<string, unknown>) => void): void {
  const file = path.join(dir, `seed-${seed}.json`);
  const rec = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(rec);
  fs.writeFileSync(file, JSON.stringify(rec));
}

/** Rewrite a CSV and fix its checksum in the record, so only the content checks can catch it. */
function editCsv(dir: string, seed: number, table: string, f: (text: string) => string): void {
  const file = path.join(dir, `seed-${seed}.${table}.csv`);
  const text = f(fs.readFileSync(file, 'utf8'));
  fs.writeFileSync(file, text);
  editRecord(dir, seed, (rec) => {
    (rec.tables as Record<string, { csvSha256: string }>)[table].csvSha256 = sha256(text);
  });
}

async function assertRecomputed(exp: Exp, c: { dataDir: string; dir: string; first: { tables: unknown } }, seed: number, message: RegExp) {
  const { r, lines } = await rerun(exp, c.dataDir);
  assert.deepStrictEqual(r.computed, [seed], lines.join('\n'));
  assert.ok(lines.some((l) => /warning/.test(l) && message.test(l)), `expected a warning matching ${message}:\n${lines.join('\n')}`);
  assert.deepStrictEqual(r.tables, c.first.tables, 'the final tables equal the clean run');
  assertTidy(c.dir);
}

describe('faults: corrupt results folders', () => {
  it('a record that lists fewer tables than declared: warned, recomputed, no rows dropped', async () => {
    const c = await finished();
    editRecord(c.dir, 1, (rec) => delete (rec.tables as Record<string, unknown>).summary);
    await assertRecomputed(twoTableExperiment, c, 1, /seed-1\.json: lists the tables points, but two-tables declares points, summary/);
  });

  it('a record naming a table "../../escape": never read or written, and nothing appears outside data/', async () => {
    const c = await finished();
    const outside = path.dirname(c.dataDir);
    const evil = path.join(c.dataDir, 'escape.csv');
    fs.writeFileSync(evil, 'i,v\n1,1\n');
    editRecord(c.dir, 2, (rec) => {
      (rec.tables as Record<string, unknown>)['../../escape'] = { rows: 1, csvSha256: sha256('i,v\n1,1\n') };
    });
    const before = fs.readdirSync(outside).sort();
    const evilBefore = snapshot(c.dataDir)['escape.csv'];
    await assertRecomputed(twoTableExperiment, c, 2, /seed-2\.json: lists the tables points, summary, \.\.\/\.\.\/escape/);
    assert.deepStrictEqual(fs.readdirSync(outside).sort(), before);
    assert.strictEqual(snapshot(c.dataDir)['escape.csv'], evilBefore);
  });

  it('a store refuses paths outside its data folder', () => {
    const dataDir = tmpDir();
    const id = { experiment: '..', version: 1, hash: 'x', config: {}, backend: null, tables: { rows: { a: 'int' } } } as const;
    assert.throws(() => new UnitStore(dataDir, id), /outside the data folder/);
    const ok = new UnitStore(dataDir, { ...id, experiment: 'e' });
    assert.throws(() => ok.tablePath(0, '../x'), /table "\.\.\/x" is not declared/);
  });

  for (const [what, edit, message] of [
    ['a seed field of the wrong type', (r: Record<string, unknown>) => { r.seed = '1'; }, /seed-1\.json: provenance record: "seed" Expected number, received string/],
    ['an unknown key (__proto__)', (r: Record<string, unknown>) => { Object.defineProperty(r, '__proto__', { value: { polluted: true }, enumerable: true }); }, /seed-1\.json: provenance record: .*Unrecognized key/],
    ['another hash', (r: Record<string, unknown>) => { r.hash = '000000000000'; }, /seed-1\.json: records hash "000000000000"/],
    ['another config', (r: Record<string, unknown>) => { r.config = { n: 4, badName: false, extraTable: false }; }, /seed-1\.json: records another config/],
    ['a negative row count', (r: Record<string, unknown>) => { (r.tables as Record<string, { rows: number }>).points.rows = -1; }, /seed-1\.json: provenance record: "tables\.points\.rows"/],
  ] as const) {
    it(`a record with ${what}: warned and recomputed`, async () => {
      const c = await finished();
      editRecord(c.dir, 1, edit);
      await assertRecomputed(twoTableExperiment, c, 1, message);
      assert.strictEqual(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    });
  }

  it('a record that is not JSON, and a table without its record: warned and recomputed', async () => {
    const c = await finished();
    fs.writeFileSync(path.join(c.dir, 'seed-0.json'), '{"experiment": "two-tab');
    await assertRecomputed(twoTableExperiment, c, 0, /seed-0\.json: corrupt provenance record/);
    fs.rmSync(path.join(c.dir, 'seed-2.json'));
    await assertRecomputed(twoTableExperiment, c, 2, /seed-2\.points\.csv: result without its provenance record/);
  });

  it('a truncated table, an edited value, a changed header and a retyped value: warned and recomputed', async () => {
    const c = await finished(trickyExperiment);
    const file = path.join(c.dir, 'seed-1.values.csv');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, text.length - 9));
    await assertRecomputed(trickyExperiment, c, 1, /seed-1\.values\.csv: checksum does not match/);
    editCsv(c.dir, 1, 'values', (t) => t.replace(/^k,x,/, 'k,y,'));
    await assertRecomputed(trickyExperiment, c, 1, /seed-1\.values\.csv: columns k,y,s,maybe,flag,big do not match the declared k,x,s,maybe,flag,big/);
    editCsv(c.dir, 1, 'values', (t) => t.replace('\n0,NaN,', '\n0,abc,'));
    await assertRecomputed(trickyExperiment, c, 1, /seed-1\.values\.csv: line 2, column "x" holds "abc", not a number/);
    editCsv(c.dir, 1, 'values', (t) => t.replace(/\n1,Infinity,42,/, '\n1,Infinity,"42",').replace(/,true,9007199254740991\n/, ',yes,9007199254740991\n'));
    await assertRecomputed(trickyExperiment, c, 1, /column "flag" holds "yes", not true or false/);
  });

  it('a record or table replaced by a folder: a clear error naming it, nothing recomputed', async () => {
    const c = await finished();
    const rec = path.join(c.dir, 'seed-1.json');
    fs.rmSync(rec);
    fs.mkdirSync(rec);
    await assert.rejects(rerun(twoTableExperiment, c.dataDir), (e: Error) => e.message.includes(`${rec}: is a folder, but a provenance record must be a file`));
    fs.rmdirSync(rec);
    const table = path.join(c.dir, 'seed-2.summary.csv');
    fs.rmSync(table);
    fs.mkdirSync(table);
    await assert.rejects(rerun(twoTableExperiment, c.dataDir), (e: Error) => e.message.includes(`${table}: is a folder, but a result table must be a file`));
  });

  it('a unit that returns a table it does not declare, or lacks one: an error naming the table, nothing saved', async () => {
    const dataDir = tmpDir();
    await assert.rejects(runExperiment(twoTableExperiment, { extraTable: true }, { seeds: 1, workers: 1, dataDir, log: () => undefined }),
      /two-tables seed 0: returned table "extra", which two-tables does not declare \(declared: points, summary\)/);
    const dirs = fs.readdirSync(path.join(dataDir, 'two-tables'));
    assert.deepStrictEqual(fs.readdirSync(path.join(dataDir, 'two-tables', dirs[0])), ['config.json']);
  });

  it('typed columns come back exactly: NaN, ±Infinity, -0, 1e21, 2^53 + 2, "", missing, "42" and "true" as strings', async () => {
    const c = await finished(trickyExperiment);
    const fresh = (await trickyExperiment.unit(trickyExperiment.resolve({}), 0)).values.map((r) => ({ seed: 0, ...r }));
    const r = await runExperiment(trickyExperiment, {}, { seeds: 3, workers: 1, dataDir: c.dataDir, log: () => undefined });
    assert.deepStrictEqual(r.cached, [0, 1, 2]);
    assert.deepStrictEqual(r.tables.values.filter((x) => x.seed === 0), fresh);
    assert.ok(Object.is(r.tables.values[3].x, -0));
    assert.strictEqual(r.tables.values[1].s, '42');
    assert.ok(!('maybe' in r.tables.values[1]) && r.tables.values[0].maybe === '');
  });

  it('a fully cached run writes nothing: same files, inodes and times (so read-only results re-render)', async () => {
    const c = await finished();
    const before = snapshot(c.dataDir);
    const { r } = await rerun(twoTableExperiment, c.dataDir);
    assert.deepStrictEqual(r.cached, [0, 1, 2]);
    assert.deepStrictEqual(snapshot(c.dataDir), before);
    // An out-of-date results file is rewritten, and only it.
    fs.writeFileSync(path.join(c.dir, 'results.summary.csv'), 'stale\n');
    const stale = snapshot(c.dataDir);
    await rerun(twoTableExperiment, c.dataDir);
    const after = snapshot(c.dataDir);
    const changed = Object.keys(after).filter((k) => after[k] !== stale[k]);
    assert.deepStrictEqual(changed, [path.join(path.relative(c.dataDir, c.dir), 'results.summary.csv')]);
  });

  it('temporary files of dead writers are removed when a run computes; a foreign file is left alone', async () => {
    const c = await finished();
    const { machineId } = require('../../lib/core/liveness');
    const dead = `.seed-1.points.csv.~999999999_1_${machineId()}_ab.tmp`;
    fs.writeFileSync(path.join(c.dir, dead), 'half');
    fs.rmSync(path.join(c.dir, 'seed-1.json'));
    fs.rmSync(path.join(c.dir, 'seed-1.points.csv'));
    fs.rmSync(path.join(c.dir, 'seed-1.summary.csv'));
    const { r, lines } = await rerun(twoTableExperiment, c.dataDir);
    assert.deepStrictEqual(r.computed, [1]);
    assert.ok(lines.some((l) => /removed 1 temporary file/.test(l)), lines.join('\n'));
    assertTidy(c.dir);
  });
});
