/**
 * Sec. V.3 and V.4 of paper 001 (Zahed, "Policy Metrics for Hindsight MAML") from the saved
 * tables of experiments/hindsight.ts: the Siamese task metric f_phi, the buffer R that
 * meta-training filled, and task-specific training with and without replay. Pure: rows in,
 * tables, figures, sentences out.
 */
import { META_LEARNERS, MetaLearner } from '../algos/hindsight-maml';
import { Row } from '../core/row';
import { mean, meanBy, median, pairedComparison, summarize } from '../core/stats';
import { accuracyAt, rocCurve } from '../divergence/classification';
import { REPLAY_ARMS, ReplayArm, Saved } from '../experiments/hindsight';
import { BandSeries, panelBandFigure, summaryBand } from './charts';
import { formatNumber as fmt, intervalOf as ci, seedsOf } from './format';
import { Figure, Trace } from './plotly';

/** Display names of the arms. */
export const ARM_LABELS: Record<ReplayArm, string> = {
  none: 'no replay (plain VPG)',
  siamese: 'replay from tasks f_φ calls similar',
  oracle: 'replay from same-group tasks (oracle filter)',
  all: 'replay from all buffered tasks (no filter)',
};

export const ARM_COLORS: Record<ReplayArm, string> = { none: '#7f7f7f', siamese: '#d62728', oracle: '#2ca02c', all: '#1f77b4' };

export const LEARNER_LABELS: Record<MetaLearner, string> = {
  reptile: 'Reptile, R filled from its inner loops',
  maml: 'MAML, then Algorithm 1 as written (one inner step)',
};

// V.3 ----------------------------------------------------------------------------------

/** Histogram of d_P over support pairs, same group vs different groups, with eps marked. */
export function epsilonFigure(pairs: readonly Saved['pairs'][], epsilon: number): Figure {
  const support = pairs.filter((r) => r.split === 'support');
  const trace = (same: number, name: string, color: string): Trace => ({
    type: 'histogram', x: support.filter((r) => r.same === same).map((r) => r.dP), name, opacity: 0.6,
    marker: { color }, xbins: { size: 0.02 }, hovertemplate: `${name}<br>d_P %{x}: %{y} pairs<extra></extra>`,
  });
  const top = support.length;
  return {
    data: [
      trace(1, 'same latent group', '#2ca02c'), trace(0, 'different groups', '#d62728'),
      { type: 'scatter', mode: 'lines', x: [epsilon, epsilon], y: [0, top / 8], name: `ε = ${epsilon}`, line: { color: 'black', width: 2, dash: 'dash' } },
    ],
    layout: {
      barmode: 'overlay', title: { text: `d_P between experts of support types, all seeds (label 1 when d_P < ε)` },
      xaxis: { title: { text: 'd_P(expert_i, expert_j)' } }, yaxis: { title: { text: 'pairs' } }, height: 420,
    },
  };
}

/** Loss and balanced accuracy of f_phi on its training pairs during training, 95% bands over seeds. */
export function siameseTrainingFigure(siamese: readonly Saved['siamese'][]): Figure {
  const band = (value: 'loss' | 'balancedAccuracy', color: string, name: string): BandSeries => summaryBand(summarize(siamese, ['step'], value), 'step', { name, color });
  const seeds = seedsOf(siamese).length;
  const fig = panelBandFigure([
    { title: 'class-balanced cross-entropy', series: [band('loss', '#1f77b4', 'loss')] },
    { title: 'balanced accuracy against the ε labels', series: [band('balancedAccuracy', '#d62728', 'balanced accuracy')] },
  ], { title: `Training f_φ on the support pairs (Alg. 1, l.16; 95% CI over ${seeds} seeds)`, xTitle: 'Adam step', columns: 2 });
  return { ...fig, layout: { ...fig.layout, showlegend: false } }; // the panel titles name the curves
}

/** One row of `siameseScores`. */
export interface ScoreRow extends Row {
  seed: number;
  evaluation: string;
  auc: number;
  accuracy: number;
  balancedAccuracy: number;
  pairs: number;
  positives: number;
}

/**
 * Per seed, how well each classifier tells same-group from different-group pairs:
 *   f_phi on held-out pairs; the eps rule on held-out pairs (d_P of held-out experts);
 *   the eps rule on support pairs (the quality of f_phi's training labels);
 *   f_phi against its own teacher (the rule's labels) on held-out pairs.
 * Rows: seed, evaluation, auc, accuracy, balancedAccuracy.
 */
