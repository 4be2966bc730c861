/**
 * Figures 1 and 2 of paper 000 from the tidy tables of experiments/fig1.ts: reward during
 * fine-tuning on unseen types, where particles end, CAML's medoids, and the verdict
 * sentences. Pure: rows in, figures, tables and sentences out.
 */
import { meanBy, pairedComparison, summarize } from '../core/stats';
import { Row } from '../core/row';
import { Testbed } from '../envs/testbed';
import { MethodName, Saved } from '../experiments/fig1';
import { GROUP_COLORS, groupColor, panelBandFigure, panelScatterFigure, sliderFigure, summaryBand } from './charts';
import { formatInterval } from './format';
import { Figure, Trace } from './plotly';

/** Display names, in the paper's words. */
export const METHOD_LABELS: Record<MethodName, string> = {
  caml: 'CAML',
  joint: 'joint training',
  'pretrain-same': 'pretrained on the query type',
  'pretrain-other': 'pretrained on another type',
  reptile: 'Reptile',
  random: 'random init',
  maml: 'MAML',
  'maml-fo': 'first-order MAML',
  bomrl: 'BO-MRL (KL, first-order)',
};

/** The evaluation columns the figures read. */
type EvalRow = Pick<Saved['eval'], 'seed' | 'method' | 'protocol' | 'query' | 'update' | 'episodesUsed' | 'return' | 'endX' | 'endY'>;

/** The label of a method name as saved (unknown names as they are). */
const label = (m: string): string => (METHOD_LABELS as Record<string, string>)[m] ?? m;

/** The x axes of Fig. 1: fine-tuning updates, or episodes of the query type used for learning so far. */
export type Fig1Axis = 'update' | 'episodesUsed';

const AXIS_TITLES: Record<Fig1Axis, string> = { update: 'VPG fine-tuning update', episodesUsed: 'episodes of the query type used' };

/** Rows of one adaptation protocol ("equal-experience" or "bandit-only"). */
export function protocolRows<R extends Pick<EvalRow, 'protocol'>>(evalRows: readonly R[], protocol: string): R[] {
  return evalRows.filter((r) => r.protocol === protocol);
}

/** Mean evaluation return per (seed, method, query, x): one number per seed. */
export function seedMeans(evalRows: readonly EvalRow[], x: Fig1Axis = 'update') {
  return meanBy(evalRows, ['seed', 'method', 'query', x], 'return');
}

/**
 * Fig. 1: reward against fine-tuning update (or episodes of the query type used), one
 * panel per query type, one band per method (95% CI over seeds). Pass one protocol's rows.
 */
export function fig1Figure(evalRows: readonly EvalRow[], bed: Testbed, methods: readonly MethodName[], opts: { x?: Fig1Axis; title?: string } = {}): Figure {
  const x = opts.x ?? 'update';
  const perSeed = seedMeans(evalRows, x);
  const queries = [...new Set(perSeed.map((r) => r.query))].sort((a, b) => a - b);
  const panels = queries.map((q) => {
    const rows = perSeed.filter((r) => r.query === q);
    const present = methods.filter((m) => rows.some((r) => r.method === m));
    const series = present.map((m, i) => summaryBand(summarize(rows.filter((r) => r.method === m), [x], 'return'), x, {
      name: METHOD_LABELS[m], color: METHOD_COLORS[m] ?? GROUP_COLORS[i % GROUP_COLORS.length], dash: m === 'caml' ? 'solid' : 'dot',
    }));
    return { title: `query type ${q} (latent ${bed.types[q].latent})`, series };
  });
  // The policy pretrained on another type sits hundreds below the rest; the y range is set
  // by the other methods so that their differences stay visible (zoom out to see it).
  const yRanges = panels.map((p) => {
    const lows = p.series.filter((s) => s.name !== METHOD_LABELS['pretrain-other']).flatMap((s) => s.lo);
    const low = Math.min(...lows);
    return Number.isFinite(low) ? [1.08 * low, 10] as [number, number] : undefined;
  });
  const seeds = new Set(perSeed.map((r) => r.seed)).size;
  return panelBandFigure(panels, {
    title: `${opts.title ?? 'Fig. 1: mean episode reward during fine-tuning on unseen types'} (95% CI over ${seeds} seeds)<br><span style="font-size:12px">"pretrained on another type" lies far below the axes: zoom out to see it</span>`,
    xTitle: AXIS_TITLES[x], yTitle: 'mean episode reward', yRanges,
  });
}

