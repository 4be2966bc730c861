/**
 * From the saved tables of the RL² / system-identification experiment (and the saved
 * evaluation table of the Fig. 1 experiment) to figures, tables and sentences. Pure: rows
 * in, figures, rows and strings out.
 *
 * The common currency is the number of episodes already used on the query type before
 * the measured episode: RL²'s episode n of a trial comes after n - 1 episodes of the same
 * type (its hidden state has seen them); a Fig. 1 method after u VPG updates has used
 * u * K episodes (plus CAML's initialization period); domain randomisation and system
 * identification learn nothing across episodes, so every episode of theirs is a
 * zero-episode return.
 */
import { MethodName as Fig1Method } from '../experiments/fig1';
import { METHOD_COLORS as FIG1_COLORS, METHOD_LABELS as FIG1_LABELS } from './fig1';
import { groupingRows, matricesFromRows } from './fig4';
import { formatInterval } from './format';
import { Rl2ExperimentConfig, Saved, trainingEpisodes } from '../experiments/rl2';
import { Saved as Fig4Saved } from '../experiments/fig4';
import { BandSeries, bandTraces, GROUP_COLORS, gridLayout, groupColor, panelAxes } from './charts';
import { Figure, Trace } from './plotly';
import { Row } from '../core/row';
import { mean, meanBy, pairedComparison, std, summarize, tCritical95 } from '../core/stats';
import { tsne, tsneConfig } from '../divergence/tsne';
import { Rng } from '../core/rng';

export const RL2_LABELS: Record<string, string> = { rl2: 'RL²', 'rl2-no-move': 'RL², the papers\' input (no move)', sysid: 'system identification', dr: 'domain randomisation (joint training)' };
export const RL2_COLORS: Record<string, string> = { rl2: '#000000', 'rl2-no-move': '#8c8c8c', sysid: '#ff7f0e', dr: '#1f77b4' };

/**
 * The tables of a run of the same experiment with `rl2.moveScale = 0` (the papers' input
 * phi = (s, a, r, d)), relabelled so that they sit beside the main run: method
 * "rl2-no-move", memory network "trained, no move input" (its untrained control dropped:
 * the main run has one).
 */
export function noMoveAblation(tables: { readonly [K in keyof Saved]: readonly Saved[K][] }): { [K in keyof Saved]: Saved[K][] } {
  const relabel = <R extends { method: string }>(rows: readonly R[]): R[] => rows.filter((r) => r.method === 'rl2').map((r) => ({ ...r, method: 'rl2-no-move' }));
  return {
    training: relabel(tables.training),
    eval: relabel(tables.eval),
    memory: tables.memory.filter((r) => r.network === 'trained').map((r) => ({ ...r, network: 'trained, no move input' })),
  };
}

function label(method: string): string {
  return RL2_LABELS[method] ?? FIG1_LABELS[method as Fig1Method] ?? method;
}

function color(method: string, i: number): string {
  return RL2_COLORS[method] ?? FIG1_COLORS[method as Fig1Method] ?? GROUP_COLORS[i % GROUP_COLORS.length];
}

/**
 * One number per (seed, method, episodes used): the mean evaluation return over query
 * types (and over trials or evaluation episodes within a type). Fig. 1's rows come from
 * its saved `eval` table; its query types must be ours.
 * @param rl2Eval the `eval` table of the RL² experiment
 * @param fig1Eval the `eval` table of the Fig. 1 experiment, or null
 * @param fig1Methods which Fig. 1 methods to take (default CAML, MAML, random init)
 */
