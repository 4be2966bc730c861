/**
 * Figure 4 of paper 000 and App. 6.3: policy divergence over training.
 *
 * "for each type we then trained an individual VPG policy from scratch over 40 updates
 * performing a batch parameter update every 10 iterations, and calculating estimated
 * occupancy-measure-based distances according to Algorithm 1." All 24 policies start from
 * the same parameters (Sec. 2: "an indistinguishable parameter initialization"). At each
 * checkpoint, every policy's post-update trajectory tau'_i (Alg. 1, l.5) feeds Algorithm 1
 * (divergence.ts) once per estimator, all estimators sharing the same sampled states.
 *
 * One unit = one seed, returning tidy tables:
 *   divergence: update, estimator, i, j, latentI, latentJ, divergence   (i < j)
 *   training:   update, type, latent, return
 * Grouping metrics (ARI of K-medoids labels, between/within ratio) and t-SNE maps are
 * computed from the saved divergences by the functions at the end of this file, so a
 * notebook re-renders them from data/ without retraining.
 *
 * References: ../shared/papers/000_0faad8b098250fb8.txt (Alg. 1, App. 6.3, Fig. 4).
 */
import { BandSeries, bandTraces, GROUP_COLORS, gridLayout, groupColor, heatmapTrace, panelAxes, panelBandFigure, sliderFigure } from '../report/charts';
import { check, ConfigError, DeepPartial, mergeConfig } from '../core/config';
import { divergenceConfig, DivergenceConfig, DIVERGENCE_DEFAULTS, DIVERGENCE_ESTIMATORS, DivergenceEstimator, divergenceMatrix, divergenceSample, statesByPolicy } from '../divergence/policy-divergence';
import { adjustedRandIndex, groupDistances } from '../divergence/grouping';
import { kmedoids } from '../divergence/kmedoids';
import { Figure, Layout, Trace } from '../report/plotly';
import { InitConfig, initParams, PAPER_POLICY } from '../policies/softmax-mlp';
import { Row } from './results';
import { Rng } from '../core/rng';
import { rolloutPaired } from '../policies/rollout';
import { Experiment, Tables } from './runner';
import { TablesOf } from './tables';
import { Scale } from '../core/scale';
import { describeChange, formatInterval, meanBy, summarize } from '../core/stats';
import { testbed, testbedConfig, TestbedConfig, TESTBED_DEFAULTS } from '../envs/testbed';
import { perTypeInit, perTypeStep } from '../algos/train';
import { tsne, TsneConfig, TSNE_DEFAULTS, tsneConfig } from '../divergence/tsne';
import { vpgConfig, VpgConfig, VPG_DEFAULTS } from '../algos/vpg';

export interface Fig4Config {
  testbed: TestbedConfig;
  /** VPG updates of every policy (paper: 40). */
  updates: number;
  /** Trajectories per update (paper: a batch update every 10 iterations). */
  K: number;
  /** Updates after which divergences are estimated (0 = before training). */
  checkpoints: number[];
  /** Trajectories tau'_i of each updated policy fed to Algorithm 1 (Alg. 1, l.5: one). */
  savedTrajectories: number;
  /** Estimators to compute, all on the same sampled states. */
  estimators: DivergenceEstimator[];
  /** Algorithm 1 settings (its `estimator` field is ignored: see `estimators`). */
  divergence: DivergenceConfig;
  vpg: VpgConfig;
  init: InitConfig;
}

export const FIG4_DEFAULTS: Fig4Config = {
  testbed: TESTBED_DEFAULTS,
  updates: 40,
  K: 10,
  checkpoints: [0, 5, 10, 15, 20, 25, 30, 35, 40],
  savedTrajectories: 1,
  estimators: [...DIVERGENCE_ESTIMATORS],
  divergence: DIVERGENCE_DEFAULTS,
  vpg: VPG_DEFAULTS,
  init: { outputScale: 0.01 },
};

