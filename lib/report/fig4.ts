/**
 * Figure 4 of paper 000 from the saved divergences of experiments/fig4.ts: matrices per
 * checkpoint, grouping against the latent types (ARI of K-medoids, between/within), t-SNE
 * maps, training curves and the sentences. Pure: rows in, figures and rows out.
 */
import { groupRows, meanBy, summarize } from '../core/stats';
import { pairsToMatrix } from '../core/pairs';
import { Row } from '../core/row';
import { Rng } from '../core/rng';
import { Saved } from '../experiments/fig4';
import { Overrides } from '../core/schema';
import { groupRecovery } from '../divergence/group-recovery';
import { tsne, TSNE_DEFAULTS, tsneConfig, tsneSchema } from '../divergence/tsne';
import { bandsBy, bandTraces, GROUP_COLORS, gridLayout, groupColor, heatmapTrace, panelAxes, panelBandFigure, sliderFigure } from './charts';
import { describeChange, formatInterval } from './format';
import { Figure, Layout, Trace } from './plotly';

/** One divergence matrix rebuilt from saved rows. */
export interface SavedMatrix {
  seed: number;
  update: number;
  estimator: string;
  n: number;
  /** [n, n], symmetric, zero diagonal. */
  D: Float64Array;
  /** Latent group of each type, [n]. */
  latent: number[];
}

/** Rebuild the matrices from the tidy `divergence` table; errors name the missing piece. */
export function matricesFromRows(rows: readonly Saved['divergence'][]): SavedMatrix[] {
  const groups = groupRows(rows, ['seed', 'update', 'estimator']);
  return [...groups.values()].map((g) => {
    const { n, D } = pairsToMatrix(g, 'divergence', `divergence rows of seed ${g[0].seed}, update ${g[0].update}, estimator ${g[0].estimator}`);
    const latent = new Array<number>(n).fill(-1);
    for (const x of g) {
      latent[x.i] = x.latentI;
      latent[x.j] = x.latentJ;
    }
    return { seed: g[0].seed, update: g[0].update, estimator: g[0].estimator, n, D, latent };
  });
}

/** One row of `groupingRows`. */
export interface GroupingRow extends Row {
  seed: number;
  update: number;
  estimator: string;
  ari: number;
  within: number;
  between: number;
  ratio: number;
}

/**
 * Grouping of every saved matrix against the latent groups: ARI of K-medoids labels (k =
 * number of groups, seeded by the matrix's seed) and mean between-group / within-group
 * divergence. Rows: seed, update, estimator, ari, within, between, ratio.
 */
export function groupingRows(matrices: readonly SavedMatrix[]): GroupingRow[] {
  return matrices.map((m) => ({ seed: m.seed, update: m.update, estimator: m.estimator, ...groupRecovery(m.D, m.latent, new Rng(m.seed * 7919 + m.update)) }));
}

const ESTIMATOR_COLORS: Record<string, string> = { literal: '#d62728', policy: '#1f77b4', occupancy: '#2ca02c' };

/** Training curves: mean return per latent group (over its types and the seeds), 95% bands over seeds. */
export function trainingFigure(training: readonly Saved['training'][]): Figure {
  const perSeed = meanBy(training, ['seed', 'latent', 'update'], 'return');
  const series = bandsBy(perSeed, 'return', 'update', 'latent', (g) => ({ name: `latent ${g}`, color: groupColor(g) }));
  const seeds = new Set(training.map((r) => r.seed)).size;
  return {
    data: bandTraces(series),
    layout: { title: { text: `VPG training of the 24 policies: mean return per latent group (95% CI over ${seeds} seeds)` }, xaxis: { title: { text: 'VPG update' } }, yaxis: { title: { text: 'mean episode return' } }, height: 450 },
  };
}

/** The divergence matrix of one seed and estimator as a heatmap, with a slider over checkpoints. */
export function heatmapFigure(matrices: readonly SavedMatrix[], seed: number, estimator: string): Figure {
  const ms = matrices.filter((m) => m.seed === seed && m.estimator === estimator).sort((a, b) => a.update - b.update);
  if (ms.length === 0) throw new Error(`heatmapFigure: no saved matrices for seed ${seed}, estimator ${estimator}`);
  const labels = ms[0].latent.map((g, i) => `t${i} (g${g})`);
  const zmax = Math.max(...ms.map((m) => Math.max(...m.D)));
  const steps = ms.map((m) => ({ label: `${m.update}`, traces: [heatmapTrace(m.D, m.n, labels, { zmin: 0, zmax, name: `update ${m.update}` })] }));
  const layout: Layout = {
    title: { text: `Divergence matrix (${estimator} estimator, seed ${seed}); types ordered by latent group` },
    height: 640, xaxis: { tickfont: { size: 9 } }, yaxis: { tickfont: { size: 9 }, autorange: 'reversed' },
  };
  return sliderFigure(steps, layout, 'after update ');
}

/** Mean within-group and between-group divergence against update, one panel per estimator, bands over seeds. */
export function withinBetweenFigure(grouping: readonly GroupingRow[]): Figure {
  const estimators = [...new Set(grouping.map((r) => r.estimator))];
  const panels = estimators.map((e) => {
    const rows = grouping.filter((r) => r.estimator === e);
    const long = rows.flatMap((r) => [{ ...r, kind: 'within group', value: r.within }, { ...r, kind: 'between groups', value: r.between }]);
    return { title: `${e} estimator`, series: bandsBy(long, 'value', 'update', 'kind', (k) => ({ name: k, color: k === 'within group' ? '#2ca02c' : '#d62728' })) };
  });
  const seeds = new Set(grouping.map((r) => r.seed)).size;
  return panelBandFigure(panels, { title: `Divergence over training: mean within-group vs between-group divergence (95% CI over ${seeds} seeds)`, xTitle: 'VPG update', yTitle: 'mean divergence', columns: 3 });
}