export function adaptationCurves(rl2Eval: readonly Row[], fig1Eval: readonly Row[] | null, fig1Methods: readonly string[] = ['caml', 'maml', 'random']): Row[] {
  const ours = meanBy(meanBy(rl2Eval, ['seed', 'method', 'query', 'episode'], 'return'), ['seed', 'method', 'episode'], 'return')
    .map((r) => ({ seed: r.seed, method: r.method, episodesUsed: Number(r.episode) - 1, return: r.return }));
  if (fig1Eval === null) return ours;
  const q1 = [...new Set(fig1Eval.map((r) => Number(r.query)))].sort((a, b) => a - b);
  const q2 = [...new Set(rl2Eval.map((r) => Number(r.query)))].sort((a, b) => a - b);
  if (q1.join() !== q2.join()) {
    throw new Error(`adaptationCurves: the Fig. 1 results are on query types ${q1.join(', ')}, the RL² results on ${q2.join(', ')}; run both with the same queryTypes`);
  }
  const theirs = meanBy(meanBy(fig1Eval.filter((r) => fig1Methods.includes(String(r.method))), ['seed', 'method', 'query', 'update', 'episodesUsed'], 'return'), ['seed', 'method', 'update', 'episodesUsed'], 'return')
    .map((r) => ({ seed: r.seed, method: r.method, episodesUsed: Number(r.episodesUsed), return: r.return }));
  return [...ours, ...theirs];
}

/** Method order for charts and tables: ours first, then Fig. 1's. */
function methodsOf(curves: readonly Row[]): string[] {
  const all = [...new Set(curves.map((r) => String(r.method)))];
  const order = ['rl2', 'rl2-no-move', 'sysid', 'dr', 'caml', 'maml', 'maml-fo', 'reptile', 'joint', 'pretrain-same', 'pretrain-other', 'random'];
  return all.sort((a, b) => (order.indexOf(a) + 100 * Number(!order.includes(a))) - (order.indexOf(b) + 100 * Number(!order.includes(b))));
}

/**
 * The comparison in one chart: mean return of the next episode against the episodes
 * already used on the query type (log axis, so RL²'s first episodes and the Fig. 1
 * methods' updates of 10 episodes both show), 95% bands over seeds.
 */
export function adaptationFigure(curves: readonly Row[]): Figure {
  const methods = methodsOf(curves);
  const series: BandSeries[] = methods.map((m, i) => {
    const rows = curves.filter((r) => r.method === m);
    const s = summarize(rows, ['episodesUsed'], 'return');
    const n = new Set(rows.map((r) => r.seed)).size;
    return { name: `${label(m)} (${n} seed${n === 1 ? '' : 's'})`, x: s.map((r) => Number(r.episodesUsed) + 1), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)), color: color(m, i), dash: ['rl2', 'rl2-no-move', 'sysid', 'dr'].includes(m) ? 'solid' : 'dot' };
  });
  const data = bandTraces(series).map((t) => (t.hovertemplate ? { ...t, hovertemplate: String(t.hovertemplate).replace('%{x}', 'after %{customdata[2]} episodes'), customdata: (t.customdata as number[][]).map((c, j) => [...c, Number((t.x as number[])[j]) - 1]) } : t));
  const ticks = [...new Set(curves.map((r) => Number(r.episodesUsed)))].sort((a, b) => a - b);
  return {
    data,
    layout: {
      title: { text: 'Return of the next episode on the unseen query types against the episodes already used on them<br><span style="font-size:12px">mean over query types; 95% CI over seeds (how many in the legend)</span>' },
      xaxis: { type: 'log', title: { text: 'episodes of the query type used before this episode (log scale)' }, tickvals: ticks.map((t) => t + 1), ticktext: ticks.map(String) },
      yaxis: { title: { text: 'mean episode return' } },
      hovermode: 'closest', height: 520,
    },
  };
}

/** Welch's 95% interval of mean(a) - mean(b) for independent samples (seeds of two experiments). */
export function welchInterval(a: readonly number[], b: readonly number[]): { diff: number; lo: number; hi: number } {
  const diff = mean(a) - mean(b);
  if (a.length < 2 || b.length < 2) return { diff, lo: NaN, hi: NaN };
  const va = std(a) ** 2 / a.length, vb = std(b) ** 2 / b.length, se = Math.sqrt(va + vb);
  if (se === 0) return { diff, lo: diff, hi: diff };
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const h = tCritical95(Math.max(1, Math.floor(df))) * se;
  return { diff, lo: diff - h, hi: diff + h };
}

