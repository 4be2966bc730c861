/**
 * Sec. V.1 and V.2 of paper 001 (Zahed, "Policy Metrics for Hindsight MAML") from the saved
 * tables of experiments/hindsight.ts: the metric axioms, the bounds on J, the equivalent
 * pair, and the experts' distance matrices. Pure: rows in, tables, figures, sentences out.
 */
import { pairsToMatrix } from '../core/pairs';
import { Row } from '../core/row';
import { Rng } from '../core/rng';
import { Saved } from '../experiments/hindsight';
import { meanBy, median } from '../core/stats';
import { groupRecovery } from '../divergence/group-recovery';
import { jsBoundHalfS, jsBoundLog } from '../divergence/js-bounds';
import { heatmapTrace, sliderFigure } from './charts';
import { formatNumber as fmt, intervalOf as ci, seedsOf } from './format';
import { Figure, Trace } from './plotly';

// V.1 ----------------------------------------------------------------------------------

/**
 * The axioms table: per policy set and metric, the triples checked per seed, the share of
 * triangle-inequality violations over all seeds, the worst relative excess, and the
 * largest asymmetry and diagonal entry.
 */
export function axiomsTable(axioms: readonly Saved['axioms'][]) {
  const keys = [...new Set(axioms.map((r) => `${r.policies}|${r.metric}`))];
  return keys.map((k) => {
    const rs = axioms.filter((r) => `${r.policies}|${r.metric}` === k);
    const checked = rs.reduce((s, r) => s + r.triangleChecked, 0), violated = rs.reduce((s, r) => s + r.triangleViolations, 0);
    return {
      policies: rs[0].policies, metric: rs[0].metric, M: rs[0].M, seeds: rs.length,
      'triples per seed': rs[0].triangleChecked,
      'triangle violations': `${violated} of ${checked} (${(100 * violated / Math.max(checked, 1)).toFixed(2)}%)`,
      'worst d(i,k) − d(i,j) − d(j,k), relative to d(i,k)': fmt(Math.max(...rs.map((r) => r.maxRelativeExcess))),
      'max |d(i,j) − d(j,i)|': fmt(Math.max(...rs.map((r) => r.maxAsymmetry))),
      'max |d(i,i)|': fmt(Math.max(...rs.map((r) => r.maxDiagonal))),
      'zero off-diagonal entries': rs.reduce((s, r) => s + r.zeroOffDiagonal, 0),
    };
  });
}

/** The axioms in one sentence per metric (numbers from the saved rows). */
export function describeAxioms(axioms: readonly Saved['axioms'][]): string[] {
  return axiomsTable(axioms).map((r) => `${r.metric} on ${r.policies} policies (M = ${r.M}, ${r.seeds} seeds): ${r['triangle violations']} ordered triples violate the triangle inequality; worst relative excess ${r['worst d(i,k) − d(i,j) − d(j,k), relative to d(i,k)']}.`);
}

export const BOUND_SOURCES: Record<string, string> = {
  discrete: 'random discrete distributions',
  policy: 'expert action distributions at states of q_S',
  gaussian: 'diagonal Gaussians (J by Monte Carlo)',
};
const SOURCE_COLORS: Record<string, string> = { discrete: '#1f77b4', policy: '#d62728', gaussian: '#2ca02c' };

/** A bound is violated when J exceeds it by more than rounding (and, for Monte Carlo J, by more than 3 standard errors). */
/** The columns of the bounds table the report reads. */
type BoundRow = Omit<Saved['bounds'], 'dim'>;

function violates(r: BoundRow, bound: 'boundHalfS' | 'boundLog'): boolean {
  return r.js - 3 * r.jsStderr > r[bound] * (1 + 1e-12) + 1e-15;
}

const S_BINS: [number, number][] = [[0, 0.01], [0.01, 0.1], [0.1, 1], [1, 10], [10, Infinity]];

/**
 * Tightness of both bounds by source and range of S: pairs, violations of each bound, and
 * the median of J / bound (1 = tight).
 */
export function boundTightness(bounds: readonly BoundRow[]): Row[] {
  const out: Row[] = [];
  for (const source of Object.keys(BOUND_SOURCES)) {
    for (const [lo, hi] of S_BINS) {
      const rs = bounds.filter((r) => r.source === source && r.symKl >= lo && r.symKl < hi && r.symKl > 0);
      if (rs.length === 0) continue;
      out.push({
        source, 'S range': `[${lo}, ${hi === Infinity ? '∞' : hi})`, pairs: rs.length,
        'J > S/2': rs.filter((r) => violates(r, 'boundHalfS')).length,
        'J > ln(2/(1+e^−S))': rs.filter((r) => violates(r, 'boundLog')).length,
        'median J / (S/2)': fmt(median(rs.map((r) => r.js / r.boundHalfS))),
        'median J / ln(2/(1+e^−S))': fmt(median(rs.map((r) => r.js / r.boundLog))),
      });
    }
  }
  return out;
}