/** Colours of the methods (CAML stands out). */
export const METHOD_COLORS: Partial<Record<MethodName, string>> = {
  caml: '#d62728', joint: '#1f77b4', 'pretrain-same': '#2ca02c', 'pretrain-other': '#8c564b', reptile: '#9467bd', random: '#7f7f7f', maml: '#e6ab02', 'maml-fo': '#17becf', bomrl: '#ff7f0e',
};

/**
 * Reward after `update` fine-tuning updates per method: mean over query types within a
 * seed, then a 95% t-interval over seeds; and CAML's paired comparison with each method.
 */
export function rewardAfterUpdate(evalRows: readonly EvalRow[], update: number): Row[] {
  return rewardAt(evalRows, 'update', update);
}

/** Mean reward over query types within a seed, per method, at x = `at` (`update` or `episodesUsed`). */
function perSeedAt(evalRows: readonly EvalRow[], x: Fig1Axis, at: number) {
  return meanBy(seedMeans(evalRows, x).filter((r) => r[x] === at), ['seed', 'method'], 'return');
}

/** As `rewardAfterUpdate`, at x = `at` on either axis (e.g. 20 episodes of the query type used). */
export function rewardAt(evalRows: readonly EvalRow[], x: Fig1Axis, at: number): Row[] {
  const perSeed = perSeedAt(evalRows, x, at);
  const bySeed = (m: string) => new Map(perSeed.filter((r) => r.method === m).map((r) => [r.seed, r.return]));
  const methods = [...new Set(perSeed.map((r) => r.method))];
  const caml = methods.includes('caml') ? bySeed('caml') : null;
  return summarize(perSeed, ['method'], 'return').sort((a, b) => b.mean - a.mean).map((r) => {
    const row: Row = { method: label(r.method), reward: formatInterval(r), seeds: r.n };
    if (caml && r.method !== 'caml') {
      const c = pairedComparison(caml, bySeed(r.method));
      row['CAML minus method'] = `${c.mean.toFixed(1)} [${c.lo.toFixed(1)}, ${c.hi.toFixed(1)}]`;
      row['CAML'] = c.verdict;
    }
    return row;
  });
}

/** Per query type: does CAML win, tie or lose against each method after `update` updates (paired over seeds)? */
export function camlVerdicts(evalRows: readonly EvalRow[], update: number): Row[] {
  const perSeed = seedMeans(evalRows).filter((r) => r.update === update);
  const queries = [...new Set(perSeed.map((r) => r.query))].sort((a, b) => a - b);
  const methods = [...new Set(perSeed.map((r) => r.method))].filter((m) => m !== 'caml');
  return queries.map((q) => {
    const at = (m: string) => new Map(perSeed.filter((r) => r.query === q && r.method === m).map((r) => [r.seed, r.return]));
    const row: Row = { query: q };
    for (const m of methods) row[label(m)] = pairedComparison(at('caml'), at(m)).verdict;
    return row;
  });
}

/** One sentence per verdict kind: where CAML wins, ties or loses. */
export function describeVerdicts(verdicts: readonly Row[]): string {
  const count: Record<string, string[]> = { wins: [], ties: [], loses: [] };
  for (const r of verdicts) {
    for (const [k, v] of Object.entries(r)) if (k !== 'query') count[String(v)].push(`${k} (type ${r.query})`);
  }
  const n = Object.values(count).reduce((s, l) => s + l.length, 0);
  return `Over ${n} comparisons (query type x method), CAML wins ${count.wins.length}, ties ${count.ties.length} and loses ${count.loses.length}.` +
    (count.wins.length ? ` Wins: ${count.wins.join(', ')}.` : '') + (count.loses.length ? ` Losses: ${count.loses.join(', ')}.` : '');
}