/**
 * Who wins at each budget of episodes: for budget b, each method's return is its latest
 * point with at most b episodes used (per seed); a method with no such point (CAML before
 * its initialization period ends) is left out. The winner has the highest mean; it wins
 * "clearly" when Welch's 95% interval of its lead over the runner-up lies above 0.
 * Rows: budget, one column per method (mean [95% CI]), winner, ranking (by mean),
 * runner-up, lead, verdict.
 */
export function budgetTable(curves: readonly Row[], budgets?: readonly number[]): Row[] {
  const methods = methodsOf(curves);
  const xs = budgets ?? [...new Set(curves.map((r) => Number(r.episodesUsed)))].sort((a, b) => a - b);
  return xs.map((b) => {
    const values = new Map<string, number[]>();
    for (const m of methods) {
      const rows = curves.filter((r) => r.method === m && Number(r.episodesUsed) <= b);
      if (rows.length === 0) continue;
      const latest = Math.max(...rows.map((r) => Number(r.episodesUsed)));
      values.set(m, rows.filter((r) => Number(r.episodesUsed) === latest).map((r) => Number(r.return)));
    }
    const row: Row = { budget: b };
    for (const m of methods) {
      const v = values.get(m);
      row[label(m)] = v ? formatInterval(summarize(v.map((x) => ({ x })), [], 'x')[0]) : 'n/a';
    }
    const ranked = [...values.entries()].sort((p, q) => mean(q[1]) - mean(p[1]));
    if (ranked.length > 0) row.winner = label(ranked[0][0]);
    row.ranking = ranked.map(([m]) => label(m)).join(' > ');
    if (ranked.length > 1) {
      const w = welchInterval(ranked[0][1], ranked[1][1]);
      row['runner-up'] = label(ranked[1][0]);
      row.lead = Number.isFinite(w.lo) ? `${w.diff.toFixed(1)} [${w.lo.toFixed(1)}, ${w.hi.toFixed(1)}]` : `${w.diff.toFixed(1)} (no interval: one seed)`;
      row.verdict = w.lo > 0 ? 'clear' : 'within noise';
    }
    return row;
  });
}

/** Plain sentences from `budgetTable`: which method wins on which budget of episodes, one per budget. */
export function describeBudgets(table: readonly Row[]): string[] {
  return table.map((r) => {
    const used = `${r.budget} episode${r.budget === 1 ? '' : 's'}`;
    if (r['runner-up'] === undefined) return `With ${used} of the query type used, only ${r.winner} has a result (${r[String(r.winner)]}).`;
    return `With ${used} of the query type used, ${r.winner} ${r.verdict === 'clear' ? 'wins clearly' : 'is ahead within noise'}: ${r[String(r.winner)]}, ` +
      `against ${r['runner-up']} ${r[String(r['runner-up'])]} (lead ${r.lead}, Welch 95% interval). Order of the means: ${r.ranking}.`;
  });
}

/**
 * Adaptation without a gradient step: for each RL² variant, how much more episode n of a
 * trial returns than episode 1 (paired over seeds; "wins" when the 95% interval of the
 * gain lies above 0).
 */
