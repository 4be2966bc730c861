/**
 * The one place that reads and writes result files.
 *
 * - Writes are atomic: data goes to a temporary file in the same folder, is flushed to
 *   disk, then renamed over the target, so a reader (or a process killed mid-write) sees
 *   either the old file or the new one, never half of one.
 * - Result tables are tidy CSV (one row per observation). In memory they are danfojs
 *   DataFrames at the boundary (`saveFrame` / `loadFrame`) and plain row objects inside
 *   the lab. CSV text is produced by papaparse's `unparse`, which quotes fields properly
 *   (danfojs' own `toCSV` does not quote separators), and read back with danfojs'
 *   `readCSV`.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { Row } from '../core/row';

export type { Row };

/** Write `data` to `file` atomically (temp file + fsync + rename); creates missing folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}

/** Remove temporary files left by writers that were killed (older than `minAgeMs`). */
export function removeStaleTemps(dir: string, minAgeMs = 0): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const p = path.join(dir, name);
    if (Date.now() - fs.statSync(p).mtimeMs >= minAgeMs) {
      fs.rmSync(p, { force: true });
      n++;
    }
  }
  return n;
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** CSV text of rows; columns in first-seen order. Throws on an empty table. */
export function rowsToCsv(rows: readonly Row[], where = 'rowsToCsv'): string {
  if (rows.length === 0) throw new Error(`${where}: no rows to write (a result table needs at least one row)`);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  for (const r of rows) {
    for (const c of columns) {
      const v = r[c];
      if (typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v)) {
        throw new Error(`${where}: column "${c}" holds ${v}; a result must be finite or NaN`);
      }
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const Papa = require('papaparse');
  return Papa.unparse({ fields: columns, data: rows.map((r) => columns.map((c) => r[c] ?? '')) }, { newline: '\n' }) + '\n';
}

/** Parse CSV text into rows (numbers become numbers). Throws naming `source` on malformed text. */
export function csvToRows(text: string, source: string): Row[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const Papa = require('papaparse');
  const parsed = Papa.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true, delimiter: ',' });
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0];
    throw new Error(`${source}: malformed CSV${e.row !== undefined ? ` at row ${e.row + 1}` : ''}: ${e.message}`);
  }
  return parsed.data as Row[];
}

/** Write rows as CSV, atomically. */
export function writeRows(file: string, rows: readonly Row[]): void {
  writeFileAtomic(file, rowsToCsv(rows, file));
}

/** Read rows from a CSV file; errors name the file. */
export function readRows(file: string): Row[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read result file (${(e as Error).message})`);
  }
  return csvToRows(text, file);
}

type DanfoFrame = import('danfojs-node').DataFrame;

/**
 * A danfojs DataFrame. Notebooks annotate with it (`const df: lab.Frame = ...`): tslab
 * declares every cell's variables and cannot name danfojs' inferred types by itself.
 */
export type Frame = DanfoFrame;

function danfo(): typeof import('danfojs-node') {
  // Loaded on first use: danfojs takes about a second to import.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require('danfojs-node');
}

/** danfojs' column types (it has no others; values stay JavaScript numbers in memory). */
export type FrameDtype = 'int32' | 'float32' | 'string' | 'boolean';

const INT32_MAX = 2 ** 31 - 1;

/**
 * How a CSV file writes non-finite numbers; read back they are strings. In a column of
 * numbers they are those numbers again.
 */
const NON_FINITE = new Map<string, number>([['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]]);

/**
 * The danfojs type of a column, from its values: booleans, strings, or numbers (int32 when
 * every value is an integer that fits, else float32; a missing number is NaN, and the
 * strings "NaN", "Infinity", "-Infinity" among numbers are those numbers, as CSV files
 * hold them). Throws naming the column and row when a column mixes kinds.
 */
export function columnDtype(values: readonly unknown[], column: string, where = 'toFrame'): FrameDtype {
  let kind: 'number' | 'string' | 'boolean' | null = null;
  let integer = true;
  const numeric = values.some((v) => typeof v === 'number');
  values.forEach((v, i) => {
    if (v === undefined || v === null) return;
    if (numeric && typeof v === 'string' && NON_FINITE.has(v)) {
      integer = false;
      return;
    }
    const k = typeof v;
    if (k !== 'number' && k !== 'string' && k !== 'boolean') throw new Error(`${where}: column "${column}", row ${i + 1}: ${k} is not a table value`);
    if (kind !== null && k !== kind) {
      throw new Error(`${where}: column "${column}" mixes ${kind} and ${k} values (row ${i + 1}: ${JSON.stringify(v)}); a column has one type`);
    }
    kind = k as typeof kind;
    if (k === 'number' && !(Number.isInteger(v) && Math.abs(v as number) <= INT32_MAX)) integer = false;
  });
  if (kind === 'string') return 'string';
  if (kind === 'boolean') return 'boolean';
  return integer && kind === 'number' ? 'int32' : 'float32';
}

/**
 * Rows as a danfojs DataFrame with typed columns (first-seen column order; see
 * `columnDtype`). A missing value is NaN in a number column, "" in a string column.
 */
export function toFrame(rows: readonly Row[], where = 'toFrame'): DanfoFrame {
  if (rows.length === 0) throw new Error(`${where}: no rows`);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  const data: Record<string, unknown[]> = {};
  const dtypes: FrameDtype[] = [];
  for (const c of columns) {
    const values = rows.map((r) => r[c]);
    const dtype = columnDtype(values, c, where);
    const missing = dtype === 'string' ? '' : dtype === 'boolean' ? false : NaN;
    if (dtype === 'boolean' && values.some((v) => v === undefined || v === null)) {
      throw new Error(`${where}: column "${c}" is boolean with missing values; a boolean column must be complete`);
    }
    data[c] = values.map((v) => (v === undefined || v === null ? missing : dtype !== 'string' && typeof v === 'string' && NON_FINITE.has(v) ? NON_FINITE.get(v) : v));
    dtypes.push(dtype);
  }
  return new (danfo().DataFrame)(data, { columns, dtypes });
}

/**
 * One named table of a run's tables as a DataFrame (`run.frame("eval")`); the error for
 * an unknown name lists the tables there are.
 */
export function tableFrame(tables: Record<string, readonly Row[]>, table: string, where: string): DanfoFrame {
  if (!Object.prototype.hasOwnProperty.call(tables, table)) {
    throw new Error(`${where}: no table ${JSON.stringify(table)}; its tables are ${Object.keys(tables).map((t) => JSON.stringify(t)).join(', ') || '(none)'}`);
  }
  return toFrame(tables[table], `${where}, table "${table}"`);
}

/** A danfojs DataFrame as rows. */
export function fromFrame(df: DanfoFrame): Row[] {
  return danfo().toJSON(df, { format: 'column' }) as Row[];
}

/** Save a DataFrame as CSV, atomically. */
export function saveFrame(file: string, df: DanfoFrame): void {
  writeRows(file, fromFrame(df));
}

/** Load a CSV file as a danfojs DataFrame. */
export async function loadFrame(file: string): Promise<DanfoFrame> {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such result file`);
  return (await danfo().readCSV(file)) as DanfoFrame;
}
