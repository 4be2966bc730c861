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

/** Rows as a danfojs DataFrame. */
export function toFrame(rows: readonly Row[]): DanfoFrame {
  if (rows.length === 0) throw new Error('toFrame: no rows');
  return new (danfo().DataFrame)(rows as Row[]);
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
