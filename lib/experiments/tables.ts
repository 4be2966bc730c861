/**
 * Declared result tables: every experiment names its tables and gives each column a type,
 * and rows cross the disk through this one typed CSV codec, so they come back exactly as
 * they went in.
 *
 *   const tables = {
 *     training: { update: 'int', type: 'int', return: 'float' },
 *     medoids: { method: 'string', slot: 'int', accepted: 'bool', note: 'string?' },
 *   } satisfies TablesSchema;
 *
 * | type     | in memory                   | in the CSV                                        |
 * |----------|-----------------------------|---------------------------------------------------|
 * | `int`    | a safe integer              | decimal digits, `-` for negatives                 |
 * | `float`  | any number                  | the shortest text that reads back to the same     |
 * |          |                             | double; `NaN`, `Infinity`, `-Infinity`, `-0`      |
 * | `string` | any string                  | as is; quoted when it holds `,` `"` CR LF, when   |
 * |          |                             | it is empty, or when it starts or ends with space |
 * | `bool`   | true / false                | `true` / `false`                                  |
 *
 * A type ending in `?` (`'float?'`) may be missing from a row: it is written as an empty
 * unquoted field and read back as an absent key, while an empty string is written `""`.
 * So "42" stays a string, 1e21 and 2^53 stay numbers, NaN stays NaN, and "" stays "".
 */
export type ColumnType = 'int' | 'float' | 'string' | 'bool' | 'int?' | 'float?' | 'string?' | 'bool?';
/** Column name -> type, in the order of the CSV's columns. */
export type TableSchema = { readonly [column: string]: ColumnType };
/** Table name -> columns. */
export type TablesSchema = { readonly [table: string]: TableSchema };

type Base<T extends ColumnType> = T extends 'int' | 'float' | 'int?' | 'float?' ? number : T extends 'string' | 'string?' ? string : boolean;
type Simplify<T> = { [K in keyof T]: T[K] };
/** The row type of a table schema: `{ update: number; return: number; note?: string }`. */
export type RowOf<S extends TableSchema> = Simplify<
  { -readonly [K in keyof S as S[K] extends `${string}?` ? never : K]: Base<S[K]> } &
  { -readonly [K in keyof S as S[K] extends `${string}?` ? K : never]?: Base<S[K]> }
>;
/** What a unit returns for a tables schema: `{ training: RowOf<...>[], ... }`. */
export type TablesOf<T extends TablesSchema> = { [K in keyof T]: RowOf<T[K]>[] };
/** A row as the runner returns it: the declared columns after a leading `seed`. */
export type SavedRow<S extends TableSchema> = Simplify<{ seed: number } & RowOf<S>>;
/** Row types of every table as the runner returns them: `SavedRows<typeof TABLES>['eval']`. */
export type SavedRows<T extends TablesSchema> = { [K in keyof T]: SavedRow<T[K]> };
/** The tables of a run (every seed), typed as declared. */
export type SeededTablesOf<T extends TablesSchema> = { [K in keyof T]: SavedRow<T[K]>[] };

const TYPES: readonly ColumnType[] = ['int', 'float', 'string', 'bool', 'int?', 'float?', 'string?', 'bool?'];
/** Table names: a letter, then letters, digits, _ or -. They become file names, so nothing else. */
export const TABLE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Column names: no separators, quotes or line breaks, so a header never needs quoting. */
export const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_ .()/-]{0,63}$/;