export function describeWithinTrial(curves: readonly Row[]): string[] {
  const lines: string[] = [];
  for (const m of methodsOf(curves).filter((x) => x.startsWith('rl2'))) {
    const at = (e: number) => new Map(curves.filter((r) => r.method === m && Number(r.episodesUsed) === e).map((r) => [Number(r.seed), Number(r.return)]));
    const used = [...new Set(curves.filter((r) => r.method === m).map((r) => Number(r.episodesUsed)))].sort((a, b) => a - b);
    for (const e of used.slice(1)) {
      const c = pairedComparison(at(e), at(0));
      const what = c.verdict === 'wins' ? 'a gain' : c.verdict === 'loses' ? 'a loss' : 'no clear change';
      lines.push(`${label(m)}: episode ${e + 1} of the trial returns ${c.mean >= 0 ? '+' : ''}${c.mean.toFixed(1)} [${c.lo.toFixed(1)}, ${c.hi.toFixed(1)}] against episode 1 (paired over ${c.n} seed${c.n === 1 ? '' : 's'}): ${what}.`);
    }
  }
  return lines;
}

/**
 * One line per method of ours (RL², system identification): at every budget where some
 * of the `others` (the Fig. 1 methods) have a result, its lead over the best of them
 * (Welch's 95% interval; "clear" when the interval lies above 0, "behind" below).
 */
export function describeAgainst(curves: readonly Row[], ours: readonly string[] = ['rl2', 'sysid'], others: readonly string[] = ['caml', 'maml', 'random']): string[] {
  const table = budgetTable(curves.filter((r) => ours.includes(String(r.method)) || others.includes(String(r.method))));
  const latest = (m: string, b: number) => {
    const rows = curves.filter((r) => r.method === m && Number(r.episodesUsed) <= b);
    if (rows.length === 0) return null;
    const e = Math.max(...rows.map((r) => Number(r.episodesUsed)));
    return rows.filter((r) => Number(r.episodesUsed) === e).map((r) => Number(r.return));
  };
  return ours.filter((m) => curves.some((r) => r.method === m)).map((m) => {
    const parts: string[] = [];
    for (const row of table) {
      const b = Number(row.budget), mine = latest(m, b);
      const theirs = others.map((o) => [o, latest(o, b)] as const).filter((x): x is readonly [string, number[]] => x[1] !== null);
      if (!mine || theirs.length === 0) continue;
      const [best, v] = theirs.reduce((p, q) => (mean(q[1]) > mean(p[1]) ? q : p));
      const w = welchInterval(mine, v);
      const verdict = w.lo > 0 ? 'clear' : w.hi < 0 ? 'behind' : 'within noise';
      parts.push(`${b} episode${b === 1 ? '' : 's'}: ${w.diff >= 0 ? '+' : ''}${w.diff.toFixed(1)} [${w.lo.toFixed(1)}, ${w.hi.toFixed(1)}] over ${label(best)} (${verdict})`);
    }
    return `${label(m)} against the best gradient-based method of Fig. 1 at each budget: ${parts.join('; ')}.`;
  });
}

/** Training curves: mean episode return against training episodes, per method (RL²: per episode of the trial). */
export function rl2TrainingFigure(training: readonly Row[]): Figure {
  const seriesOf = (r: Row) => (String(r.method).startsWith('rl2') ? `${label(String(r.method))}, episode ${r.episode} of the trial` : label(String(r.method)));
  const names = [...new Set(training.map(seriesOf))];
  const greys = ['#000000', '#636363', '#969696', '#bdbdbd', '#d9d9d9'];
  const series: BandSeries[] = names.map((n, i) => {
    const rows = training.filter((r) => seriesOf(r) === n);
    const s = summarize(rows, ['episodes'], 'return');
    const m = String(rows[0].method), episode = Number(rows[0].episode), seeds = new Set(rows.map((r) => r.seed)).size;
    return {
      name: `${n} (${seeds} seed${seeds === 1 ? '' : 's'})`, x: s.map((r) => Number(r.episodes)), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)),
      color: m === 'rl2' ? greys[Math.min(episode - 1, greys.length - 1)] : color(m, i), dash: m.startsWith('rl2') && episode > 1 ? 'dot' : 'solid',
    };
  });
  return {
    data: bandTraces(series),
    layout: { title: { text: 'Training on the support types: mean episode return (95% CI over seeds, how many in the legend)' }, xaxis: { title: { text: 'training episodes' } }, yaxis: { title: { text: 'mean episode return' } }, hovermode: 'closest', height: 450 },
  };
}