/** Which latent groups CAML's medoids come from at each clustering (mean count over seeds). */
export function medoidFigure(medoidRows: readonly Pick<Saved['medoids'], 'seed' | 'iteration' | 'latent'>[], latentGroups: number): Figure {
  const seeds = new Set(medoidRows.map((r) => r.seed)).size || 1;
  const clusterIters = [...new Set(medoidRows.map((r) => r.iteration))].sort((a, b) => a - b);
  const data: Trace[] = [];
  for (let g = 0; g < latentGroups; g++) {
    const y = clusterIters.map((it) => medoidRows.filter((r) => r.iteration === it && r.latent === g).length / seeds);
    data.push({ type: 'bar', x: clusterIters, y, name: `latent ${g}`, marker: { color: groupColor(g) }, hovertemplate: `latent ${g}: %{y:.2f} medoids at iteration %{x}<extra></extra>` });
  }
  return {
    data,
    layout: {
      barmode: 'stack', title: { text: `CAML's medoids by latent group of the type they were trained on (mean over ${seeds} seeds)` },
      xaxis: { title: { text: 'training iteration of the clustering' } }, yaxis: { title: { text: 'medoids' } }, height: 420,
    },
  };
}

/** Fig. 2: end positions of evaluation episodes, one panel per method, coloured by query type; a slider over updates. */
export function fig2Figure(evalRows: readonly EvalRow[], bed: Testbed, methods: readonly MethodName[]): Figure {
  const updates = [...new Set(evalRows.map((r) => r.update))].sort((a, b) => a - b);
  const queries = [...new Set(evalRows.map((r) => r.query))].sort((a, b) => a - b);
  const present = methods.filter((m) => evalRows.some((r) => r.method === m));
  const panelsAt = (u: number) => present.map((m) => ({
    title: METHOD_LABELS[m],
    groups: queries.map((q) => {
      const rs = evalRows.filter((r) => r.method === m && r.query === q && r.update === u);
      return { name: `query type ${q} (latent ${bed.types[q].latent})`, x: rs.map((r) => r.endX), y: rs.map((r) => r.endY), color: groupColor(bed.types[q].latent), text: rs.map((r) => `<br>seed ${r.seed}`) };
    }),
  }));
  const base = panelScatterFigure(panelsAt(updates[0]), bed.config.particle, { title: 'Fig. 2: where particles end their episodes', columns: 4, panelHeight: 300 });
  const steps = updates.map((u) => ({ label: `${u}`, traces: panelScatterFigure(panelsAt(u), bed.config.particle, { columns: 4 }).data }));
  return sliderFigure(steps, base.layout!, 'fine-tuning updates done: ');
}

/** Share of evaluation episodes that end farther from the target than they started, per method and update. */
export function movingAwayShare(evalRows: readonly EvalRow[], particle: { start: [number, number]; target: [number, number] }): Row[] {
  const [sx, sy] = particle.start, [gx, gy] = particle.target;
  const startD = Math.hypot(sx - gx, sy - gy);
  const flagged = evalRows.map((r) => ({ ...r, away: Math.hypot(r.endX - gx, r.endY - gy) > startD ? 1 : 0 }));
  const perSeed = meanBy(flagged, ['seed', 'method', 'update'], 'away');
  return summarize(perSeed, ['method', 'update'], 'away').map((r) => ({ method: label(r.method), update: r.update, 'share moving away': formatInterval(r) }));
}

/** Methods that never trained on the query type: all but "pretrained on the query type". */
function neverSawQuery(m: string): boolean {
  return m !== 'pretrain-same';
}

