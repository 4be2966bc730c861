/**
 * Small HTML tables for notebook output (rows of results, config summaries).
 */
import { HtmlDisplay } from './plotly';
import { Row } from '../core/row';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cell(v: unknown, digits: number): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (v === undefined || v === null) return '';
  return escapeHtml(String(v));
}

/** An HTML table of rows; columns in first-seen order unless given. */
export function htmlTable(rows: readonly Row[], opts: { columns?: string[]; digits?: number; caption?: string } = {}): string {
  const digits = opts.digits ?? 3;
  const cols = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${cell(r[c], digits)}</td>`).join('')}</tr>`).join('\n');
  const caption = opts.caption ? `<caption style="caption-side:top;text-align:left">${escapeHtml(opts.caption)}</caption>` : '';
  return `<table class="metarl-table" style="border-collapse:collapse;font-size:12px">${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Display rows as a table. */
export function showTable(display: HtmlDisplay, rows: readonly Row[], opts: { columns?: string[]; digits?: number; caption?: string } = {}): void {
  display.html(htmlTable(rows, opts));
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
