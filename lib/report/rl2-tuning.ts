/**
 * The step-size tuning of the RL² / system identification / domain randomisation
 * comparison (experiments/rl2-tuning.ts): every method's tuning score against the shared
 * grid of step sizes, the settings chosen, and the defaults they replace.
 * Pure: a Tuning in, a figure, a table and sentences out.
 */
import { Row } from '../core/row';
import { summarize } from '../core/stats';
import * as rl2 from '../experiments/rl2';
import { Rl2MethodName } from '../experiments/rl2';
import { Tuning, TUNED_PATHS } from '../experiments/rl2-tuning';
import { getPath } from '../experiments/sweep';
import { bandTraces, BandSeries } from './charts';
import { formatInterval } from './format';
import { Figure, Trace } from './plotly';
import { RL2_COLORS, RL2_LABELS } from './rl2';

/** The tuned methods, in the experiment's order. */
export function tunedMethods(t: Tuning): Rl2MethodName[] {
  return rl2.RL2_METHODS.filter((m) => t.scores[m] !== undefined);
}

/** The experiment's default step size of each method. */
export function defaultStepSize(m: Rl2MethodName): number {
  return getPath(rl2.config({}), TUNED_PATHS[m]) as number;
}

/** Mean tuning score [95% CI over seeds] per step size of one method, by step size. */
function scoreSummary(t: Tuning, m: Rl2MethodName) {
  const path = TUNED_PATHS[m];
  return summarize(t.scores[m]!, [path], 'score').sort((a, b) => Number(a[path]) - Number(b[path]));
}

/** Every method's score against the step size (log axis), one band per method; a star marks each choice. */
export function tuningFigure(t: Tuning): Figure {
  const methods = tunedMethods(t);
  const series: BandSeries[] = methods.map((m) => {
    const s = scoreSummary(t, m), path = TUNED_PATHS[m];
    return { name: RL2_LABELS[m], x: s.map((r) => Number(r[path])), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)), color: RL2_COLORS[m] };
  });
  const stars: Trace[] = methods.map((m) => {
    const path = TUNED_PATHS[m], x = Number(t.chosen[m]![path]);
    const at = scoreSummary(t, m).find((r) => Number(r[path]) === x)!;
    return {
      type: 'scatter', mode: 'markers', x: [x], y: [Number(at.mean)], showlegend: false, name: `${RL2_LABELS[m]}: chosen`,
      marker: { symbol: 'star', size: 14, color: RL2_COLORS[m] }, hovertemplate: `${RL2_LABELS[m]}: chosen %{x}<br>score %{y:.1f}<extra></extra>`,
    };
  });
  const seeds = t.plan.seeds.length;
  return {
    data: [...bandTraces(series), ...stars],
    layout: {
      title: { text: `Tuning on validation types ${t.plan.validationTypes.join(', ')}: mean return over their trials (95% CI over ${seeds} seed${seeds === 1 ? '' : 's'}); ★ = chosen` },
      xaxis: { type: 'log', title: { text: 'step size (Adam)' }, tickvals: t.plan.stepSizes, ticktext: t.plan.stepSizes.map(String) },
      yaxis: { title: { text: 'tuning score (mean return)' } }, hovermode: 'closest', height: 430,
    },
  };
}

/** Per method: the tuned step size, the chosen value and its score, the default and its score, the budget. */
export function choiceTable(t: Tuning): Row[] {
  return tunedMethods(t).map((m) => {
    const path = TUNED_PATHS[m], s = scoreSummary(t, m);
    const scoreAt = (v: number) => {
      const r = s.find((x) => Number(x[path]) === v);
      return r ? formatInterval(r) : 'not in the grid';
    };
    const chosen = Number(t.chosen[m]![path]), def = defaultStepSize(m);
    return {
      method: RL2_LABELS[m], tuned: path, settings: s.length, seeds: t.plan.seeds.length,
      chosen, 'score (chosen)': scoreAt(chosen), default: def, 'score (default)': scoreAt(def),
    };
  });
}

/** Sentences: the budget, what each method chose against its default, and the choices at the edge of the grid. */
export function describeChoice(t: Tuning): string {
  const methods = tunedMethods(t);
  const lo = Math.min(...t.plan.stepSizes), hi = Math.max(...t.plan.stepSizes);
  const chosen = methods.map((m) => ({ m, v: Number(t.chosen[m]![TUNED_PATHS[m]]), def: defaultStepSize(m) }));
  const text = chosen.map(({ m, v, def }) => `${RL2_LABELS[m]} ${v}${v === lo ? ' (the smallest tried)' : v === hi ? ' (the largest tried)' : ''}${v === def ? ', its default' : `, default ${def}`}`);
  const atEdge = chosen.some(({ v }) => v === lo || v === hi);
  return `Each of the ${methods.length} methods tried the same ${t.plan.stepSizes.length} step sizes (${t.plan.stepSizes.join(', ')}) over ${t.plan.seeds.length} seed(s), ` +
    `evaluated on validation types ${t.plan.validationTypes.join(', ')} with the query types ${t.plan.queryTypes.join(', ')} held out. Chosen: ${text.join('; ')}.` +
    (atEdge ? ' A choice at the edge of the grid may have a better value beyond it.' : ' Every choice lies inside the grid.');
}
