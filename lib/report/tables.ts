/**
 * Small HTML tables for notebook output (rows of results, config summaries).
 */
import { HtmlDisplay } from './plotly';
import { Row } from '../core/row';
import type { Frame } from '../experiments/results';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cell(v: unknown, digits: number): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (v === undefined || v === null) return '';
  return escapeHtml(String(v));
}

/** An HTML table of rows; columns in first-seen order unless given; `headerTitles`: a tooltip per column. */
export function htmlTable(rows: readonly Row[], opts: { columns?: string[]; digits?: number; caption?: string; headerTitles?: readonly string[] } = {}): string {
  const digits = opts.digits ?? 3;
  const cols = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = cols.map((c, j) => `<th${opts.headerTitles?.[j] ? ` title="${escapeHtml(opts.headerTitles[j])}"` : ''}>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c], digits)}</td>`).join('')}</tr>`).join('\n');
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left">${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="metarl-table" style="border-collapse:collapse;font-size:12px">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Display rows as a table. */
export function showTable(display: HtmlDisplay, rows: readonly Row[], opts: { columns?: string[]; digits?: number; caption?: string } = {}): void {
  display.html(htmlTable(rows, opts));
}

/**
 * An HTML table of a danfojs DataFrame (as `htmlTable`: plain HTML with inline styles, so
 * it survives the HTML export and GitHub's view). Each header's tooltip gives the
 * column's dtype; the caption ends with the frame's shape. At most `maxRows` rows
 * (default 60) are shown, with a note of how many more there are.
 */
export function frameHtml(df: Frame, opts: { digits?: number; caption?: string; maxRows?: number } = {}): string {
  const columns = df.columns as string[];
  const dtypes = df.dtypes as string[];
  const values = df.values as unknown[][];
  const maxRows = opts.maxRows ?? 60;
  const digits = opts.digits ?? 3;
  // A float32 column shows every value with the same decimals (htmlTable prints 2.0 as "2").
  const show = (v: unknown, j: number): Row[string] =>
    dtypes[j] === 'float32' && typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(digits) : String(v)) : (v as Row[string]);
  const rows: Row[] = values.slice(0, maxRows).map((v) => Object.fromEntries(columns.map((c, j) => [c, show(v[j], j)])));
  const [n, m] = df.shape as [number, number];
  const shape = `${n} row${n === 1 ? '' : 's'} × ${m} column${m === 1 ? '' : 's'}`;
  let html = htmlTable(rows, { columns, digits, caption: opts.caption ? `${opts.caption} (${shape})` : shape, headerTitles: dtypes });
  html = html.replace('<table class="metarl-table"', `<table class="metarl-table" data-metarl-frame="${n}x${m}"`);
  if (n > maxRows) html += `<div style="font:12px sans-serif;color:#555">… ${n - maxRows} more rows (showFrame's maxRows is ${maxRows})</div>`;
  return html;
}

/** Display a danfojs DataFrame as a table: `lab.showFrame(tslab.display, df, { caption })`. */
export function showFrame(display: HtmlDisplay, df: Frame, opts: { digits?: number; caption?: string; maxRows?: number } = {}): void {
  display.html(frameHtml(df, opts));
}

/** What a report needs to know about one experiment run (kept in the output's data attribute). */
export interface RunSummary {
  experiment: string;
  hash: string;
  seeds: number[];
  computed: number[];
  cached: number[];
  backend: string;
  gitCommit: string;
}

/**
 * A one-line provenance block for a run: experiment, config hash, seeds, what was computed
 * or loaded, backend and commit. The report index reads it back from `data-metarl-run`.
 */
export function runSummaryHtml(run: { experiment: string; hash: string; dir: string; computed: number[]; cached: number[]; provenance: { seed: number; backend: string; gitCommit: string }[] }): string {
  const s: RunSummary = {
    experiment: run.experiment,
    hash: run.hash,
    seeds: run.provenance.map((p) => p.seed),
    computed: run.computed,
    cached: run.cached,
    backend: [...new Set(run.provenance.map((p) => p.backend))].join('+'),
    gitCommit: [...new Set(run.provenance.map((p) => p.gitCommit.slice(0, 12)))].join('+'),
  };
  const attr = escapeHtml(JSON.stringify(s));
  return `<div class="metarl-run" data-metarl-run="${attr}" style="font:12px monospace;color:#555">` +
    `run ${escapeHtml(s.experiment)} · config ${s.hash} · ${s.seeds.length} seeds (${s.computed.length} computed, ${s.cached.length} from data/) · ` +
    `backend ${escapeHtml(s.backend)} · commit ${escapeHtml(s.gitCommit)}</div>`;
}

/** Display a run's provenance line. */
export function showRun(display: HtmlDisplay, run: Parameters<typeof runSummaryHtml>[0]): void {
  display.html(runSummaryHtml(run));
}
