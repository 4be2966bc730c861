/**
 * The tuning of Figure 1's step sizes (experiments/fig1-tuning.ts): each method's score
 * against each of its step sizes, the budget every method got, and the settings chosen.
 * Pure: a Tuning in, figures, tables and sentences out.
 */
import { Row } from '../core/row';
import { meanBy, summarize } from '../core/stats';
import { MethodName } from '../experiments/fig1';
import * as fig1 from '../experiments/fig1';
import { PATH_LABELS, Tuning, TUNED_PATHS } from '../experiments/fig1-tuning';
import { getPath, Point } from '../experiments/sweep';
import { panelAxes, panelBandFigure } from './charts';
import { METHOD_COLORS, METHOD_LABELS } from './fig1';
import { formatDuration } from '../core/progress';
import { formatInterval } from './format';
import { Figure, Trace } from './plotly';
import { sweepPanels } from './sweep';

/** The tuned methods of a tuning, in Fig. 1's order. */
export function tunedMethods(t: Tuning): MethodName[] {
  return fig1.METHODS.filter((m) => t.scores[m] !== undefined);
}

function settingText(point: Point | undefined): string {
  if (!point) return '';
  // Swept values are written as given (grids of round numbers), not reformatted.
  return Object.entries(point).map(([p, v]) => `${PATH_LABELS[p] ?? p} = ${v}`).join(', ');
}

/** Fig. 1's default value of each tuned path of `m`. */
export function defaults(m: MethodName): Point {
  const d = fig1.config({});
  return Object.fromEntries(TUNED_PATHS[m].map((p) => [p, getPath(d, p) as number]));
}

function sameSetting(a: Row, b: Point): boolean {
  return Object.entries(b).every(([p, v]) => a[p] === v);
}

/**
 * One panel per (method, step size): the tuning score against the step size (log axis),
 * mean and 95% interval over seeds, one band per value of the method's other step size;
 * a star marks the chosen setting.
 */
export function tuningFigure(t: Tuning): Figure {
  const panels: { title: string; series: ReturnType<typeof sweepPanels>[number]['series']; star: { x: number; y: number } }[] = [];
  for (const m of tunedMethods(t)) {
    const params = TUNED_PATHS[m] as string[];
    const rows = t.scores[m]!;
    const chosen = t.chosen[m]!;
    const at = meanBy(rows.filter((r) => sameSetting(r, chosen)), params, 'score')[0];
    for (const p of sweepPanels(rows, params, 'score', { labels: PATH_LABELS })) {
      p.series.forEach((s) => {
        s.name = params.length === 1 ? METHOD_LABELS[m] : `${METHOD_LABELS[m]}, ${s.name}`;
        if (params.length === 1) s.color = METHOD_COLORS[m] ?? s.color;
      });
      panels.push({ title: `${METHOD_LABELS[m]}:<br>${p.title}`, series: p.series, star: { x: Number(chosen[p.param]), y: Number(at.score) } });
    }
  }
  const seeds = t.plan.seeds.length;
  const fig = panelBandFigure(panels, {
    title: `Tuning on validation types ${t.plan.validationTypes.join(', ')}: mean reward over the adaptation curve (95% CI over ${seeds} seed${seeds === 1 ? '' : 's'}); ★ = chosen`,
    yTitle: 'tuning score', columns: 4, panelHeight: 250,
  });
  panels.forEach((p, i) => {
    const a = panelAxes(i);
    const axis = (fig.layout![a.xKey] ?? {}) as Record<string, unknown>;
    fig.layout![a.xKey] = { ...axis, type: 'log' };
    const star: Trace = {
      type: 'scatter', mode: 'markers', x: [p.star.x], y: [p.star.y], xaxis: a.x, yaxis: a.y, showlegend: false, name: 'chosen',
      marker: { symbol: 'star', size: 14, color: '#000' }, hovertemplate: `chosen: %{x}<br>score %{y:.1f}<extra></extra>`,
    };
    fig.data.push(star);
  });
  // One legend entry per distinct series name is enough (the 2-parameter panels repeat theirs).
  const seen = new Set<string>();
  for (const tr of fig.data) {
    if (tr.mode !== 'lines+markers') continue;
    const name = String(tr.name);
    tr.showlegend = !seen.has(name);
    seen.add(name);
  }
  return fig;
}

