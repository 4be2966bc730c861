/**
 * The one place that reads and writes result files.
 *
 * - Writes are atomic: data goes to a temporary file in the same folder, is flushed to
 *   disk, then renamed over the target, so a reader (or a process killed mid-write) sees
 *   either the old file or the new one, never half of one. The temporary file's name
 *   carries its writer (`.<name>.~<pid>_<start>_<machine>_<random>.tmp`, see
 *   core/liveness.ts), so a cleanup removes only the files of writers that are dead.
 * - Result tables are tidy CSV (one row per observation) with declared column types
 *   (tables.ts), read back with exactly those types. In memory they are plain row objects
 *   inside the lab and danfojs DataFrames at the boundary (`saveFrame` / `loadFrame`).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { liveness, tempTag, tempWriter } from '../core/liveness';
import { Row } from '../core/row';
import { decodeTable, encodeTable, inferSchema, RowOf, TableSchema } from './tables';

export type { Row };

/** Write `data` to `file` atomically (temp file + fsync + rename); creates missing folders. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.~${tempTag()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}

/**
 * Write `data` to `file` atomically unless the file already holds exactly it; returns
 * whether it wrote. A re-render from unchanged results writes nothing, so it works on a
 * read-only copy.
 */
export function writeFileIfChanged(file: string, data: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === data) return false;
  } catch {
    // missing or unreadable: write it
  }
  writeFileAtomic(file, data);
  return true;
}

/**
 * Remove the temporary files in `dir` whose writers are provably dead (same machine, the
 * process is gone or its pid was reused). Files of live writers, of other machines and
 * of unknown form are left alone. Returns the names removed.
 */
export function removeDeadTemps(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const writer = tempWriter(name);
    if (writer === null || liveness(writer) !== 'dead') continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed.push(name);
    } catch {
      // read-only folder: leave it
    }
  }
  return removed;
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Write rows as CSV, atomically. With a schema every row is checked against it; without
 * one the schema is inferred from the rows (numbers as float). Returns the schema used.
 */
export function writeRows(file: string, rows: readonly object[], schema?: TableSchema): TableSchema {
  const s = schema ?? inferSchema(rows, file);
  writeFileAtomic(file, encodeTable(rows, s, file));
  return s;
}

/** Read rows from a CSV file written under `schema`, with its types; errors name the file. */
export function readRows<S extends TableSchema>(file: string, schema: S): RowOf<S>[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read result file (${(e as Error).message})`);
  }
  return decodeTable(text, schema, file);
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

/** Save a DataFrame as CSV, atomically (column types inferred from its values). */
export function saveFrame(file: string, df: DanfoFrame): void {
  writeRows(file, fromFrame(df));
}

/**
 * Load a CSV file as a danfojs DataFrame. With the table's schema (e.g.
 * `withSeed(fig4.TABLES.training)` for results.training.csv) every column has its declared
 * type; without one, danfojs guesses the types from the text.
 */
export async function loadFrame(file: string, schema?: TableSchema): Promise<DanfoFrame> {
  if (!fs.existsSync(file)) throw new Error(`${file}: no such result file`);
  if (schema) return toFrame(readRows(file, schema) as Row[]);
  return (await danfo().readCSV(file)) as DanfoFrame;
}