/** The memory table as Fig. 4's divergence rows (update = k, estimator = network), to reuse its matrix and scoring code. */
function asDivergenceRows(memory: readonly Saved['memory'][]): Fig4Saved['divergence'][] {
  return memory.map((r) => ({ seed: r.seed, update: r.k, estimator: r.network, i: r.i, j: r.j, latentI: r.latentI, latentJ: r.latentJ, divergence: r.distance }));
}

/**
 * "What RL² remembers", scored the way Figure 4 scores policy divergence: per seed, network
 * and k, K-medoids (k = number of latent groups) on the 24x24 distances between mean hidden
 * states, ARI against the latent groups, and the between/within-group distance ratio.
 * Rows: seed, network, k, ari, within, between, ratio.
 */
export function memoryGrouping(memory: readonly Saved['memory'][]): Row[] {
  return groupingRows(matricesFromRows(asDivergenceRows(memory))).map((r) => ({ seed: r.seed, network: r.estimator, k: r.update, ari: r.ari, within: r.within, between: r.between, ratio: r.ratio }));
}

/** ARI (or the between/within ratio) against moves k, one band per network (trained, untrained). */
export function memoryGroupingFigure(grouping: readonly Row[], value: 'ari' | 'ratio' = 'ari'): Figure {
  const networks = [...new Set(grouping.map((r) => String(r.network)))];
  const names: Record<string, string> = { trained: 'trained', untrained: 'untrained (control)' };
  const series: BandSeries[] = networks.map((n, i) => {
    const rows = grouping.filter((r) => r.network === n);
    const s = summarize(rows, ['k'], value);
    const seeds = new Set(rows.map((r) => r.seed)).size;
    return { name: `${names[n] ?? n} (${seeds} seed${seeds === 1 ? '' : 's'})`, x: s.map((r) => Number(r.k)), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)), color: ['#000000', '#969696', '#8c564b'][i % 3], dash: n === 'trained' ? 'solid' : 'dot' };
  });
  const ks = [...new Set(grouping.map((r) => Number(r.k)))].sort((a, b) => a - b);
  const what = value === 'ari' ? 'ARI of K-medoids (k = 6) on the hidden states vs the latent groups' : 'between-group / within-group distance of the hidden states';
  return {
    data: bandTraces(series),
    layout: { title: { text: `What RL² remembers: ${what} (95% CI over seeds)` }, xaxis: { type: 'log', title: { text: 'moves made on the entity type (k, log scale)' }, tickvals: ks, ticktext: ks.map(String) }, yaxis: { title: { text: value === 'ari' ? 'ARI' : 'ratio' } }, hovermode: 'closest', height: 430 },
  };
}

