import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { csvToRows, fromFrame, loadFrame, readRows, rowsToCsv, saveFrame, toFrame, writeFileAtomic, writeRows } from '../lib/experiments/results';

describe('result files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metarl-results-'));

  it('round-trips tidy rows through CSV, quoting separators and quotes', () => {
    const rows = [{ method: 'CAML, k=3', reward: -12.5, note: 'say "hi"' }, { method: 'MAML', reward: 0.125, note: '' }];
    const file = path.join(dir, 'a', 'rows.csv');
    writeRows(file, rows);
    assert.deepStrictEqual(readRows(file), rows.map((r) => ({ ...r, note: r.note === '' ? null : r.note })));
  });

  it('round-trips a single-column table', () => {
    const file = path.join(dir, 'one.csv');
    writeRows(file, [{ total: 3 }, { total: 33 }]);
    assert.deepStrictEqual(readRows(file), [{ total: 3 }, { total: 33 }]);
  });

  it('reads and writes danfojs DataFrames', async () => {
    const file = path.join(dir, 'frame.csv');
    saveFrame(file, toFrame([{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }]));
    const df = await loadFrame(file);
    assert.deepStrictEqual(df.columns, ['a', 'b']);
    assert.deepStrictEqual(fromFrame(df), [{ a: 1, b: 'x' }, { a: 2.5, b: 'y' }]);
  });

  it('replaces a file atomically and leaves no temporary file', () => {
    const file = path.join(dir, 'atomic.txt');
    writeFileAtomic(file, 'old');
    writeFileAtomic(file, 'new');
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'new');
    assert.deepStrictEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('gives errors that name the file or the column', async () => {
    assert.throws(() => readRows(path.join(dir, 'missing.csv')), /missing\.csv: cannot read result file/);
    assert.throws(() => rowsToCsv([], 'fig4 results'), /fig4 results: no rows to write/);
    assert.throws(() => rowsToCsv([{ x: Infinity }], 't'), /column "x" holds Infinity/);
    assert.throws(() => csvToRows('a,b\n1,"unterminated\n', 'data/x.csv'), /data\/x\.csv: malformed CSV/);
    await assert.rejects(loadFrame(path.join(dir, 'nope.csv')), /nope\.csv: no such result file/);
  });
});