/** Throws naming `where` unless `tables` is a well-formed tables schema. */
export function checkTablesSchema(tables: unknown, where: string): TablesSchema {
  if (typeof tables !== 'object' || tables === null || Array.isArray(tables) || Object.keys(tables).length === 0) {
    throw new Error(`${where}: tables must declare at least one table, e.g. { rows: { update: 'int', return: 'float' } }`);
  }
  for (const [name, cols] of Object.entries(tables)) {
    if (!TABLE_NAME.test(name)) throw new Error(`${where}: table name ${JSON.stringify(name)} must be a letter followed by letters, digits, _ or -`);
    if (typeof cols !== 'object' || cols === null || Array.isArray(cols) || Object.keys(cols).length === 0) {
      throw new Error(`${where}: table "${name}" must declare at least one column`);
    }
    for (const [col, type] of Object.entries(cols)) {
      if (!COLUMN_NAME.test(col)) throw new Error(`${where}: table "${name}": column name ${JSON.stringify(col)} must be a letter or _, then letters, digits, space, _ . ( ) / -`);
      if (col === 'seed') throw new Error(`${where}: table "${name}": column "seed" is added by the runner; do not declare it`);
      if (!TYPES.includes(type as ColumnType)) throw new Error(`${where}: table "${name}": column "${col}" has type ${JSON.stringify(type)}, expected one of ${TYPES.join(', ')}`);
    }
  }
  return tables as TablesSchema;
}

/** The schema with a leading `seed` column (what merged results files hold). */
export function withSeed(schema: TableSchema): TableSchema {
  return { seed: 'int', ...schema };
}

const optional = (t: ColumnType) => t.endsWith('?');
const base = (t: ColumnType) => t.replace('?', '') as 'int' | 'float' | 'string' | 'bool';

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v);
  if (typeof v === 'number' && Object.is(v, -0)) return '-0';
  return typeof v === 'object' && v !== null ? Object.prototype.toString.call(v) : String(v);
}

