import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fromFrame, loadFrame, readRows, removeDeadTemps, saveFrame, toFrame, writeFileAtomic, writeFileIfChanged, writeRows } from '../lib/experiments/results';
import { decodeTable, encodeTable, inferSchema, parseCsv } from '../lib/experiments/tables';

describe('result files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-results-'));

  it('round-trips tidy rows through CSV, quoting separators and quotes, keeping "" apart from a missing value', () => {
    const rows = [{ method: 'CAML, k=3', reward: -12.5, note: 'say "hi"' }, { method: 'MAML', reward: 0.125, note: '' }, { method: 'x', reward: 1 }];
    const file = path.join(dir, 'a', 'rows.csv');
    const schema = writeRows(file, rows);
    assert.deepStrictEqual(schema, { method: 'string', reward: 'float', note: 'string?' });
    assert.deepStrictEqual(readRows(file, schema), rows);
  });

  it('round-trips a single-column table and an empty table', () => {
    const file = path.join(dir, 'one.csv');
    writeRows(file, [{ total: 3 }, { total: 33 }], { total: 'int' });
    assert.deepStrictEqual(readRows(file, { total: 'int' }), [{ total: 3 }, { total: 33 }]);
    writeRows(file, [], { total: 'int' });
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'total\n');
    assert.deepStrictEqual(readRows(file, { total: 'int' }), []);
  });

  it('reads every value back with its declared type, exactly: NaN, ±Infinity, -0, 1e21, 2^53, "", "42", quotes and line breaks', () => {
    const schema = { x: 'float', s: 'string', o: 'string?', b: 'bool', n: 'int', f: 'float?' } as const;
    const rows = [
      { x: NaN, s: '', o: '', b: true, n: Number.MAX_SAFE_INTEGER, f: 1 },
      { x: Infinity, s: '42', b: false, n: -Number.MAX_SAFE_INTEGER },
      { x: -Infinity, s: 'NaN', o: 'true', b: true, n: 0, f: -0 },
      { x: -0, s: ' a ', o: 'a,"b"\r\nc', b: false, n: -1 },
      { x: 1e21, s: 'null', o: ' ', b: true, n: 7, f: 2 ** 53 + 2 },
      { x: 5e-324, s: '1e21', b: false, n: 8, f: 0.1 + 0.2 },
    ];
    const text = encodeTable(rows, schema, 't');
    const back = decodeTable(text, schema, 't');
    assert.strictEqual(back.length, rows.length);
    back.forEach((r, i) => {
      assert.deepStrictEqual(Object.keys(r).sort(), Object.keys(rows[i]).sort(), `row ${i} keys`);
      for (const [k, v] of Object.entries(rows[i])) assert.ok(Object.is((r as Record<string, unknown>)[k], v), `row ${i} ${k}: ${String((r as Record<string, unknown>)[k])} !== ${String(v)}`);
    });
    assert.strictEqual(encodeTable(back, schema, 't'), text, 'encoding is stable');
  });

  it('refuses values of the wrong type, naming the row and column', () => {
    assert.throws(() => encodeTable([{ n: 2.5 }], { n: 'int' }, 'fig4 divergence'), /fig4 divergence: row 1, column "n" is declared int but holds 2\.5/);
    assert.throws(() => encodeTable([{ n: 2 ** 53 }], { n: 'int' }, 't'), /column "n" is declared int/);
    assert.throws(() => encodeTable([{ s: 42 }], { s: 'string' }, 't'), /column "s" is declared string but holds 42/);
    assert.throws(() => encodeTable([{ a: 1, b: 2 }], { a: 'int' }, 't'), /row 1 has column "b", which the table does not declare/);
    assert.throws(() => encodeTable([{}], { a: 'int' }, 't'), /row 1, column "a" is missing/);
    assert.throws(() => decodeTable('a\n1.5\n', { a: 'int' }, 'f.csv'), /f\.csv: line 2, column "a" holds "1\.5", not a safe integer/);
    assert.throws(() => decodeTable('a\n9007199254740993\n', { a: 'int' }, 'f.csv'), /not a safe integer/);
    assert.throws(() => decodeTable('a\n0x10\n', { a: 'float' }, 'f.csv'), /holds "0x10", not a number/);
    assert.throws(() => decodeTable('a\n"1"\n', { a: 'float' }, 'f.csv'), /not an unquoted float/);
    assert.throws(() => decodeTable('a\n\n', { a: 'string' }, 'f.csv'), /is empty but the column is declared string/);
    assert.throws(() => decodeTable('b\n1\n', { a: 'int' }, 'f.csv'), /f\.csv: columns b do not match the declared a/);
    assert.throws(() => decodeTable('a,b\n1\n', { a: 'int', b: 'int' }, 'f.csv'), /line 2 has 1 fields, the header 2/);
  });

  it('infers a schema from rows for files without a declaration', () => {
    assert.deepStrictEqual(inferSchema([{ a: 1, b: 'x', c: true }, { a: 2, b: 'y' }], 't'), { a: 'float', b: 'string', c: 'bool?' });
    assert.throws(() => inferSchema([{ a: 1 }, { a: 'x' }], 't'), /column "a" holds both float and string values/);
  });

  it('reads and writes danfojs DataFrames', async () => {
    const file = path.join(dir, 'frame.csv');
    saveFrame(file, toFrame([{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }]));
    const df = await loadFrame(file);
    assert.deepStrictEqual(df.columns, ['a', 'b']);
    assert.deepStrictEqual(fromFrame(df), [{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }]);
    writeRows(file, [{ a: 1, b: '42' }, { a: 2, b: '7' }], { a: 'int', b: 'string' });
    const typed = await loadFrame(file, { a: 'int', b: 'string' });
    assert.deepStrictEqual(fromFrame(typed), [{ a: 1, b: '42' }, { a: 2, b: '7' }], 'declared string columns stay strings');
  });

  it('replaces a file atomically and leaves no temporary file', () => {
    const file = path.join(dir, 'atomic.txt');
    writeFileAtomic(file, 'old');
    writeFileAtomic(file, 'new');
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    const before = fs.statSync(file).mtimeMs;
    assert.strictEqual(writeFileIfChanged(file, 'new'), false);
    assert.strictEqual(fs.statSync(file).mtimeMs, before);
    assert.strictEqual(writeFileIfChanged(file, 'newer'), true);
  });

  it('removes temporary files of dead writers only', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-temps-'));
    writeFileAtomic(path.join(d, 'x.csv'), 'x');
    // A temp of this (live) process, of a dead pid on this machine, of another machine, and a foreign name.
    const { thisProcess } = require('../lib/core/liveness');
    const me = thisProcess();
    const live = `.x.csv.~${me.pid}_${me.start}_${me.machine}_aa.tmp`;
    const dead = `.x.csv.~999999999_1_${me.machine}_bb.tmp`;
    const other = `.x.csv.~1_1_000000000000_cc.tmp`;
    const foreign = '.x.csv.123.tmp';
    for (const f of [live, dead, other, foreign]) fs.writeFileSync(path.join(d, f), '');
    assert.deepStrictEqual(removeDeadTemps(d), [dead]);
    assert.deepStrictEqual(fs.readdirSync(d).sort(), [live, other, foreign, 'x.csv'].sort());
  });

  it('gives errors that name the file or the column', async () => {
    assert.throws(() => readRows(path.join(dir, 'missing.csv'), { a: 'int' }), /missing\.csv: cannot read result file/);
    assert.throws(() => parseCsv('a,b\n1,"unterminated\n', 'data/x.csv'), /data\/x\.csv: malformed CSV: a quoted field opened on line 2 never closes/);
    await assert.rejects(loadFrame(path.join(dir, 'nope.csv')), /nope\.csv: no such result file/);
  });
});
