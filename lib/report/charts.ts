/**
 * Figure builders: results in, Plotly figure specs (plain data) out. Nothing here draws;
 * `show(display, fig)` in plotly.ts does. Every builder is testable without a browser.
 */
import { ACTION_NAMES, DIRECTIONS, EntityType, N_ACTIONS, ParticleConfig } from '../envs/particle';
import { Row } from '../core/row';
import { Column, NumberColumn, summarize, Summary } from '../core/stats';
import { Figure, Layout, Trace } from './plotly';
import { TrajectoryBatch } from '../policies/rollout';

/** Colours of the four actions (left, right, down, up). */
export const ACTION_COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a'];
/** Colours of latent groups 0..5 (more wrap around). */
export const GROUP_COLORS = ['#1f77b4', '#d62728', '#e6ab02', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function groupColor(g: number): string {
  return GROUP_COLORS[((g % GROUP_COLORS.length) + GROUP_COLORS.length) % GROUP_COLORS.length];
}

/** "left->down, right->right, ..." for a remapping. */
export function describeRemapping(perm: readonly number[]): string {
  return perm.map((d, a) => `${ACTION_NAMES[a]}→${ACTION_NAMES[d]}`).join(', ');
}

function axisRef(i: number, axis: 'x' | 'y'): string {
  return i === 0 ? axis : `${axis}${i + 1}`;
}

function layoutAxisKey(i: number, axis: 'x' | 'y'): string {
  return i === 0 ? `${axis}axis` : `${axis}axis${i + 1}`;
}

/**
 * Where each action moves each entity, one panel per entity type or per latent group:
 * an arrow from the origin to the mean displacement (in units of the step size) and a
 * thick translucent segment covering the per-step noise range.
 * @param panels lists of entity types, one list per panel (e.g. the variants of a group)
 * @param titles one title per panel
 */
export function remappingFigure(panels: readonly (readonly EntityType[])[], titles: readonly string[], opts: { title?: string; columns?: number } = {}): Figure {
  const { layout } = gridLayout(panels.length, titles, { title: opts.title ?? 'What each action does', columns: opts.columns ?? 3 });
  (layout.legend as Layout).title = { text: 'action pressed:' };
  const data: Trace[] = [];
  panels.forEach((types, p) => {
    const { x: xa, y: ya, xKey, yKey } = panelAxes(p);
    for (let a = 0; a < N_ACTIONS; a++) {
      const xs: (number | null)[] = [], ys: (number | null)[] = [];
      const nx: (number | null)[] = [], ny: (number | null)[] = [];
      const text: (string | null)[] = [];
      for (const t of types) {
        const [ex, ey] = DIRECTIONS[t.perm[a]];
        const px = -ey, py = ex;
        const mx = ex + t.drift[a] * px, my = ey + t.drift[a] * py;
        xs.push(0, mx, null);
        ys.push(0, my, null);
        text.push('', `type ${t.id}: "${ACTION_NAMES[a]}" moves (${mx.toFixed(2)}, ${my.toFixed(2)}) ± ${t.spread[a].toFixed(2)} sideways`, null);
        nx.push(mx - t.spread[a] * px, mx + t.spread[a] * px, null);
        ny.push(my - t.spread[a] * py, my + t.spread[a] * py, null);
      }
      data.push({
        type: 'scatter', mode: 'lines+markers', x: xs, y: ys, xaxis: xa, yaxis: ya, text, hoverinfo: 'text',
        name: ACTION_NAMES[a], legendgroup: ACTION_NAMES[a], showlegend: p === 0,
        line: { color: ACTION_COLORS[a], width: 2 }, marker: { size: [0, 7], color: ACTION_COLORS[a], symbol: 'circle' },
      });
      data.push({
        type: 'scatter', mode: 'lines', x: nx, y: ny, xaxis: xa, yaxis: ya, hoverinfo: 'skip',
        legendgroup: ACTION_NAMES[a], showlegend: false, opacity: 0.35, line: { color: ACTION_COLORS[a], width: 8 },
      });
    }
    layout[xKey] = { range: [-1.6, 1.6], zeroline: true, showgrid: false };
    layout[yKey] = { range: [-1.6, 1.6], zeroline: true, showgrid: false, scaleanchor: xa };
  });
  return { data, layout };
}

export interface TrajectoryGroup {
  /** Legend label. */
  name: string;
  /** Rows of the batch that belong to this group. */
  rows: readonly number[];
  color: string;
}

/** Particle paths from the start, one colour per group, start and target marked. */
export function trajectoryFigure(batch: TrajectoryBatch, groups: readonly TrajectoryGroup[], particle: ParticleConfig, opts: { title?: string } = {}): Figure {
  const data: Trace[] = [];
  for (const g of groups) {
    g.rows.forEach((b, i) => {
      const L = batch.lengths[b];
      const x: number[] = [], y: number[] = [];
      for (let t = 0; t <= L; t++) {
        const k = (b * (batch.T + 1) + t) * 2;
        x.push(batch.states[k]);
        y.push(batch.states[k + 1]);
      }
      data.push({
        type: 'scatter', mode: 'lines', x, y, name: g.name, legendgroup: g.name, showlegend: i === 0,
        line: { color: g.color, width: 1.5 }, opacity: 0.8,
        hovertemplate: `${g.name}<br>x=%{x:.2f}, y=%{y:.2f}<extra>episode ${i + 1}</extra>`,
      });
    });
  }
  data.push({ type: 'scatter', mode: 'markers', x: [particle.start[0]], y: [particle.start[1]], name: 'start', marker: { symbol: 'x', size: 12, color: 'black' } });
  data.push({ type: 'scatter', mode: 'markers', x: [particle.target[0]], y: [particle.target[1]], name: 'target', marker: { symbol: 'circle', size: 16, color: 'gray' } });
  return {
    data,
    layout: {
      title: { text: opts.title ?? 'Trajectories' },
      xaxis: { title: { text: 'x' }, zeroline: false },
      yaxis: { title: { text: 'y' }, scaleanchor: 'x', zeroline: false },
      height: 520,
    },
  };
}

/** One line with a shaded interval, e.g. a mean over seeds with its 95% CI. */
export interface BandSeries {
  name: string;
  x: readonly number[];
  mean: readonly number[];
  lo: readonly number[];
  hi: readonly number[];
  color?: string;
  dash?: string;
}

function hexToRgba(hex: string, alpha: number): string {
  const h = hex.replace('#', '');
  const n = parseInt(h.length === 3 ? h.split('').map((c) => c + c).join('') : h, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

/** Traces of band series on the given axes (used by bandFigure and the multi-panel figures). */
export function bandTraces(series: readonly BandSeries[], axes: { x?: string; y?: string; showlegend?: boolean } = {}): Trace[] {
  const data: Trace[] = [];
  series.forEach((s, i) => {
    const color = s.color ?? GROUP_COLORS[i % GROUP_COLORS.length];
    const common = { xaxis: axes.x ?? 'x', yaxis: axes.y ?? 'y', legendgroup: s.name };
    data.push({
      ...common, type: 'scatter', mode: 'lines', x: [...s.x, ...s.x.slice().reverse()], y: [...s.hi, ...s.lo.slice().reverse()],
      fill: 'toself', fillcolor: hexToRgba(color, 0.18), line: { width: 0, color }, hoverinfo: 'skip', showlegend: false, name: `${s.name} 95% CI`,
    });
    data.push({
      ...common, type: 'scatter', mode: 'lines+markers', x: s.x, y: s.mean, name: s.name, showlegend: axes.showlegend ?? true,
      line: { color, width: 2, dash: s.dash ?? 'solid' }, marker: { size: 4, color },
      customdata: s.x.map((_, j) => [s.lo[j], s.hi[j]]),
      hovertemplate: `${s.name}<br>%{x}: %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}]<extra></extra>`,
    });
  });
  return data;
}

/** Lines with 95% bands. */
export function bandFigure(series: readonly BandSeries[], opts: { title?: string; xTitle?: string; yTitle?: string; height?: number } = {}): Figure {
  return {
    data: bandTraces(series),
    layout: {
      title: { text: opts.title ?? '' },
      xaxis: { title: { text: opts.xTitle ?? '' } },
      yaxis: { title: { text: opts.yTitle ?? '' } },
      hovermode: 'closest',
      height: opts.height ?? 450,
    },
  };
}

/** Name and style of one band. */
export interface BandStyle {
  name: string;
  color?: string;
  dash?: string;
}

/** A band from `summarize` output (one row per x with mean, lo, hi), x read from the number column `x`. */
export function summaryBand<R extends { mean: number; lo: number; hi: number }>(summary: readonly R[], x: NumberColumn<R>, style: BandStyle): BandSeries {
  return {
    ...style,
    x: summary.map((r) => r[x] as number),
    mean: summary.map((r) => r.mean),
    lo: summary.map((r) => r.lo),
    hi: summary.map((r) => r.hi),
  };
}

/**
 * One band per value of `group` (in order of first appearance; all rows when `group` is
 * omitted): `value` summarised over the rows at each `x` (mean and 95% t-interval; rows
 * are usually one per seed). `style(g, i)` names and colours the band of group value g.
 */
export function bandsBy<R extends Row, X extends NumberColumn<R>, G extends Column<R>>(rows: readonly R[], value: NumberColumn<R>, x: X, group?: G,
  style: (g: R[G], i: number) => BandStyle = (g, i) => ({ name: group ? String(g) : 'mean', color: GROUP_COLORS[i % GROUP_COLORS.length] })): BandSeries[] {
  const keys: (R[G] | undefined)[] = group ? [...new Set(rows.map((r) => r[group]))] : [undefined];
  return keys.map((k, i) => summaryBand(summarize(group ? rows.filter((r) => r[group] === k) : rows, [x], value), x as NumberColumn<Summary<R, X>>, style(k as R[G], i)));
}

/** One remapping panel per latent group, titled with the group's remapping. */
export function populationFigure(types: readonly EntityType[], opts: { title?: string } = {}): Figure {
  const latents = [...new Set(types.map((t) => t.latent))].sort((a, b) => a - b);
  const panels = latents.map((g) => types.filter((t) => t.latent === g));
  const titles = panels.map((ts) => `latent ${ts[0].latent}: ${describeRemapping(ts[0].perm)}`);
  return remappingFigure(panels, titles, { title: opts.title ?? `${types.length} entity types in ${latents.length} latent groups: mean move per action (step units), one arrow per variant` });
}

/** Trajectory groups by entity type: rows of type i get names[i] and colors[i]. */
export function groupsByType(batch: TrajectoryBatch, names: readonly string[], colors: readonly string[] = GROUP_COLORS): TrajectoryGroup[] {
  const types = [...new Set(batch.typeOf)].sort((a, b) => a - b);
  return types.map((t, i) => ({
    name: names[t] ?? `type ${t}`,
    color: colors[t % colors.length] ?? GROUP_COLORS[i % GROUP_COLORS.length],
    rows: [...batch.typeOf.keys()].filter((b) => batch.typeOf[b] === t),
  }));
}

/** Axis ids of panel p of a grid figure: "x"/"y" for the first, "x2"/"y2" for the second, ... */
export function panelAxes(p: number): { x: string; y: string; xKey: string; yKey: string } {
  return { x: axisRef(p, 'x'), y: axisRef(p, 'y'), xKey: layoutAxisKey(p, 'x'), yKey: layoutAxisKey(p, 'y') };
}

/**
 * The layout of `n` small multiples in a grid of `columns` columns: independent axes, one
 * title annotation per panel, a horizontal legend under the grid. Builders fill in traces
 * (with `panelAxes(p)`) and per-panel axis settings.
 */
export function gridLayout(n: number, titles: readonly string[], opts: { title?: string; columns?: number; panelHeight?: number; ygap?: number; xgap?: number }): { layout: Layout; rows: number; cols: number } {
  const cols = Math.max(1, Math.min(opts.columns ?? 3, n));
  const rows = Math.ceil(n / cols);
  const annotations = titles.slice(0, n).map((text, p) => {
    const a = panelAxes(p);
    return { text, showarrow: false, xref: `${a.x} domain`, yref: `${a.y} domain`, x: 0.5, y: 1.02, yanchor: 'bottom', font: { size: 12 } };
  });
  // The plotting area is panelHeight * rows pixels; margins hold the title (top) and the
  // bottom row's axis titles plus a legend of up to two lines (bottom).
  const plotHeight = (opts.panelHeight ?? 300) * rows;
  const layout: Layout = {
    title: { text: opts.title ?? '' },
    grid: { rows, columns: cols, pattern: 'independent', ygap: opts.ygap ?? 0.3, xgap: opts.xgap ?? 0.1 },
    height: plotHeight + 110 + 150,
    annotations,
    showlegend: true,
    legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: -85 / plotHeight, yanchor: 'top' },
    margin: { l: 60, r: 20, t: 110, b: 150 },
  };
  return { layout, rows, cols };
}

/** Small multiples of band series: one panel per entry, legend shared (one entry per series name). */
export function panelBandFigure(panels: readonly { title: string; series: readonly BandSeries[] }[],
  opts: { title?: string; xTitle?: string; yTitle?: string; columns?: number; panelHeight?: number; sharedY?: boolean; yRanges?: readonly ([number, number] | undefined)[] } = {}): Figure {
  const { layout, rows, cols } = gridLayout(panels.length, panels.map((p) => p.title), { ...opts, ygap: 0.35, xgap: 0.12 });
  layout.hovermode = 'closest';
  const data: Trace[] = [];
  panels.forEach((panel, p) => {
    const a = panelAxes(p);
    data.push(...bandTraces(panel.series, { x: a.x, y: a.y, showlegend: p === 0 }));
    layout[a.xKey] = { title: { text: p >= (rows - 1) * cols ? opts.xTitle ?? '' : '' } };
    layout[a.yKey] = { title: { text: p % cols === 0 ? opts.yTitle ?? '' : '' }, range: opts.yRanges?.[p], ...(opts.sharedY && p > 0 ? { matches: 'y' } : {}) };
  });
  return { data, layout };
}

/** A named set of 2D points. */
export interface PointGroup {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** Hover text per point. */
  text?: readonly string[];
}

/**
 * Scatter panels of point groups (e.g. end positions per method), with the start and the
 * target marked in every panel.
 */
export function panelScatterFigure(panels: readonly { title: string; groups: readonly PointGroup[] }[], particle: ParticleConfig,
  opts: { title?: string; columns?: number; panelHeight?: number; range?: [number, number] } = {}): Figure {
  const { layout } = gridLayout(panels.length, panels.map((p) => p.title), { ...opts, panelHeight: opts.panelHeight ?? 320 });
  const data: Trace[] = [];
  panels.forEach((panel, p) => {
    const a = panelAxes(p);
    for (const g of panel.groups) {
      data.push({
        type: 'scatter', mode: 'markers', x: g.x, y: g.y, xaxis: a.x, yaxis: a.y, name: g.name, legendgroup: g.name, showlegend: p === 0,
        marker: { color: g.color, size: 5, opacity: 0.6 }, text: g.text, hovertemplate: `${g.name}<br>(%{x:.2f}, %{y:.2f})%{text}<extra></extra>`,
      });
    }
    data.push({ type: 'scatter', mode: 'markers', x: [particle.start[0]], y: [particle.start[1]], xaxis: a.x, yaxis: a.y, name: 'start', legendgroup: 'start', showlegend: p === 0, marker: { symbol: 'x', size: 11, color: 'black' } });
    data.push({ type: 'scatter', mode: 'markers', x: [particle.target[0]], y: [particle.target[1]], xaxis: a.x, yaxis: a.y, name: 'target', legendgroup: 'target', showlegend: p === 0, marker: { symbol: 'star', size: 14, color: 'gray' } });
    layout[a.xKey] = { range: opts.range, zeroline: false };
    layout[a.yKey] = { range: opts.range, zeroline: false, scaleanchor: a.x };
  });
  return { data, layout };
}

/**
 * One figure with a slider: each step shows its own traces and hides the others (no
 * animation frames, so it also works in static exports: the first step is visible).
 */
export function sliderFigure(steps: readonly { label: string; traces: readonly Trace[] }[], layout: Layout, sliderPrefix = ''): Figure {
  const data: Trace[] = [];
  const owner: number[] = [];
  steps.forEach((s, i) => s.traces.forEach((t) => {
    data.push({ ...t, visible: i === 0 });
    owner.push(i);
  }));
  const sliderSteps = steps.map((s, i) => ({
    label: s.label,
    method: 'update',
    args: [{ visible: owner.map((o) => o === i) }],
  }));
  // Under a horizontal legend at the bottom (small multiples), the slider goes below it.
  const legendY = (layout.legend as { y?: number } | undefined)?.y;
  const below = typeof legendY === 'number' && legendY < 0;
  const margin = (layout.margin as Record<string, number> | undefined) ?? {};
  return {
    data,
    layout: {
      ...layout,
      ...(below ? { margin: { ...margin, b: (margin.b ?? 80) + 90 } } : {}),
      sliders: [{ active: 0, currentvalue: { prefix: sliderPrefix }, pad: { t: 40 }, steps: sliderSteps, ...(below ? { y: legendY - 0.08, yanchor: 'top' } : {}) }],
    },
  };
}

/** A heatmap trace of an [n, n] matrix with labels. */
export function heatmapTrace(matrix: ArrayLike<number>, n: number, labels: readonly string[], opts: { zmin?: number; zmax?: number; colorscale?: string; name?: string } = {}): Trace {
  const z: number[][] = [];
  for (let i = 0; i < n; i++) z.push(Array.from({ length: n }, (_, j) => matrix[i * n + j]));
  return {
    type: 'heatmap', z, x: labels, y: labels, zmin: opts.zmin, zmax: opts.zmax, colorscale: opts.colorscale ?? 'Viridis', name: opts.name ?? '',
    hovertemplate: '%{y} vs %{x}: %{z:.4f}<extra></extra>',
  };
}