/** ARI (or another grouping column) against update, one band per estimator. */
export function groupingFigure(grouping: readonly GroupingRow[], value: 'ari' | 'ratio'): Figure {
  const series = bandsBy(grouping, value, 'update', 'estimator', (e, i) => ({ name: `${e} estimator`, color: ESTIMATOR_COLORS[e] ?? GROUP_COLORS[i] }));
  const seeds = new Set(grouping.map((r) => r.seed)).size;
  const label = value === 'ari' ? 'adjusted Rand index of K-medoids (k = 6) vs latent groups' : 'between-group / within-group mean divergence';
  return {
    data: bandTraces(series),
    layout: { title: { text: `${label} (95% CI over ${seeds} seeds)` }, xaxis: { title: { text: 'VPG update' } }, yaxis: { title: { text: value === 'ari' ? 'ARI' : 'ratio' } }, height: 430 },
  };
}

/** t-SNE map of every checkpoint of one seed and estimator, as small multiples coloured by latent group. */
export function tsneFigure(matrices: readonly SavedMatrix[], seed: number, estimator: string, cfg: Overrides<typeof tsneSchema> = {}): Figure {
  const ms = matrices.filter((m) => m.seed === seed && m.estimator === estimator).sort((a, b) => a.update - b.update);
  const { layout } = gridLayout(ms.length, ms.map((m) => `after ${m.update} updates`), {
    title: `Fig. 4: t-SNE of the policy divergences (${estimator} estimator, seed ${seed}); colours are latent groups`, columns: 3, ygap: 0.25,
  });
  const data: Trace[] = [];
  // JS-type divergences behave like squared distances (sqrt JS is the metric): power 1;
  // the policy metric d_P is already a mean of metrics: power 2, t-SNE's usual Gaussian.
  const c = tsneConfig({ ...TSNE_DEFAULTS, perplexity: 5, distancePower: estimator === 'policy' ? 2 : 1, ...cfg });
  ms.forEach((m, p) => {
    const Y = tsne(m.D, c, new Rng(seed * 31 + m.update)).embedding;
    const { x: xa, y: ya, xKey, yKey } = panelAxes(p);
    const groups = [...new Set(m.latent)].sort((a, b) => a - b);
    for (const g of groups) {
      const idx = m.latent.map((l, i) => (l === g ? i : -1)).filter((i) => i >= 0);
      data.push({
        type: 'scatter', mode: 'markers', x: idx.map((i) => Y[2 * i]), y: idx.map((i) => Y[2 * i + 1]), xaxis: xa, yaxis: ya,
        name: `latent ${g}`, legendgroup: `latent ${g}`, showlegend: p === 0, marker: { color: groupColor(g), size: 9 },
        text: idx.map((i) => `type ${i}`), hovertemplate: `%{text} (latent ${g})<extra>update ${m.update}</extra>`,
      });
    }
    layout[xKey] = { showticklabels: false, zeroline: false };
    layout[yKey] = { showticklabels: false, zeroline: false };
  });
  return { data, layout };
}

/**
 * What the grouping numbers say, per estimator: ARI at the first and last checkpoint with
 * 95% intervals, and the between/within ratio at the last checkpoint.
 */
export function describeGrouping(grouping: readonly GroupingRow[]): string[] {
  const estimators = [...new Set(grouping.map((r) => r.estimator))];
  return estimators.map((e) => {
    const rows = grouping.filter((r) => r.estimator === e);
    const ari = summarize(rows, ['update'], 'ari');
    const ratio = summarize(rows, ['update'], 'ratio');
    return `${e}: ${describeChange(ari, 'update', 'ARI')}; between/within ratio at update ${ratio[ratio.length - 1].update}: ${formatInterval(ratio[ratio.length - 1])}`;
  });
}

/** How well a mean ARI recovers the groups, in words (thresholds fixed here, before looking at any run). */
function recoveryWord(ari: number): string {
  return ari >= 0.9 ? 'recovers the six groups' : ari >= 0.5 ? 'partly recovers the groups' : 'does not recover the groups';
}

/**
 * The verdict on Fig. 4's claim ("trained policies show in the embedding a tendency to
 * neighbour members of their own latent group"), one sentence per estimator and run, from
 * the grouping rows: mean ARI over seeds at the first checkpoint after training starts, at
 * the best checkpoint and at the last, each with its 95% interval, and a word for the last.
 * @param runs label -> grouping rows (e.g. "one trajectory" -> groupingRows(...))
 */
export function verdicts(runs: Readonly<Record<string, readonly Row[]>>): string[] {
  const lines: string[] = [];
  for (const [label, grouping] of Object.entries(runs)) {
    for (const e of [...new Set(grouping.map((r) => String(r.estimator)))]) {
      const ari = summarize(grouping.filter((r) => r.estimator === e), ['update'], 'ari').filter((r) => Number(r.update) > 0);
      if (ari.length === 0) continue;
      const best = ari.reduce((a, b) => (Number(b.mean) > Number(a.mean) ? b : a)), first = ari[0], last = ari[ari.length - 1];
      lines.push(`${e} estimator, ${label}: ARI ${formatInterval(first)} at update ${first.update}, best ${formatInterval(best)} at update ${best.update}, ` +
        `${formatInterval(last)} at update ${last.update}: at the end it ${recoveryWord(Number(last.mean))}.`);
    }
  }
  return lines;
}