/** What the bound check says, in numbers. */
export function describeBounds(bounds: readonly BoundRow[]): string[] {
  const valid = bounds.filter((r) => r.symKl > 0);
  const half = valid.filter((r) => violates(r, 'boundHalfS')).length, log = valid.filter((r) => violates(r, 'boundLog')).length;
  const small = valid.filter((r) => r.symKl < 0.01), large = valid.filter((r) => r.symKl >= 10);
  const lines = [`Over ${valid.length} pairs (${seedsOf(bounds).length} seeds), J > S/2 in ${half} and J > ln(2/(1+e^−S)) in ${log}; ln(2/(1+e^−S)) ≤ S/2 in every pair: ${valid.every((r) => r.boundLog <= r.boundHalfS * (1 + 1e-12))}.`];
  if (small.length > 0) lines.push(`For S < 0.01 (${small.length} pairs) both bounds are about twice J: median J/(S/2) = ${fmt(median(small.map((r) => r.js / r.boundHalfS)))}, median J/ln-bound = ${fmt(median(small.map((r) => r.js / r.boundLog)))} (J ≈ S/4 for close distributions).`);
  if (large.length > 0) lines.push(`For S ≥ 10 (${large.length} pairs) S/2 is useless (median J/(S/2) = ${fmt(median(large.map((r) => r.js / r.boundHalfS)))}) while the log bound, which saturates at ln 2, stays close: median J/ln-bound = ${fmt(median(large.map((r) => r.js / r.boundLog)))}.`);
  return lines;
}

/** J against S (log axis) for every pair of one seed, with both bound curves and ln 2. */
export function boundsFigure(bounds: readonly BoundRow[], seed?: number): Figure {
  const s = seed ?? seedsOf(bounds)[0];
  const rows = bounds.filter((r) => r.seed === s && r.symKl > 0);
  if (rows.length === 0) throw new Error(`boundsFigure: no bound rows with S > 0 for seed ${s}`);
  const data: Trace[] = [];
  for (const source of Object.keys(BOUND_SOURCES)) {
    const rs = rows.filter((r) => r.source === source);
    if (rs.length === 0) continue;
    data.push({
      type: 'scatter', mode: 'markers', name: BOUND_SOURCES[source], x: rs.map((r) => r.symKl), y: rs.map((r) => r.js),
      marker: { size: 4, opacity: 0.55, color: SOURCE_COLORS[source] }, hovertemplate: `${BOUND_SOURCES[source]}<br>S = %{x:.3g}, J = %{y:.3g}<extra></extra>`,
    });
  }
  const lo = Math.min(...rows.map((r) => r.symKl)), hi = Math.max(...rows.map((r) => r.symKl));
  const xs = Array.from({ length: 200 }, (_, k) => Math.exp(Math.log(lo) + (k / 199) * (Math.log(hi) - Math.log(lo))));
  data.push({ type: 'scatter', mode: 'lines', name: 'J ≤ S/2', x: xs, y: xs.map(jsBoundHalfS), line: { color: 'black', dash: 'dot', width: 2 } });
  data.push({ type: 'scatter', mode: 'lines', name: 'J ≤ ln(2/(1+e^−S))', x: xs, y: xs.map(jsBoundLog), line: { color: 'black', width: 2 } });
  data.push({ type: 'scatter', mode: 'lines', name: 'ln 2 (largest J)', x: [lo, hi], y: [Math.LN2, Math.LN2], line: { color: '#999', width: 1, dash: 'dash' } });
  return {
    data,
    layout: {
      title: { text: `Jensen-Shannon J against symmetric KL S, with the note's two upper bounds (seed ${s})` },
      xaxis: { title: { text: 'S(p, q) = (KL(p‖q) + KL(q‖p)) / 2' }, type: 'log' },
      yaxis: { title: { text: 'J(p, q) (nats)' }, type: 'log' }, height: 520,
    },
  };
}

/** The equivalence table: per pair and start, d_P, d_E and P over seeds, and visits to the half-plane. */
export function equivalenceTable(equivalence: readonly Saved['equivalence'][]): Row[] {
  const keys = [...new Set(equivalence.map((r) => `${r.pair}|${r.start}`))];
  return keys.map((k) => {
    const rs = equivalence.filter((r) => `${r.pair}|${r.start}` === k);
    return {
      pair: rs[0].pair, 'start s_0': rs[0].start, seeds: rs.length,
      'd_P (Def. 2)': ci(rs.map((r) => r.dP)), 'd_E (Def. 3)': ci(rs.map((r) => r.dE)), 'P (Def. 4)': ci(rs.map((r) => r.P)),
      'max P': fmt(Math.max(...rs.map((r) => r.P))),
      'visited states in the half-plane': rs.reduce((s, r) => s + r.statesInRegion, 0),
      'max |π_θ − π_φ| on visited states': fmt(Math.max(...rs.map((r) => r.maxProbGap))),
    };
  });
}

