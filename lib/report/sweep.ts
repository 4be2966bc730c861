/**
 * Charts and tables of a sweep (experiments/sweep.ts): a metric against each swept
 * parameter with 95% bands over seeds, and the settings ranked.
 *
 * Input rows hold one value of the metric per (setting, seed): the swept parameters as
 * columns, `seed`, and the metric (reduce a unit's table first, e.g. with `meanBy`).
 */
import { Row } from '../core/row';
import { meanBy, summarize } from '../core/stats';
import { formatInterval } from './format';
import { BandSeries, GROUP_COLORS, panelAxes, panelBandFigure } from './charts';
import { Figure } from './plotly';

export interface SweepFigureOptions {
  title?: string;
  /** Axis title of the metric. */
  yTitle?: string;
  /** Parameters drawn on a log axis (step sizes, usually). */
  logX?: readonly string[];
  /** Display names of the parameters (default: the config path). */
  labels?: Record<string, string>;
  /** Most bands per panel: one per setting of the other parameters; beyond this, their mean within each seed. Default 6. */
  maxSeries?: number;
  columns?: number;
}

function describeSetting(r: Row, params: readonly string[], labels: Record<string, string>): string {
  return params.map((p) => `${labels[p] ?? p} = ${r[p]}`).join(', ');
}

/** A panel of a sweep chart: one swept parameter against the metric. */
export interface SweepPanel {
  param: string;
  title: string;
  series: BandSeries[];
}

/**
 * One panel per swept parameter: the metric against its value, mean and 95% t-interval over
 * seeds, one band per setting of the other parameters (or their mean within each seed).
 */
export function sweepPanels(rows: readonly Row[], params: readonly string[], metric: string, opts: Pick<SweepFigureOptions, 'labels' | 'maxSeries'> = {}): SweepPanel[] {
  if (params.length === 0) throw new Error('sweepFigure: no swept parameters');
  for (const c of [...params, 'seed', metric]) {
    if (rows.length > 0 && !(c in rows[0])) throw new Error(`sweepFigure: rows have no column "${c}" (columns: ${Object.keys(rows[0]).join(', ')})`);
  }
  const labels = opts.labels ?? {};
  const maxSeries = opts.maxSeries ?? 6;
  return params.map((p) => {
    const others = params.filter((q) => q !== p);
    const combos = new Set(rows.map((r) => JSON.stringify(others.map((q) => r[q])))).size;
    const byOthers = others.length > 0 && combos <= maxSeries;
    const data = byOthers ? rows : meanBy(rows, [p, 'seed'], metric);
    const summary = summarize(data, byOthers ? [...others, p] : [p], metric);
    const groups = byOthers ? [...new Set(summary.map((r) => JSON.stringify(others.map((q) => r[q]))))] : [''];
    const series = groups.map((g, i): BandSeries => {
      const s = byOthers ? summary.filter((r) => JSON.stringify(others.map((q) => r[q])) === g) : summary;
      const sorted = s.slice().sort((a, b) => Number(a[p]) - Number(b[p]));
      return {
        name: byOthers ? describeSetting(s[0], others, labels) : others.length > 0 ? `mean over ${others.map((q) => labels[q] ?? q).join(', ')}` : 'mean over seeds',
        x: sorted.map((r) => Number(r[p])), mean: sorted.map((r) => Number(r.mean)), lo: sorted.map((r) => Number(r.lo)), hi: sorted.map((r) => Number(r.hi)),
        color: GROUP_COLORS[i % GROUP_COLORS.length],
      };
    });
    return { param: p, title: labels[p] ?? p, series };
  });
}

/** The sweep chart: `sweepPanels` in a grid, each x axis titled with its parameter (log where asked). */
export function sweepFigure(rows: readonly Row[], params: readonly string[], metric: string, opts: SweepFigureOptions = {}): Figure {
  const labels = opts.labels ?? {};
  const panels = sweepPanels(rows, params, metric, opts);
  const seeds = new Set(rows.map((r) => r.seed)).size;
  const fig = panelBandFigure(panels, {
    title: opts.title ?? `${opts.yTitle ?? metric} against each swept parameter (95% CI over ${seeds} seeds)`,
    yTitle: opts.yTitle ?? metric, columns: opts.columns ?? Math.min(3, params.length), panelHeight: 300,
  });
  params.forEach((p, i) => {
    const a = panelAxes(i);
    const axis = (fig.layout![a.xKey] ?? {}) as Record<string, unknown>;
    fig.layout![a.xKey] = { ...axis, title: { text: labels[p] ?? p }, ...(opts.logX?.includes(p) ? { type: 'log' } : {}) };
  });
  return fig;
}

/**
 * The settings ranked by mean metric over seeds (best first; `higherIsBetter` false for
 * losses): one row per setting with the parameters, "metric" as "mean [lo, hi]" and n.
 */
export function rankSettings(rows: readonly Row[], params: readonly string[], metric: string, higherIsBetter = true): Row[] {
  const s = summarize(rows, params, metric).sort((a, b) => (higherIsBetter ? 1 : -1) * (Number(b.mean) - Number(a.mean)));
  return s.map((r, i) => {
    const out: Row = { rank: i + 1 };
    for (const p of params) out[p] = r[p];
    out[metric] = formatInterval(r);
    out.seeds = r.n;
    return out;
  });
}

/** The best setting (highest mean, or lowest with `higherIsBetter` false) as path -> value. */
export function bestSetting(rows: readonly Row[], params: readonly string[], metric: string, higherIsBetter = true): Record<string, string | number | boolean> {
  const s = summarize(rows, params, metric);
  if (s.length === 0) throw new Error('bestSetting: no rows');
  const best = s.reduce((b, r) => ((higherIsBetter ? Number(r.mean) > Number(b.mean) : Number(r.mean) < Number(b.mean)) ? r : b));
  return Object.fromEntries(params.map((p) => [p, best[p]]));
}