export function siameseScores(pairs: readonly Pick<Saved['pairs'], 'seed' | 'split' | 'same' | 'rule' | 'dP' | 'score'>[], threshold: number): ScoreRow[] {
  type PairRow = (typeof pairs)[number];
  const out: ScoreRow[] = [];
  const f = (r: PairRow) => r.score, negDp = (r: PairRow) => -r.dP;
  const fSays = (r: PairRow) => (r.score >= threshold ? 1 : 0), ruleSays = (r: PairRow) => r.rule;
  const same = (r: PairRow) => r.same;
  // evaluation, split, ranking score (for the ROC), decision (0/1, for the accuracies), truth
  const evals: [string, string, (r: PairRow) => number, (r: PairRow) => number, (r: PairRow) => number][] = [
    ['f_φ vs same group, held-out pairs', 'held-out', f, fSays, same],
    ['d_P < ε rule vs same group, held-out pairs', 'held-out', negDp, ruleSays, same],
    ['d_P < ε rule vs same group, support pairs (the training labels)', 'support', negDp, ruleSays, same],
    ['f_φ vs the ε-rule labels, held-out pairs (does it reproduce its teacher?)', 'held-out', f, fSays, ruleSays],
  ];
  for (const seed of seedsOf(pairs)) {
    const ps = pairs.filter((r) => r.seed === seed);
    for (const [evaluation, split, score, decide, truth] of evals) {
      const rs = ps.filter((r) => r.split === split);
      if (rs.length === 0) continue;
      const labels = rs.map(truth);
      const acc = accuracyAt(rs.map(decide), labels, 0.5);
      const both = labels.includes(1) && labels.includes(0);
      out.push({ seed, evaluation, auc: both ? rocCurve(rs.map(score), labels).auc : NaN, accuracy: acc.accuracy, balancedAccuracy: acc.balancedAccuracy, pairs: rs.length, positives: labels.filter((l) => l === 1).length });
    }
  }
  return out;
}

/** The Siamese table: AUC, accuracy and balanced accuracy per evaluation, 95% intervals over seeds. */
export function siameseTable(scores: readonly ScoreRow[]) {
  const evals = [...new Set(scores.map((r) => r.evaluation))];
  return evals.map((e) => {
    const rs = scores.filter((r) => r.evaluation === e);
    return {
      evaluation: e, seeds: rs.length, 'pairs (positives) per seed': `${rs[0].pairs} (${fmt(mean(rs.map((r) => r.positives)), 1)})`,
      AUC: ci(rs.map((r) => r.auc)), accuracy: ci(rs.map((r) => r.accuracy)), 'balanced accuracy': ci(rs.map((r) => r.balancedAccuracy)),
    };
  });
}

/** ROC curves on the held-out pairs, all seeds pooled: f_phi and the eps rule's score -d_P. */
export function siameseRocFigure(pairs: readonly Saved['pairs'][]): Figure {
  const held = pairs.filter((r) => r.split === 'held-out');
  const labels = held.map((r) => r.same);
  const curves: [string, number[], string][] = [
    ['f_φ (Siamese)', held.map((r) => r.score), '#d62728'],
    ['−d_P of the held-out experts (the ε rule\'s score)', held.map((r) => -r.dP), '#1f77b4'],
  ];
  const data: Trace[] = curves.map(([name, scores, color]) => {
    const roc = rocCurve(scores, labels);
    return { type: 'scatter', mode: 'lines', name: `${name}: pooled AUC ${roc.auc.toFixed(3)}`, x: roc.fpr, y: roc.tpr, line: { color, width: 2, shape: 'hv' }, hovertemplate: `${name}<br>FPR %{x:.3f}, TPR %{y:.3f}<extra></extra>` };
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { color: '#999', dash: 'dot' } });
  return {
    data,
    layout: {
      title: { text: `Same latent group or not, on held-out pairs (${held.length} pairs over ${seedsOf(held).length} seeds)` },
      xaxis: { title: { text: 'false-positive rate' }, range: [0, 1] }, yaxis: { title: { text: 'true-positive rate' }, range: [0, 1.02] }, height: 480,
    },
  };
}

/** Siamese results in one sentence each. */
export function describeSiamese(scores: readonly ScoreRow[]): string[] {
  return siameseTable(scores).map((r) => `${r.evaluation}: AUC ${r.AUC}, accuracy ${r.accuracy}, balanced accuracy ${r['balanced accuracy']} (${r.seeds} seeds).`);
}

// V.4 ----------------------------------------------------------------------------------