/** The equivalent pair in one sentence. */
export function describeEquivalence(equivalence: readonly Saved['equivalence'][]): string {
  const eq = equivalence.filter((r) => r.pair === 'equivalent, unequal' && r.start === 'origin');
  const inside = equivalence.filter((r) => r.pair === 'equivalent, unequal' && r.start !== 'origin');
  if (eq.length === 0) return 'no equivalent pair in the saved rows';
  const zeroP = eq.filter((r) => r.P === 0).length, zeroE = eq.filter((r) => r.dE === 0).length;
  return `Started at the origin, the equivalent-but-unequal pair has P = 0 exactly in ${zeroP} of ${eq.length} seeds and d_E = 0 in ${zeroE}, ` +
    `while d_P = ${ci(eq.map((r) => r.dP))} > 0 (it sees the half-plane through q_S). Started inside the half-plane, P = ${ci(inside.map((r) => r.P))}: ` +
    'the same two policies are no longer equivalent, as Sec. IV.A says of a start distribution that reaches state 1.';
}

// V.2 ----------------------------------------------------------------------------------

/** One seed's expert matrices, rebuilt from the `experts` rows. */
export interface ExpertMatrices {
  seed: number;
  n: number;
  latent: number[];
  query: boolean[];
  /** [n, n] each, symmetric, zero diagonal. */
  dP: Float64Array;
  P: Float64Array;
  dE: Float64Array;
}

/** Rebuild the d_P, P and d_E matrices of every seed from the tidy `experts` table. */
export function expertMatrices(rows: readonly Saved['experts'][]): ExpertMatrices[] {
  return seedsOf(rows).map((seed) => {
    const g = rows.filter((r) => r.seed === seed);
    const where = `experts rows of seed ${seed}`;
    const { n, D: dP } = pairsToMatrix(g, 'dP', where);
    const m: ExpertMatrices = { seed, n, latent: new Array(n).fill(-1), query: new Array(n).fill(false), dP, P: pairsToMatrix(g, 'P', where).D, dE: pairsToMatrix(g, 'dE', where).D };
    for (const r of g) {
      const i = r.i, j = r.j;
      m.latent[i] = r.latentI;
      m.latent[j] = r.latentJ;
      m.query[i] = r.queryI;
      m.query[j] = r.queryJ;
    }
    return m;
  });
}

export const EXPERT_METRICS: Record<'dP' | 'P' | 'dE', string> = {
  dP: 'd_P (Def. 2): mean √J over q_S',
  P: 'P (Def. 4): √J summed along each expert\'s own trajectories',
  dE: 'd_E (Def. 3): mean √J over states both experts visit',
};

/** Heatmaps of one seed's expert matrices, a slider over the three distances; types in group order, * marks query types. */
export function expertHeatmapFigure(matrices: readonly ExpertMatrices[], seed: number): Figure {
  const m = matrices.find((x) => x.seed === seed);
  if (!m) throw new Error(`expertHeatmapFigure: no expert matrices for seed ${seed}`);
  const labels = m.latent.map((g, i) => `t${i}${m.query[i] ? '*' : ''} (g${g})`);
  const steps = (Object.keys(EXPERT_METRICS) as ('dP' | 'P' | 'dE')[]).map((key) => ({
    label: EXPERT_METRICS[key].split(' ')[0],
    traces: [heatmapTrace(m[key], m.n, labels, { zmin: 0, zmax: Math.max(...m[key]), name: EXPERT_METRICS[key] })],
  }));
  return sliderFigure(steps, {
    title: { text: `Pairwise distances of the ${m.n} experts (seed ${seed}); * = query type, held out in V.3 and V.4` },
    height: 660, xaxis: { tickfont: { size: 9 } }, yaxis: { tickfont: { size: 9 }, autorange: 'reversed' },
  }, 'distance: ');
}

/**
 * Per distance: mean within-group and between-group values, their ratio, and the ARI of
 * K-medoids (k = number of groups) against the latent groups; 95% intervals over seeds.
 */
export function expertGroupingTable(matrices: readonly ExpertMatrices[]): Row[] {
  return (Object.keys(EXPERT_METRICS) as ('dP' | 'P' | 'dE')[]).map((key) => {
    const per = matrices.map((m) => groupRecovery(m[key], m.latent, new Rng(m.seed * 7919 + 17)));
    return {
      distance: EXPERT_METRICS[key], within: ci(per.map((p) => p.within)), between: ci(per.map((p) => p.between)),
      'between / within': ci(per.map((p) => p.ratio)), 'ARI of K-medoids': ci(per.map((p) => p.ari)),
    };
  });
}

/** The experts' training, in one sentence: return before and after training. */
export function describeExperts(training: readonly Saved['expertTraining'][]): string {
  const last = Math.max(...training.map((r) => r.update));
  const perSeed = (u: number) => meanBy(training.filter((r) => r.update === u), ['seed'], 'return').map((r) => r.return);
  const finals = training.filter((r) => r.update === last).map((r) => r.return);
  return `Mean expert return goes from ${ci(perSeed(0))} before training to ${ci(perSeed(last))} after ${last} VPG updates ` +
    `(95% intervals over seeds; single experts range from ${fmt(Math.min(...finals))} to ${fmt(Math.max(...finals))}).`;
}
