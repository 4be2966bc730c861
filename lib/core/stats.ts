/**
 * Small statistics for results over seeds: means, confidence intervals, grouping.
 */
import { Row } from './row';

export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Median (mean of the two middle values for even n); NaN for no values. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b), m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Sample standard deviation (n - 1). NaN for fewer than 2 values. */
export function std(xs: ArrayLike<number>): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) * (xs[i] - m);
  return Math.sqrt(s / (xs.length - 1));
}

// Two-sided 95% critical values of Student's t for df = 1..30.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t_{0.975, df}: 95% two-sided critical value (normal 1.96 beyond df 30). */
export function tCritical95(df: number): number {
  if (!(df >= 1)) return NaN;
  return df <= 30 ? T975[Math.floor(df) - 1] : 1.96;
}

export interface Interval {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** Mean with a 95% t-interval over independent values (seeds). For n = 1, lo = hi = mean. */
export function meanCI(xs: ArrayLike<number>): Interval {
  const n = xs.length, m = mean(xs);
  if (n < 2) return { mean: m, lo: m, hi: m, n };
  const h = (tCritical95(n - 1) * std(xs)) / Math.sqrt(n);
  return { mean: m, lo: m - h, hi: m + h, n };
}

/** Column names of a row type. */
export type Column<R> = keyof R & string;
/** Columns of `R` that hold numbers (any column of an untyped Row). */
export type NumberColumn<R> = string extends keyof R ? string : { [K in keyof R]-?: R[K] extends number | undefined ? K : never }[keyof R] & string;
/** One row of `summarize`: the `by` columns, then mean, lo, hi (95% t-interval) and n. */
export type Summary<R, K extends keyof R> = { [P in K]: R[P] } & { mean: number; lo: number; hi: number; n: number };

/** Group rows by the values of `keys`; map key is the JSON of those values. Order of first appearance. */
export function groupRows<R extends Row>(rows: readonly R[], keys: readonly Column<R>[]): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const k = JSON.stringify(keys.map((c) => r[c]));
    let g = out.get(k);
    if (!g) out.set(k, (g = []));
    g.push(r);
  }
  return out;
}

/** The numbers of column `value`; a value of another type is an error naming the column (rows are typed, never coerced). */
function numbers<R extends Row>(rows: readonly R[], value: string, where: string): number[] {
  return rows.map((r) => {
    const v = r[value];
    if (typeof v !== 'number') throw new TypeError(`${where}: column "${value}" holds ${JSON.stringify(v)}, expected numbers`);
    return v;
  });
}

/**
 * Summarise `value` over seeds: one row per distinct combination of `by`, with mean,
 * lo, hi (95% t-interval) and n over the finite values. Rows are sorted by the `by` columns.
 */
export function summarize<R extends Row, K extends Column<R>>(rows: readonly R[], by: readonly K[], value: NumberColumn<R>): Summary<R, K>[] {
  const out: Summary<R, K>[] = [];
  for (const [, g] of groupRows(rows, by)) {
    const ci = meanCI(numbers(g, value, 'summarize').filter((v) => Number.isFinite(v)));
    const row: Record<string, unknown> = {};
    for (const c of by) row[c] = g[0][c];
    Object.assign(row, { mean: ci.mean, lo: ci.lo, hi: ci.hi, n: ci.n });
    out.push(row as Summary<R, K>);
  }
  return out.sort((a, b) => {
    for (const c of by) {
      const x = a[c] as unknown, y = b[c] as unknown;
      if (x === y) continue;
      return typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
    }
    return 0;
  });
}

/** Mean of `value` per distinct combination of `by` (e.g. over episodes within a seed). */
export function meanBy<R extends Row, K extends Column<R>, V extends NumberColumn<R>>(rows: readonly R[], by: readonly K[], value: V): ({ [P in K]: R[P] } & { [P in V]: number })[] {
  const out: ({ [P in K]: R[P] } & { [P in V]: number })[] = [];
  for (const [, g] of groupRows(rows, by)) {
    const row: Record<string, unknown> = {};
    for (const c of by) row[c] = g[0][c];
    row[value] = mean(numbers(g, value, 'meanBy'));
    out.push(row as { [P in K]: R[P] } & { [P in V]: number });
  }
  return out;
}

export type Verdict = 'wins' | 'ties' | 'loses';

/**
 * Paired comparison over seeds: for each seed present in both, d = a - b; the 95%
 * t-interval of mean d decides: "wins" (interval above 0), "loses" (below 0) or "ties".
 */
export function pairedComparison(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): Interval & { verdict: Verdict } {
  const d: number[] = [];
  for (const [seed, x] of a) if (b.has(seed)) d.push(x - b.get(seed)!);
  const ci = meanCI(d);
  const verdict: Verdict = ci.n >= 2 && ci.lo > 0 ? 'wins' : ci.n >= 2 && ci.hi < 0 ? 'loses' : 'ties';
  return { ...ci, verdict };
}