const learnersOf = (rows: readonly { learner: string }[]) => META_LEARNERS.filter((l) => rows.some((r) => r.learner === l));
const armsOf = (rows: readonly { arm: string }[]) => REPLAY_ARMS.filter((a) => rows.some((r) => r.arm === a));
type AdaptationRow = Saved['adaptation'];
/** The adaptation columns the reward tables read. */
type RewardRow = Pick<AdaptationRow, 'seed' | 'learner' | 'arm' | 'update' | 'return'>;

/**
 * What meta-training put into R, per learner: offers and acceptances per seed (95%
 * intervals over seeds), the support types and entries per latent group (means over
 * seeds), and the median loss L of the offered tau'.
 */
export function bufferTable(meta: readonly Saved['meta'][], latentGroups: number): Row[] {
  return learnersOf(meta).map((learner) => {
    const rs = meta.filter((r) => r.learner === learner);
    const seeds = seedsOf(rs);
    const per = seeds.map((seed) => {
      const mine = rs.filter((r) => r.seed === seed), acc = mine.filter((r) => r.accepted === 1);
      return { offered: mine.length, accepted: acc.length, types: new Set(acc.map((r) => r.type)).size, groups: Array.from({ length: latentGroups }, (_, g) => acc.filter((r) => r.latent === g).length) };
    });
    return {
      learner: LEARNER_LABELS[learner], seeds: seeds.length, 'offers per seed': fmt(mean(per.map((p) => p.offered)), 1),
      'accepted per seed': ci(per.map((p) => p.accepted)), 'support types in R': fmt(mean(per.map((p) => p.types)), 1),
      'entries per latent group (mean over seeds)': Array.from({ length: latentGroups }, (_, g) => mean(per.map((p) => p.groups[g])).toFixed(1)).join(' / '),
      'median loss L of the offered τ′': fmt(median(rs.map((r) => r.loss))),
      'share of offers below δ': fmt(rs.filter((r) => r.accepted === 1).length / rs.length),
    };
  });
}

/** Move a panel figure's legend below the x-axis titles, with `bottom` px of margin for it. */
function legendBelow(fig: Figure, bottom: number): Figure {
  const layout = fig.layout ?? {};
  const height = Number(layout.height ?? 450);
  return {
    ...fig,
    layout: {
      ...layout, height: height + bottom - 90, margin: { l: 60, r: 20, t: 70, b: bottom },
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 0, yanchor: 'bottom', yref: 'container' },
    },
  };
}

function perSeedArm(adaptation: readonly RewardRow[]) {
  return meanBy(adaptation, ['seed', 'learner', 'arm', 'update'], 'return');
}

function armBand(rows: readonly { arm: string; update: number; return: number }[], arm: ReplayArm): BandSeries {
  return summaryBand(summarize(rows.filter((r) => r.arm === arm), ['update'], 'return'), 'update', { name: ARM_LABELS[arm], color: ARM_COLORS[arm], dash: arm === 'none' ? 'dot' : 'solid' });
}

/** Reward against update per arm, one panel per meta-learner (mean over query types within a seed, 95% bands over seeds). */
export function adaptationFigure(adaptation: readonly AdaptationRow[]): Figure {
  const perSeed = perSeedArm(adaptation);
  const panels = learnersOf(perSeed).map((learner) => {
    const rows = perSeed.filter((r) => r.learner === learner);
    return { title: LEARNER_LABELS[learner], series: armsOf(rows).map((arm) => armBand(rows, arm)) };
  });
  return legendBelow(panelBandFigure(panels, {
    title: `Reward on the unseen query types (mean over query types; 95% CI over ${seedsOf(adaptation).length} seeds)`,
    xTitle: 'VPG update on the query type', yTitle: 'mean episode reward', columns: 2, panelHeight: 380,
  }), 150);
}

/** One meta-learner's adaptation, one panel per query type (95% bands over seeds). */
export function adaptationQueryFigure(adaptation: readonly AdaptationRow[], learner: MetaLearner): Figure {
  const rows = adaptation.filter((r) => r.learner === learner);
  if (rows.length === 0) throw new Error(`adaptationQueryFigure: no adaptation rows of learner ${learner}`);
  const queries = [...new Set(rows.map((r) => r.query))].sort((a, b) => a - b);
  const panels = queries.map((q) => {
    const rs = rows.filter((r) => r.query === q);
    return { title: `query type ${q} (latent ${rs[0].queryLatent})`, series: armsOf(rs).map((arm) => armBand(rs, arm)) };
  });
  return legendBelow(panelBandFigure(panels, { title: `${LEARNER_LABELS[learner]}: per query type (95% CI over ${seedsOf(rows).length} seeds)`, xTitle: 'VPG update', yTitle: 'mean reward', columns: 3 }), 150);
}