/** The budget of every method: the same settings, seeds, units and training run per unit. */
export function budgetTable(t: Tuning): Row[] {
  return tunedMethods(t).map((m) => {
    const s = t.sweeps[m]!;
    return {
      method: METHOD_LABELS[m], 'tuned step sizes': TUNED_PATHS[m].map((p) => PATH_LABELS[p] ?? p).join(', '), settings: s.points.length,
      seeds: t.plan.seeds.length, units: s.points.length * t.plan.seeds.length, 'training iterations per unit': s.runs[0].config.iterations,
    };
  });
}

/** Per method: the chosen setting and its score, and Fig. 1's default setting and its score. */
export function choiceTable(t: Tuning): Row[] {
  return tunedMethods(t).map((m) => {
    const params = TUNED_PATHS[m] as string[];
    const rows = t.scores[m]!;
    const chosen = t.chosen[m]!, def = defaults(m);
    const scoreOf = (pt: Point) => {
      const s = summarize(rows.filter((r) => sameSetting(r, pt)), params, 'score');
      return s.length > 0 ? formatInterval(s[0]) : 'not in the grid';
    };
    return { method: METHOD_LABELS[m], chosen: settingText(chosen), 'score (chosen)': scoreOf(chosen), default: settingText(def), 'score (default)': scoreOf(def) };
  });
}

/** Sentences: where the tuning looked, and what it chose (how many methods keep their defaults). */
export function describeChoice(t: Tuning): string {
  const methods = tunedMethods(t);
  const kept = methods.filter((m) => Object.entries(defaults(m)).every(([p, v]) => t.chosen[m]![p] === v));
  const moved = methods.filter((m) => !kept.includes(m));
  const perMethod = t.sweeps[methods[0]]!.points.length;
  return `Each of the ${methods.length} trained methods tried ${perMethod} settings of its own step sizes over ${t.plan.seeds.length} seed(s), ` +
    `adapting to validation types ${t.plan.validationTypes.join(', ')} with the query types ${t.plan.queryTypes.join(', ')} held out. ` +
    (kept.length > 0 ? `${kept.map((m) => METHOD_LABELS[m]).join(', ')} kept Fig. 1's default${kept.length > 1 ? 's' : ''}. ` : 'No method kept its default. ') +
    (moved.length > 0 ? `Changed: ${moved.map((m) => `${METHOD_LABELS[m]} (${settingText(t.chosen[m])})`).join('; ')}. ` : '') +
    describeEdges(t);
}

/** Which chosen values sit at the end of their grid (the best may lie beyond it). */
export function describeEdges(t: Tuning): string {
  const edges: string[] = [];
  for (const m of tunedMethods(t)) {
    for (const [p, v] of Object.entries(t.chosen[m]!)) {
      const values = [...new Set(t.sweeps[m]!.points.map((pt) => Number(pt[p])))].sort((a, b) => a - b);
      if (values.length > 1 && (v === values[0] || v === values[values.length - 1])) edges.push(`${METHOD_LABELS[m]}'s ${PATH_LABELS[p] ?? p} (${v}, the ${v === values[0] ? 'smallest' : 'largest'} tried)`);
    }
  }
  return edges.length === 0 ? 'Every chosen value lies inside its grid.' : `At the edge of the grid, so a better value may lie beyond it: ${edges.join('; ')}.`;
}

/** Every score in one long table: method, setting (in words), seed, score. */
export function scoreRows(t: Tuning): Row[] {
  return tunedMethods(t).flatMap((m) => {
    const params = TUNED_PATHS[m] as string[];
    return t.scores[m]!.map((r) => ({ method: METHOD_LABELS[m], setting: settingText(Object.fromEntries(params.map((p) => [p, r[p]]))), seed: r.seed, score: r.score }));
  });
}

/**
 * What the tuning cost: the summed duration of its units (from their provenance records),
 * per method and in all, and the wall time that makes on `workers` threads at best.
 */
export function describeCost(t: Tuning, workers = 2): string {
  const minutes = (ms: number) => formatDuration(ms);
  const per = tunedMethods(t).map((m) => ({ m, ms: t.sweeps[m]!.runs.reduce((s, r) => s + r.provenance.reduce((a, p) => a + p.durationMs, 0), 0) }));
  const total = per.reduce((s, x) => s + x.ms, 0);
  const backends = [...new Set(tunedMethods(t).flatMap((m) => t.sweeps[m]!.runs.flatMap((r) => r.provenance.map((p) => p.backend))))];
  return `The tuning's units took ${minutes(total)} of compute in all (${per.map((x) => `${METHOD_LABELS[x.m]} ${minutes(x.ms)}`).join(', ')}; ` +
    `${backends.join(', ')} backend), about ${minutes(total / workers)} on ${workers} worker threads; when nothing changed, the notebook loads them from the cache.`;
}
