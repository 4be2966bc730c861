/**
 * One tidy row of a result table: column name -> value. Tables are arrays of rows with
 * the same columns (one observation per row); `experiments/tables.ts` declares each
 * table's column types, and rows read back from disk come back with those types.
 */
export type Row = Record<string, string | number | boolean>;