/** t-SNE maps of the 24 types' mean hidden states after k moves (one seed and network), coloured by latent group. */
export function memoryTsneFigure(memory: readonly Saved['memory'][], seed: number, network: string, ks?: readonly number[]): Figure {
  const ms = matricesFromRows(asDivergenceRows(memory.filter((r) => r.seed === seed && r.network === network)))
    .filter((m) => !ks || ks.includes(m.update)).sort((a, b) => a.update - b.update);
  if (ms.length === 0) throw new Error(`memoryTsneFigure: no memory rows for seed ${seed}, network ${network}`);
  const { layout } = gridLayout(ms.length, ms.map((m) => `after ${m.update} move${m.update === 1 ? '' : 's'}`), {
    title: `t-SNE of the ${network} RL² network's hidden states on the 24 types (seed ${seed}); colours are latent groups`, columns: 3, ygap: 0.25,
  });
  const data: Trace[] = [];
  // Euclidean distances: t-SNE's usual Gaussian on distances (power 2).
  const c = tsneConfig({ perplexity: 5, distancePower: 2 });
  ms.forEach((m, p) => {
    const Y = tsne(m.D, c, new Rng(seed * 31 + m.update)).embedding;
    const { x: xa, y: ya, xKey, yKey } = panelAxes(p);
    for (const g of [...new Set(m.latent)].sort((a, b) => a - b)) {
      const idx = m.latent.map((l, i) => (l === g ? i : -1)).filter((i) => i >= 0);
      data.push({
        type: 'scatter', mode: 'markers', x: idx.map((i) => Y[2 * i]), y: idx.map((i) => Y[2 * i + 1]), xaxis: xa, yaxis: ya,
        name: `latent ${g}`, legendgroup: `latent ${g}`, showlegend: p === 0, marker: { color: groupColor(g), size: 9 },
        text: idx.map((i) => `type ${i}`), hovertemplate: `%{text} (latent ${g})<extra>after ${m.update} moves</extra>`,
      });
    }
    layout[xKey] = { showticklabels: false, zeroline: false };
    layout[yKey] = { showticklabels: false, zeroline: false };
  });
  return { data, layout };
}

/**
 * Whether and how fast the memory identifies the latent group, per network; then the
 * trained network against its own untrained initialisation (the control), paired over
 * seeds at every k: the moves after which training clearly raised the ARI.
 */
export function describeMemory(grouping: readonly Row[], threshold = 0.9): string[] {
  const networks = [...new Set(grouping.map((r) => String(r.network)))];
  const lines = networks.map((n) => {
    const s = summarize(grouping.filter((r) => r.network === n), ['k'], 'ari');
    const first = s[0], last = s[s.length - 1];
    const reached = s.find((r) => Number(r.mean) >= threshold);
    const best = s.reduce((p, q) => (Number(q.mean) > Number(p.mean) ? q : p));
    return `${n} network: ARI ${formatInterval(first)} after ${first.k} move${first.k === 1 ? '' : 's'}, ${formatInterval(last)} after ${last.k}; ` +
      (reached ? `the mean ARI first reaches ${threshold} after ${reached.k} moves (${formatInterval(reached)}).` : `the mean ARI never reaches ${threshold} (best ${formatInterval(best)} after ${best.k} move${best.k === 1 ? '' : 's'}).`);
  });
  if (networks.includes('trained') && networks.includes('untrained')) {
    const ariAt = (n: string, k: number) => new Map(grouping.filter((r) => r.network === n && Number(r.k) === k).map((r) => [Number(r.seed), Number(r.ari)]));
    const ks = [...new Set(grouping.map((r) => Number(r.k)))].sort((x, y) => x - y);
    const cmp = ks.map((k) => ({ k, c: pairedComparison(ariAt('trained', k), ariAt('untrained', k)) }));
    const above = cmp.filter((x) => x.c.verdict === 'wins');
    const n = Math.max(...cmp.map((x) => x.c.n));
    const moves = (k: number) => `${k} move${k === 1 ? '' : 's'}`;
    const gain = (x: (typeof cmp)[number]) => `${x.c.mean >= 0 ? '+' : ''}${x.c.mean.toFixed(3)} [${x.c.lo.toFixed(3)}, ${x.c.hi.toFixed(3)}]`;
    const head = `Trained against its own untrained initialisation (paired over ${n} seeds): the ARI is`;
    if (above.length === 0) {
      lines.push(`${head} not clearly higher after any number of moves measured.`);
    } else {
      const top = above.reduce((p, q) => (q.c.mean > p.c.mean ? q : p));
      lines.push(`${head} clearly higher at ${above.length} of the ${ks.length} move counts measured (after ${above.length === 1 ? moves(above[0].k) : `${above.map((x) => x.k).join(', ')} moves`}); ` +
        `first after ${moves(above[0].k)} (${gain(above[0])}), most after ${moves(top.k)} (${gain(top)}).`);
    }
  }
  return lines;
}

