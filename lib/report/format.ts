/**
 * Numbers in sentences and tables, written once for every figure: a number, a 95%
 * interval "mean [lo, hi]", and the sentences that describe a curve or a set of values.
 */
import { meanCI, mean, NumberColumn } from '../core/stats';

/**
 * A number for reading: 0 as "0"; |x| >= 100 with one decimal; >= 1 with two (or
 * `digits`); >= 0.01 with three (or `digits`); smaller ones in exponent form; NaN and
 * infinities as words.
 */
export function formatNumber(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(1);
  if (a < 0.01) return x.toExponential(2);
  return x.toFixed(digits ?? (a >= 1 ? 2 : 3));
}

/** "mean [lo, hi]" of a summary row (from `summarize`) or an interval. */
export function formatInterval(r: { mean: number; lo: number; hi: number }): string {
  return `${formatNumber(r.mean)} [${formatNumber(r.lo)}, ${formatNumber(r.hi)}]`;
}

/** "mean [lo, hi]": the 95% t-interval of the finite values (e.g. one per seed). */
export function intervalOf(values: readonly number[]): string {
  return formatInterval(meanCI(values.filter(Number.isFinite)));
}

/** The distinct seeds of rows, ascending. */
export function seedsOf(rows: readonly { seed: number }[]): number[] {
  return [...new Set(rows.map((r) => r.seed))].sort((a, b) => a - b);
}

/**
 * A sentence about a summarised curve: first and last x, with 95% intervals, e.g.
 * "mean return goes from -186 [-200, -170] at update 0 to -30.1 [-33.0, -27.2] at update 100 (n = 5)".
 */
export function describeChange<R extends { mean: number; lo: number; hi: number; n: number }>(summary: readonly R[], x: NumberColumn<R>, what: string): string {
  if (summary.length === 0) return `${what}: no data`;
  const first = summary[0], last = summary[summary.length - 1];
  return `${what} goes from ${formatInterval(first)} at ${x} ${first[x]} to ${formatInterval(last)} at ${x} ${last[x]} (n = ${last.n}; 95% t-intervals over seeds)`;
}

/** "label: mean m (range lo to hi, n values)". */
export function describeValues(xs: readonly number[], label: string): string {
  if (xs.length === 0) return `${label}: no values`;
  return `${label}: mean ${formatNumber(mean(xs))} (range ${formatNumber(Math.min(...xs))} to ${formatNumber(Math.max(...xs))}, ${xs.length} values)`;
}