/**
 * Reward after `update` updates per learner and arm (mean over query types within a
 * seed, 95% interval over seeds), and each replay arm's paired difference with "none" of
 * the same learner.
 */
export function replayEffectTable(adaptation: readonly RewardRow[], update: number): Row[] {
  const perSeed = perSeedArm(adaptation).filter((r) => r.update === update);
  if (perSeed.length === 0) throw new Error(`replayEffectTable: no adaptation rows at update ${update}`);
  const out: Row[] = [];
  for (const learner of learnersOf(perSeed)) {
    const mine = perSeed.filter((r) => r.learner === learner);
    const bySeed = (arm: string) => new Map(mine.filter((r) => r.arm === arm).map((r) => [r.seed, r.return]));
    const none = bySeed('none');
    for (const arm of armsOf(mine)) {
      const vals = mine.filter((r) => r.arm === arm).map((r) => r.return);
      const row: Row = { learner, arm: ARM_LABELS[arm], [`reward after ${update} update${update === 1 ? '' : 's'}`]: ci(vals), seeds: vals.length };
      if (arm !== 'none') {
        const c = pairedComparison(bySeed(arm), none);
        row['arm minus no replay'] = `${fmt(c.mean)} [${fmt(c.lo)}, ${fmt(c.hi)}]`;
        row['replay'] = c.verdict === 'wins' ? 'helps' : c.verdict === 'loses' ? 'hurts' : 'no clear effect';
      }
      out.push(row);
    }
  }
  return out;
}

/**
 * Per learner and replay arm, over the updates of all seeds and query types: how often a
 * replay sample was drawn, its size, the ESS / n of its importance weights (mean per
 * seed, 95% interval over seeds), the largest weight, the mean log-ratio, and the share of
 * eligible tasks in the query's own group (the filter's precision).
 */
export function replayStatsTable(adaptation: readonly AdaptationRow[]): Row[] {
  const updates = adaptation.filter((r) => r.update >= 1 && r.arm !== 'none');
  const out: Row[] = [];
  for (const learner of learnersOf(updates)) {
    for (const arm of armsOf(updates.filter((r) => r.learner === learner))) {
      const rs = updates.filter((r) => r.learner === learner && r.arm === arm), drawn = rs.filter((r) => r.replayTrajectories > 0);
      const essPerSeed = meanBy(drawn, ['seed'], 'ess').map((r) => r.ess);
      const elig = rs.reduce((s, r) => s + r.eligible, 0), same = rs.reduce((s, r) => s + r.eligibleSameGroup, 0);
      out.push({
        learner, arm: ARM_LABELS[arm], updates: rs.length, 'updates with replay': `${drawn.length} (${(100 * drawn.length / Math.max(rs.length, 1)).toFixed(0)}%)`,
        'eligible tasks per update': fmt(mean(rs.map((r) => r.eligible))),
        'eligible tasks in the query\'s group': elig > 0 ? `${(100 * same / elig).toFixed(0)}%` : '–',
        'replayed trajectories per update': drawn.length > 0 ? fmt(mean(drawn.map((r) => r.replayTrajectories))) : '–',
        'ESS / n of the weights': essPerSeed.length > 0 ? ci(essPerSeed) : '–',
        'median largest weight': drawn.length > 0 ? fmt(median(drawn.map((r) => r.maxWeight))) : '–',
        'mean ln ρ': drawn.length > 0 ? fmt(mean(drawn.map((r) => r.meanLogRatio))) : '–',
      });
    }
  }
  return out;
}

/** The replay effect in plain words, per learner and replay arm, after the first and the last update. */
export function describeReplayEffect(adaptation: readonly AdaptationRow[]): string[] {
  const last = Math.max(...adaptation.map((r) => r.update));
  const lines: string[] = [];
  for (const update of [...new Set([1, last])]) {
    for (const r of replayEffectTable(adaptation, update)) {
      if (r['arm minus no replay'] === undefined) continue;
      lines.push(`${LEARNER_LABELS[r.learner as MetaLearner]}, after ${update} update${update === 1 ? '' : 's'}: ${r.arm} minus no replay = ${r['arm minus no replay']} (paired over ${r.seeds} seeds, 95% interval): ${r.replay}.`);
    }
  }
  return lines;
}