function ordinal(n: number): string {
  const s = ['th', 'st', 'nd', 'rd'], v = n % 100;
  return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`;
}

/** The sorted distinct values of x in the rows. */
function axisValues(evalRows: readonly EvalRow[], x: Fig1Axis): number[] {
  return [...new Set(evalRows.map((r) => Number(r[x])))].sort((a, b) => a - b);
}

/**
 * CAML against every other method at each point of the x axis (default: episodes of the
 * query type used), reward averaged over query types within a seed, paired over seeds:
 * one row per method, one column per point, "wins" / "ties" / "loses".
 */
export function verdictsAlong(evalRows: readonly EvalRow[], x: Fig1Axis = 'episodesUsed'): Row[] {
  const points = axisValues(evalRows, x);
  const methods = [...new Set(evalRows.map((r) => String(r.method)))].filter((m) => m !== 'caml');
  const bySeed = (perSeed: readonly { seed: number; method: string; return: number }[], m: string) => new Map(perSeed.filter((r) => r.method === m).map((r) => [r.seed, r.return]));
  const perPoint = points.map((at) => perSeedAt(evalRows, x, at));
  return methods.map((m) => {
    const row: Row = { 'CAML against': METHOD_LABELS[m as MethodName] ?? m };
    points.forEach((at, i) => {
      const c = bySeed(perPoint[i], 'caml');
      row[`${at}`] = c.size > 0 && bySeed(perPoint[i], m).size > 0 ? pairedComparison(c, bySeed(perPoint[i], m)).verdict : '';
    });
    return row;
  });
}

/** CAML's rank (1 = best mean over seeds) among the methods that never trained on the query type, at x = at. */
export function camlRank(evalRows: readonly EvalRow[], x: Fig1Axis, at: number): { rank: number; of: number } | null {
  const means = summarize(perSeedAt(evalRows, x, at), ['method'], 'return').filter((r) => neverSawQuery(String(r.method)));
  const caml = means.find((r) => r.method === 'caml');
  if (!caml) return null;
  return { rank: 1 + means.filter((r) => Number(r.mean) > Number(caml.mean)).length, of: means.length };
}

function listPoints(xs: readonly number[]): string {
  return xs.length === 0 ? '' : xs.join(', ');
}

/**
 * The verdict sentences of Fig. 1, computed from the rows of both protocols: CAML's rank
 * at each budget of query-type episodes with equal experience, its wins, ties and losses
 * against every method along that axis, and its rank after one update in the bandit-only
 * reading, where only CAML spends the initialization period.
 */
export function describeEqualExperience(equalRows: readonly EvalRow[], banditOnlyRows: readonly EvalRow[]): string {
  const out: string[] = [];
  const budgets = axisValues(equalRows, 'episodesUsed');
  const ranks = budgets.map((b) => ({ b, r: camlRank(equalRows, 'episodesUsed', b) })).filter((x) => x.r !== null);
  if (ranks.length > 0) {
    out.push(`With equal experience (every method has used the same episodes of the query type), CAML ranks ${ranks.map(({ b, r }) => `${ordinal(r!.rank)} at ${b}`).join(', ')} episodes, among the ${ranks[0].r!.of} methods that never trained on the query type.`);
  }
  // Methods with one verdict at every budget in one sentence; the others one sentence each.
  const uniform: Record<string, string[]> = { wins: [], ties: [], loses: [] };
  const mixed: string[] = [];
  for (const row of verdictsAlong(equalRows, 'episodesUsed')) {
    const at = (v: string) => budgets.filter((b) => row[`${b}`] === v);
    const kinds = (['wins', 'ties', 'loses'] as const).filter((v) => at(v).length > 0);
    if (kinds.length === 1 && at(kinds[0]).length === budgets.length) uniform[kinds[0]].push(String(row['CAML against']));
    else mixed.push(`against ${row['CAML against']} it ${kinds.map((v) => `${v} at ${listPoints(at(v))}`).join('; ')} episodes`);
  }
  const phrase: Record<string, string> = { wins: 'beats', ties: 'ties with', loses: 'loses to' };
  const whole = (['wins', 'ties', 'loses'] as const).filter((v) => uniform[v].length > 0).map((v) => `${phrase[v]} ${uniform[v].join(', ')}`);
  if (whole.length > 0) out.push(`At every number of episodes (${budgets[0]} to ${budgets[budgets.length - 1]}), CAML ${whole.join('; ')}.`);
  if (mixed.length > 0) out.push(`Elsewhere the verdict depends on the budget: ${mixed.join('; ')}.`);
  const one = camlRank(banditOnlyRows, 'update', 1);
  if (one) {
    // Episodes of the query type each method has used after one update in this reading.
    const used = new Map<string, number>();
    for (const r of banditOnlyRows) if (r.update === 1) used.set(String(r.method), Number(r.episodesUsed));
    const mine = used.get('caml');
    const alike = [...used].filter(([m, u]) => m !== 'caml' && u === mine).map(([m]) => METHOD_LABELS[m as MethodName] ?? m);
    const rest = [...new Set([...used].filter(([m, u]) => m !== 'caml' && u !== mine).map(([, u]) => u))].sort((x, y) => x - y);
    out.push(`In the bandit-only reading (only the methods that choose or adapt with it spend the initialization period), CAML ranks ${ordinal(one.rank)} of ${one.of} after one update, having used ${mine} episodes of the query type` +
      `${alike.length > 0 ? ` (as did ${alike.join(', ')})` : ''}${rest.length > 0 ? ` where the others used ${listPoints(rest)}` : ''}.`);
  }
  return out.join(' ');
}