export function fig4Config(overrides?: DeepPartial<Fig4Config>): Fig4Config {
  const where = 'fig4 config';
  const c = mergeConfig(where, FIG4_DEFAULTS, overrides);
  const updates = check.positiveInt(where, 'updates', c.updates);
  const checkpoints = check.nonEmptyIntList(where, 'checkpoints', c.checkpoints, 0, updates);
  if (checkpoints.some((v, i) => i > 0 && v <= checkpoints[i - 1])) throw new ConfigError(where, 'checkpoints', `must increase strictly, got ${JSON.stringify(checkpoints)}`);
  if (!Array.isArray(c.estimators) || c.estimators.length === 0) throw new ConfigError(where, 'estimators', `must list at least one of ${DIVERGENCE_ESTIMATORS.join(', ')}`);
  c.estimators.forEach((e, i) => check.oneOf(where, `estimators[${i}]`, e, DIVERGENCE_ESTIMATORS));
  return {
    testbed: testbedConfig(c.testbed, `${where} testbed`),
    updates,
    K: check.positiveInt(where, 'K', c.K),
    checkpoints,
    savedTrajectories: check.positiveInt(where, 'savedTrajectories', c.savedTrajectories),
    estimators: c.estimators,
    divergence: divergenceConfig(c.divergence, `${where} divergence`),
    vpg: vpgConfig(c.vpg, `${where} vpg`),
    init: { outputScale: check.positive(where, 'init.outputScale', c.init.outputScale) },
  };
}

/** Sizes per scale: the paper's 40 updates, 10 seeds; quick is a smoke run. */
export function fig4Sizes(s: Scale): { config: DeepPartial<Fig4Config>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 10 };
  return { config: { updates: 4, checkpoints: [0, 2, 4], divergence: { samples: 200 } }, seeds: 2 };
}

/** One seed: train the 24 policies together, estimate divergences at every checkpoint. */
export function fig4Unit(cfg: Fig4Config, seed: number): Tables {
  const bed = testbed(cfg.testbed);
  const spec = PAPER_POLICY;
  const rng = new Rng(seed);
  const theta0 = initParams(spec, rng.split(), cfg.init); // one initialization for all types (Sec. 2)
  const types = bed.types.map((t) => t.id);
  const trainRng = rng.split(), estimateRng = rng.split();
  let state = perTypeInit(types.map(() => theta0), types);
  const divergence: Row[] = [], training: Row[] = [];
  for (let update = 0; update <= cfg.updates; update++) {
    if (cfg.checkpoints.includes(update)) {
      // Alg. 1, l.5: trajectories tau'_i of the updated policies; l.7-16: the estimates.
      const thetas = state.learners.map((l) => l.theta);
      const tau = rolloutPaired(thetas, types, cfg.savedTrajectories, bed.dyn, spec, estimateRng);
      const sample = divergenceSample(thetas, statesByPolicy(tau, types.length), cfg.divergence, spec, estimateRng);
      for (const estimator of cfg.estimators) {
        const D = divergenceMatrix(sample, estimator);
        const n = types.length;
        for (let i = 0; i < n; i++) {
          for (let j = i + 1; j < n; j++) {
            divergence.push({ update, estimator, i, j, latentI: bed.types[i].latent, latentJ: bed.types[j].latent, divergence: D[i * n + j] });
          }
        }
      }
    }
    if (update === cfg.updates) break;
    const step = perTypeStep(state, cfg.K, cfg.vpg, bed.dyn, spec, trainRng); // Alg. 1, l.3-4 for every type
    step.returns.forEach((r, type) => training.push({ update, type, latent: bed.types[type].latent, return: r }));
    state = step.state;
  }
  return { divergence, training };
}

/** Fig. 4's tables: divergence estimates per checkpoint, and the training returns. */
export const FIG4_TABLES = {
  divergence: { update: 'int', estimator: 'string', i: 'int', j: 'int', latentI: 'int', latentJ: 'int', divergence: 'float' },
  training: { update: 'int', type: 'int', latent: 'int', return: 'float' },
} as const;

export const fig4Experiment: Experiment<Fig4Config, typeof FIG4_TABLES> = {
  name: 'fig4-divergence',
  version: 1,
  tables: FIG4_TABLES,
  resolve: fig4Config,
  unit: (cfg, seed) => fig4Unit(cfg, seed) as unknown as TablesOf<typeof FIG4_TABLES>,
};

// ---------------------------------------------------------------------------------
// From saved divergences to the figure's numbers (pure: rows in, matrices and rows out).

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
export function matricesFromRows(rows: readonly Row[]): SavedMatrix[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.seed}|${r.update}|${r.estimator}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const out: SavedMatrix[] = [];
  for (const g of groups.values()) {
    const n = 1 + Math.max(...g.map((r) => Number(r.j)));
    if (g.length !== (n * (n - 1)) / 2) {
      throw new Error(`divergence rows of seed ${g[0].seed}, update ${g[0].update}, estimator ${g[0].estimator}: ${g.length} pairs, expected ${(n * (n - 1)) / 2} for ${n} types`);
    }
    const D = new Float64Array(n * n), latent = new Array<number>(n).fill(-1);
    for (const r of g) {
      const i = Number(r.i), j = Number(r.j), d = Number(r.divergence);
      D[i * n + j] = d;
      D[j * n + i] = d;
      latent[i] = Number(r.latentI);
      latent[j] = Number(r.latentJ);
    }
    out.push({ seed: Number(g[0].seed), update: Number(g[0].update), estimator: String(g[0].estimator), n, D, latent });
  }
  return out;
}