/** Duan et al.'s and Wang et al.'s settings beside ours, and why they differ. */
export function paperTable(cfg: Rl2ExperimentConfig, seeds: number): Row[] {
  const c = cfg.rl2;
  return [
    { setting: 'tasks', paper: 'Duan: bandits, tabular MDPs, visual mazes; Wang: bandits, two-step task', ours: `${cfg.testbed.population.latentTypes * cfg.testbed.population.variantsPerLatent - cfg.queryTypes.length} support types of the particle testbed; ${cfg.queryTypes.length} unseen query types`, why: 'the comparison with paper 000\'s gradient-based methods on the same types' },
    { setting: 'recurrent cell', paper: 'Duan: GRU, 256 units; Wang: LSTM, 48 units', ours: `GRU, ${c.hidden} units`, why: 'six remappings and drifts to tell apart; BPTT cost grows with H' },
    { setting: 'input phi_t', paper: '(s_t, a_{t-1}, r_{t-1}, d_{t-1})', ours: c.moveScale > 0 ? `(s_t x ${c.stateScale}, previous move x ${c.moveScale}, one-hot a_{t-1}, r_{t-1} x ${c.rewardInputScale}, d_{t-1})` : `(s_t x ${c.stateScale}, one-hot a_{t-1}, r_{t-1} x ${c.rewardInputScale}, d_{t-1})`, why: c.moveScale > 0 ? 'the previous move (the particle\'s velocity, what system identification sees) added: moves are 0.05 long while positions range over +-3' : 'the papers\' input' },
    { setting: 'episodes per trial N', paper: 'Duan: 2 (maze), 10-500 (bandits, MDPs)', ours: String(c.episodesPerTrial), why: 'a move or two identifies a remapping' },
    { setting: 'outer algorithm', paper: 'Duan: TRPO + GAE; Wang: A2C', ours: c.epochs === 1 ? 'advantage actor-critic (PPO-clip objective, 1 epoch = VPG with a learned baseline)' : `PPO-clip, ${c.epochs} epochs`, why: 'garage\'s RL² uses PPO; one epoch per batch keeps BPTT affordable' },
    { setting: 'step sizes', paper: 'Duan: TRPO (a trust-region step, no step size to tune)', ours: `Adam: RL² ${c.adam.lr}; VPG: system identification ${cfg.sysid.vpg.adam.lr}, domain randomisation ${cfg.vpg.adam.lr}`, why: 'each method\'s best of the same grid on validation types, query types held out (rl2-tuning.ts)' },
    { setting: 'GAE (gamma, lambda)', paper: 'Duan: 0.99, 0.3', ours: `${c.gamma}, ${c.lambda}`, why: 'lambda 0.3 leans on a value function learned from scratch; 0.95 is the PPO default' },
    { setting: 'value baseline', paper: 'Duan: GAE with a baseline; Wang: value head on the LSTM', ours: 'linear value head on h_t and t / L', why: 'the remaining reward depends on time in the trial' },
    { setting: 'trials per update x iterations', paper: 'Duan: tens of thousands of steps per iteration, hundreds to thousands of iterations', ours: `${c.trialsPerUpdate} x ${cfg.iterations} (${trainingEpisodes(cfg)} training episodes)`, why: 'CPU budget: the notebook must run in about 20 minutes on 2 cores' },
    { setting: 'baselines', paper: '—', ours: `domain randomisation and system identification with the same ${trainingEpisodes(cfg)} training episodes; CAML, MAML, random init from the saved Fig. 1 results`, why: 'the survey\'s forward-transfer answers beside paper 000\'s gradient-based ones' },
    { setting: 'seeds', paper: 'Duan: not stated per figure', ours: String(seeds), why: 'the issue asks for at least 5' },
  ];
}