/** The CSV text of one value of a column; throws naming the row and column when the value has another type. */
function encodeValue(v: unknown, type: ColumnType, where: () => string): string | null {
  if (v === undefined) {
    if (optional(type)) return null;
    throw new Error(`${where()} is missing (declare the column as '${type}?' if it may be absent)`);
  }
  switch (base(type)) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`${where()} is declared int but holds ${describe(v)} (an int column takes safe integers; use 'float' otherwise)`);
      return Object.is(v, -0) ? '0' : String(v);
    case 'float':
      if (typeof v !== 'number') throw new Error(`${where()} is declared float but holds ${describe(v)}`);
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${where()} is declared bool but holds ${describe(v)}`);
      return v ? 'true' : 'false';
    case 'string':
      if (typeof v !== 'string') throw new Error(`${where()} is declared string but holds ${describe(v)}`);
      return v;
  }
}

function quote(field: string): string {
  return field === '' || /[",\r\n]/.test(field) || /^\s|\s$/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/**
 * CSV text of rows under a schema: a header of the declared columns in declared order,
 * then one line per row. Every row must have exactly the declared columns with their
 * types; errors name `where`, the row and the column. An empty table is a header alone.
 */
export function encodeTable(rows: readonly object[], schema: TableSchema, where: string): string {
  const cols = Object.keys(schema);
  const lines = [cols.join(',')];
  rows.forEach((row, i) => {
    if (typeof row !== 'object' || row === null) throw new Error(`${where}: row ${i + 1} is ${describe(row)}, not an object of columns`);
    const r = row as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!Object.prototype.hasOwnProperty.call(schema, k)) throw new Error(`${where}: row ${i + 1} has column "${k}", which the table does not declare (declared: ${cols.join(', ')})`);
    }
    lines.push(cols.map((c) => {
      const f = encodeValue(r[c], schema[c], () => `${where}: row ${i + 1}, column "${c}"`);
      return f === null ? '' : quote(f);
    }).join(','));
  });
  return lines.join('\n') + '\n';
}

/** One CSV field: its text and whether it was quoted (an empty quoted field is "", an empty bare one is missing). */
interface Field {
  text: string;
  quoted: boolean;
}

/** RFC 4180 records (LF or CRLF line ends); throws naming `source` and the line on malformed text. */
export function parseCsv(text: string, source: string): Field[][] {
  const records: Field[][] = [];
  let record: Field[] = [];
  let i = 0, line = 1;
  const n = text.length;
  if (n === 0) return records;
  for (;;) {
    let field: Field;
    if (text[i] === '"') {
      const startLine = line;
      let out = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error(`${source}: malformed CSV: a quoted field opened on line ${startLine} never closes`);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            out += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === '\n') line++;
        out += c;
        i++;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new Error(`${source}: malformed CSV on line ${line}: text after a closing quote`);
      field = { text: out, quoted: true };
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') {
        if (text[j] === '"') throw new Error(`${source}: malformed CSV on line ${line}: a quote inside an unquoted field`);
        j++;
      }
      field = { text: text.slice(i, j), quoted: false };
      i = j;
    }
    record.push(field);
    if (i >= n) {
      records.push(record);
      return records;
    }
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`${source}: malformed CSV on line ${line}: a CR without LF`);
      i++;
    }
    i++; // the LF
    line++;
    records.push(record);
    record = [];
    if (i >= n) return records;
  }
}

const INT = /^-?(0|[1-9][0-9]*)$/;
const FLOAT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?(e[+-]?[0-9]+)?$/;

function decodeValue(f: Field, type: ColumnType, where: () => string): string | number | boolean | undefined {
  const t = base(type);
  if (t === 'string') {
    if (f.text === '' && !f.quoted) {
      if (optional(type)) return undefined;
      throw new Error(`${where()} is empty but the column is declared string, not 'string?' (an empty string is written "")`);
    }
    return f.text;
  }
  if (f.text === '' && !f.quoted && optional(type)) return undefined;
  const bad = (what: string) => new Error(`${where()} holds ${JSON.stringify(f.text)}, not ${what}`);
  if (f.quoted) throw bad(`an unquoted ${t}`);
  if (t === 'bool') {
    if (f.text === 'true') return true;
    if (f.text === 'false') return false;
    throw bad('true or false');
  }
  if (t === 'int') {
    const v = Number(f.text);
    if (!INT.test(f.text) || !Number.isSafeInteger(v)) throw bad('a safe integer');
    return v;
  }
  if (f.text === 'NaN') return NaN;
  if (f.text === 'Infinity') return Infinity;
  if (f.text === '-Infinity') return -Infinity;
  if (!FLOAT.test(f.text)) throw bad('a number');
  return Number(f.text);
}

/**
 * Rows of CSV text under a schema. The header must be exactly the declared columns in
 * declared order; every value is read with its column's type. Errors name `source`, the
 * line and the column.
 */
export function decodeTable<S extends TableSchema>(text: string, schema: S, source: string): RowOf<S>[] {
  const records = parseCsv(text, source);
  const cols = Object.keys(schema);
  if (records.length === 0) throw new Error(`${source}: empty file, expected the header ${cols.join(',')}`);
  const header = records[0].map((f) => f.text);
  if (header.join(',') !== cols.join(',')) {
    throw new Error(`${source}: columns ${header.join(',')} do not match the declared ${cols.join(',')}`);
  }
  const rows: RowOf<S>[] = [];
  for (let k = 1; k < records.length; k++) {
    const rec = records[k];
    if (rec.length !== cols.length) throw new Error(`${source}: line ${k + 1} has ${rec.length} fields, the header ${cols.length}`);
    const row: Record<string, unknown> = {};
    cols.forEach((c, j) => {
      const v = decodeValue(rec[j], schema[c], () => `${source}: line ${k + 1}, column "${c}"`);
      if (v !== undefined) row[c] = v;
    });
    rows.push(row as RowOf<S>);
  }
  return rows;
}

/** A schema inferred from rows (number -> float, string, boolean; a column some rows lack is optional). */
export function inferSchema(rows: readonly object[], where: string): TableSchema {
  const types = new Map<string, ColumnType>();
  const count = new Map<string, number>();
  for (const row of rows) {
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined) continue;
      const t: ColumnType = typeof v === 'number' ? 'float' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : (() => {
        throw new Error(`${where}: column "${k}" holds ${describe(v)}; a table holds numbers, strings and booleans`);
      })();
      const prev = types.get(k);
      if (prev !== undefined && prev !== t) throw new Error(`${where}: column "${k}" holds both ${prev} and ${t} values`);
      types.set(k, t);
      count.set(k, (count.get(k) ?? 0) + 1);
    }
  }
  const schema: Record<string, ColumnType> = {};
  for (const [k, t] of types) schema[k] = (count.get(k) === rows.length ? t : `${t}?`) as ColumnType;
  return schema;
}