/**
 * Grouping of every saved matrix against the latent groups: ARI of K-medoids labels (k =
 * number of groups, seeded by the matrix's seed) and mean between-group / within-group
 * divergence. Rows: seed, update, estimator, ari, within, between, ratio.
 */
export function groupingRows(matrices: readonly SavedMatrix[]): Row[] {
  return matrices.map((m) => {
    const k = new Set(m.latent).size;
    const km = kmedoids(m.D, k, new Rng(m.seed * 7919 + m.update));
    const gd = groupDistances(m.D, m.latent);
    return { seed: m.seed, update: m.update, estimator: m.estimator, ari: adjustedRandIndex(km.labels, m.latent), within: gd.within, between: gd.between, ratio: gd.ratio };
  });
}

const ESTIMATOR_COLORS: Record<string, string> = { literal: '#d62728', policy: '#1f77b4', occupancy: '#2ca02c' };

function bands(rows: readonly Row[], value: string, group: string, names: (g: string) => string, colors: (g: string, i: number) => string): BandSeries[] {
  const keys = [...new Set(rows.map((r) => String(r[group])))];
  return keys.map((k, i) => {
    const s = summarize(rows.filter((r) => String(r[group]) === k), ['update'], value);
    return { name: names(k), x: s.map((r) => Number(r.update)), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)), color: colors(k, i) };
  });
}

/** Training curves: mean return per latent group (over its types and the seeds), 95% bands over seeds. */
export function trainingFigure(training: readonly Row[]): Figure {
  const perSeed = meanBy(training, ['seed', 'latent', 'update'], 'return');
  const series = bands(perSeed, 'return', 'latent', (g) => `latent ${g}`, (g) => groupColor(Number(g)));
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
export function withinBetweenFigure(grouping: readonly Row[]): Figure {
  const estimators = [...new Set(grouping.map((r) => String(r.estimator)))];
  const panels = estimators.map((e) => {
    const rows = grouping.filter((r) => r.estimator === e);
    const long = rows.flatMap((r) => [{ ...r, kind: 'within group', value: r.within }, { ...r, kind: 'between groups', value: r.between }]);
    return { title: `${e} estimator`, series: bands(long, 'value', 'kind', (k) => k, (k) => (k === 'within group' ? '#2ca02c' : '#d62728')) };
  });
  const seeds = new Set(grouping.map((r) => r.seed)).size;
  return panelBandFigure(panels, { title: `Divergence over training: mean within-group vs between-group divergence (95% CI over ${seeds} seeds)`, xTitle: 'VPG update', yTitle: 'mean divergence', columns: 3 });
}

/** ARI (or another grouping column) against update, one band per estimator. */
export function groupingFigure(grouping: readonly Row[], value: 'ari' | 'ratio'): Figure {
  const series = bands(grouping, value, 'estimator', (e) => `${e} estimator`, (e, i) => ESTIMATOR_COLORS[e] ?? GROUP_COLORS[i]);
  const seeds = new Set(grouping.map((r) => r.seed)).size;
  const label = value === 'ari' ? 'adjusted Rand index of K-medoids (k = 6) vs latent groups' : 'between-group / within-group mean divergence';
  return {
    data: bandTraces(series),
    layout: { title: { text: `${label} (95% CI over ${seeds} seeds)` }, xaxis: { title: { text: 'VPG update' } }, yaxis: { title: { text: value === 'ari' ? 'ARI' : 'ratio' } }, height: 430 },
  };
}

/** t-SNE map of every checkpoint of one seed and estimator, as small multiples coloured by latent group. */
export function tsneFigure(matrices: readonly SavedMatrix[], seed: number, estimator: string, cfg: DeepPartial<TsneConfig> = {}): Figure {
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
export function describeGrouping(grouping: readonly Row[]): string[] {
  const estimators = [...new Set(grouping.map((r) => String(r.estimator)))];
  return estimators.map((e) => {
    const rows = grouping.filter((r) => r.estimator === e);
    const ari = summarize(rows, ['update'], 'ari');
    const ratio = summarize(rows, ['update'], 'ratio');
    return `${e}: ${describeChange(ari, 'update', 'ARI')}; between/within ratio at update ${ratio[ratio.length - 1].update}: ${formatInterval(ratio[ratio.length - 1])}`;
  });
}
