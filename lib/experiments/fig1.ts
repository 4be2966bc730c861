/**
 * Figures 1 and 2 of paper 000 (Sec. 4.1): fast adaptation to unseen entity types.
 *
 * Every method trains for `iterations` iterations on the support types (all types but
 * the query types) with VPG at batch size K, then adapts to each held-out query type
 * (adaptation.ts: an initialization period of K episodes, then up to 5 VPG updates),
 * recording the return and end position of evaluation episodes after every update.
 *
 * Methods (paper 000 Sec. 4.1, plus MAML, the paper's future work):
 *   caml            Algorithm 2 (caml.ts); adapts from the medoid the bandit picks
 *   joint           (1) one policy on episodes from all support types (joint.ts)
 *   pretrain-same   (2) pretrained on the query type itself
 *   pretrain-other  (3) pretrained on a support type of another latent group
 *   reptile         (4) Reptile (reptile.ts)
 *   random          (5) random initialization
 *   maml, maml-fo   MAML with the second-order meta-gradient / its first-order approximation (maml.ts)
 *
 * Thin wiring: one unit = one seed, returning tidy tables "eval", "training", "medoids".
 * References: ../shared/papers/000_0faad8b098250fb8.txt (Sec. 4.1, Fig. 1, Fig. 2, App. 6.4).
 */
import { adaptationConfig, AdaptationConfig, ADAPTATION_DEFAULTS, adaptToType } from '../algos/adaptation';
import { BandSeries, GROUP_COLORS, groupColor, panelBandFigure, panelScatterFigure, sliderFigure } from '../report/charts';
import { camlConfig, CamlConfig, CAML_DEFAULTS, camlInit, camlStep } from '../algos/caml';
import { check, ConfigError, DeepPartial, mergeConfig } from '../core/config';
import { jointIteration } from '../algos/joint';
import { mamlConfig, MamlConfig, MAML_DEFAULTS, mamlInit, mamlStep } from '../algos/maml';
import { Figure, Trace } from '../report/plotly';
import { InitConfig, initParams, PAPER_POLICY } from '../policies/softmax-mlp';
import { reptileConfig, ReptileConfig, REPTILE_DEFAULTS, reptileIteration } from '../algos/reptile';
import { Row } from './results';
import { Rng } from '../core/rng';
import { Experiment, Tables } from './runner';
import { TablesOf } from './tables';
import { Scale } from '../core/scale';
import { formatInterval, meanBy, pairedComparison, summarize } from '../core/stats';
import { DEFAULT_QUERY_TYPES, Testbed, testbed, testbedConfig, TestbedConfig, TESTBED_DEFAULTS } from '../envs/testbed';
import { trainPerType } from '../algos/train';
import { newLearner, vpgConfig, VpgConfig, VPG_DEFAULTS } from '../algos/vpg';

export const METHODS = ['caml', 'joint', 'pretrain-same', 'pretrain-other', 'reptile', 'random', 'maml', 'maml-fo'] as const;
export type MethodName = (typeof METHODS)[number];

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
};

export interface Fig1Config {
  testbed: TestbedConfig;
  /** Held-out query types (never trained on, except by "pretrain-same"). Default: variant 3 of every latent group. */
  queryTypes: number[];
  /** Methods to compare. */
  methods: MethodName[];
  /** Training iterations of every method (paper: 100). */
  iterations: number;
  /** Episodes per VPG update during training (paper: batch size 10). */
  K: number;
  /** VPG settings of joint training and pretraining. */
  vpg: VpgConfig;
  caml: CamlConfig;
  reptile: ReptileConfig;
  maml: MamlConfig;
  /** The evaluation protocol (adaptation.ts). */
  adaptation: AdaptationConfig;
  /** Policy initialization, shared by all methods within a seed. */
  init: InitConfig;
}

export const FIG1_DEFAULTS: Fig1Config = {
  testbed: TESTBED_DEFAULTS,
  queryTypes: [...DEFAULT_QUERY_TYPES],
  methods: [...METHODS],
  iterations: 100,
  K: 10,
  vpg: VPG_DEFAULTS,
  caml: CAML_DEFAULTS,
  reptile: REPTILE_DEFAULTS,
  maml: MAML_DEFAULTS,
  adaptation: ADAPTATION_DEFAULTS,
  init: { outputScale: 0.01 },
};

export function fig1Config(overrides?: DeepPartial<Fig1Config>): Fig1Config {
  const where = 'fig1 config';
  const c = mergeConfig(where, FIG1_DEFAULTS, overrides);
  const bed = testbedConfig(c.testbed, `${where} testbed`);
  const nTypes = bed.population.latentTypes * bed.population.variantsPerLatent;
  const queryTypes = check.nonEmptyIntList(where, 'queryTypes', c.queryTypes, 0, nTypes - 1);
  if (new Set(queryTypes).size !== queryTypes.length) throw new ConfigError(where, 'queryTypes', `must not repeat a type, got ${JSON.stringify(queryTypes)}`);
  if (queryTypes.length >= nTypes) throw new ConfigError(where, 'queryTypes', `must leave at least one support type, got all ${nTypes}`);
  if (!Array.isArray(c.methods) || c.methods.length === 0) throw new ConfigError(where, 'methods', `must list at least one of ${METHODS.join(', ')}`);
  c.methods.forEach((m, i) => check.oneOf(where, `methods[${i}]`, m, METHODS));
  return {
    testbed: bed,
    queryTypes,
    methods: c.methods,
    iterations: check.positiveInt(where, 'iterations', c.iterations),
    K: check.positiveInt(where, 'K', c.K),
    vpg: vpgConfig(c.vpg, `${where} vpg`),
    caml: camlConfig(c.caml, `${where} caml`),
    reptile: reptileConfig(c.reptile, `${where} reptile`),
    maml: mamlConfig(c.maml, `${where} maml`),
    adaptation: adaptationConfig(c.adaptation, `${where} adaptation`),
    init: { outputScale: check.positive(where, 'init.outputScale', c.init.outputScale) },
  };
}

/** Sizes per scale: the paper's 100 iterations, 10 seeds (the issue asks for at least 5); quick is a smoke run. */
export function fig1Sizes(s: Scale): { config: DeepPartial<Fig1Config>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 10 };
  return {
    config: {
      iterations: 4,
      queryTypes: [3, 11, 19],
      caml: { n: 2, k: 2, divergence: { samples: 100 } },
      reptile: { innerUpdates: 2 },
      adaptation: { updates: 2, evalEpisodes: 4 },
    },
    seeds: 2,
  };
}

/** The initializations a method adapts from, per query type. */
type Inits = (query: number) => Float32Array[];

interface TrainOut {
  inits: Inits;
  training: Row[];
  medoids: Row[];
}

/** A different latent group's support type for "pretrain-other". */
function otherType(bed: Testbed, query: number, support: readonly number[], rng: Rng): number {
  const others = support.filter((t) => bed.types[t].latent !== bed.types[query].latent);
  return rng.choice(others.length > 0 ? others : support);
}

function trainMethod(method: MethodName, cfg: Fig1Config, bed: Testbed, theta0: Float32Array, support: number[], rng: Rng): TrainOut {
  const spec = PAPER_POLICY, dyn = bed.dyn, training: Row[] = [], medoids: Row[] = [];
  switch (method) {
    case 'random':
      return { inits: () => [theta0], training, medoids };
    case 'joint': {
      let learner = newLearner(theta0);
      for (let it = 1; it <= cfg.iterations; it++) {
        const r = jointIteration(learner, support, cfg.K, cfg.vpg, dyn, spec, rng);
        learner = r.learner;
        training.push({ method, iteration: it, type: -1, return: r.meanReturn });
      }
      return { inits: () => [learner.theta], training, medoids };
    }
    case 'pretrain-same':
    case 'pretrain-other': {
      const trained = new Map<number, Float32Array>();
      for (const q of cfg.queryTypes) {
        const type = method === 'pretrain-same' ? q : otherType(bed, q, support, rng);
        const { thetas, curves } = trainPerType([theta0], [type], cfg.iterations, cfg.K, cfg.vpg, dyn, spec, rng);
        trained.set(q, thetas[0]);
        curves[0].slice(1).forEach((r, i) => training.push({ method, iteration: i + 1, type, query: q, return: r }));
      }
      return { inits: (q) => [trained.get(q)!], training, medoids };
    }
    case 'reptile': {
      let theta = theta0;
      for (let it = 1; it <= cfg.iterations; it++) {
        const r = reptileIteration(theta, support, cfg.reptile, dyn, spec, rng);
        theta = r.theta;
        training.push({ method, iteration: it, type: r.type, return: r.adaptedReturn });
      }
      return { inits: () => [theta], training, medoids };
    }
    case 'maml':
    case 'maml-fo': {
      const mc: MamlConfig = { ...cfg.maml, order: method === 'maml' ? 'second' : 'first' };
      let s = mamlInit(theta0);
      for (let it = 1; it <= cfg.iterations; it++) {
        const r = mamlStep(s, support, mc, dyn, spec, rng);
        s = r.state;
        training.push({ method, iteration: it, type: r.info.types[0], return: r.info.postReturn });
      }
      return { inits: () => [s.theta], training, medoids };
    }
    case 'caml': {
      let s = camlInit(theta0);
      for (let it = 1; it <= cfg.iterations; it++) {
        const r = camlStep(s, support, cfg.caml, dyn, spec, rng);
        s = r.state;
        training.push({ method, iteration: it, type: r.info.type, return: r.info.meanReturn });
        if (r.info.reclustered) {
          s.medoids.forEach((m, slot) => medoids.push({ clustering: s.clusterings, iteration: it, slot, type: m.type, latent: m.latent, savedAt: m.iteration }));
        }
      }
      const final = s.medoids.map((m) => m.theta);
      if (final.length === 0) throw new Error(`caml: no clustering happened in ${cfg.iterations} iterations (n = ${cfg.caml.n}); raise iterations or lower n`);
      return { inits: () => final, training, medoids };
    }
  }
}

/** One seed: train every method, adapt each to every query type. */
export function fig1Unit(cfg: Fig1Config, seed: number): Tables {
  const bed = testbed(cfg.testbed);
  const theta0 = initParams(PAPER_POLICY, new Rng(seed), cfg.init);
  const support = bed.types.map((t) => t.id).filter((t) => !cfg.queryTypes.includes(t));
  const evalRows: Row[] = [], training: Row[] = [], medoidRows: Row[] = [];
  for (const method of cfg.methods) {
    // Each method's stream depends only on (seed, method), not on which other methods run.
    const rng = new Rng(seed * 1009 + METHODS.indexOf(method) + 1);
    const t = trainMethod(method, cfg, bed, theta0, support, rng);
    training.push(...t.training);
    medoidRows.push(...t.medoids.map((r) => ({ method, ...r })));
    for (const q of cfg.queryTypes) {
      const res = adaptToType(t.inits(q), q, cfg.adaptation, bed.dyn, PAPER_POLICY, rng);
      for (const p of res.points) {
        p.returns.forEach((ret, e) => evalRows.push({
          method, query: q, queryLatent: bed.types[q].latent, init: res.choice, update: p.update, episodesUsed: p.episodesUsed,
          episode: e, return: ret, endX: p.ends[2 * e], endY: p.ends[2 * e + 1],
        }));
      }
    }
  }
  return { eval: evalRows, training, medoids: medoidRows };
}

/** Fig. 1's tables: evaluation returns while fine-tuning, meta-training returns, CAML's medoids. */
export const FIG1_TABLES = {
  eval: {
    method: 'string', query: 'int', queryLatent: 'int', init: 'int', update: 'int', episodesUsed: 'int',
    episode: 'int', return: 'float', endX: 'float', endY: 'float',
  },
  training: { method: 'string', iteration: 'int', type: 'int', return: 'float' },
  medoids: { method: 'string', clustering: 'int', iteration: 'int', slot: 'int', type: 'int', latent: 'int', savedAt: 'int' },
} as const;

export const fig1Experiment: Experiment<Fig1Config, typeof FIG1_TABLES> = {
  name: 'fig1-adaptation',
  version: 1,
  tables: FIG1_TABLES,
  resolve: fig1Config,
  unit: (cfg, seed) => fig1Unit(cfg, seed) as unknown as TablesOf<typeof FIG1_TABLES>,
};

// ---------------------------------------------------------------------------------
// From the tidy tables to Figures 1 and 2 (pure: rows in, figures and tables out).

/** Mean evaluation return per (seed, method, query, update): one number per seed. */
export function seedMeans(evalRows: readonly Row[]): Row[] {
  return meanBy(evalRows, ['seed', 'method', 'query', 'update'], 'return');
}

/** Fig. 1: reward against fine-tuning update, one panel per query type, one band per method (95% CI over seeds). */
export function fig1Figure(evalRows: readonly Row[], bed: Testbed, methods: readonly MethodName[]): Figure {
  const perSeed = seedMeans(evalRows);
  const queries = [...new Set(perSeed.map((r) => Number(r.query)))].sort((a, b) => a - b);
  const panels = queries.map((q) => {
    const rows = perSeed.filter((r) => r.query === q);
    const series = methods.filter((m) => rows.some((r) => r.method === m)).map((m, i): BandSeries => {
      const s = summarize(rows.filter((r) => r.method === m), ['update'], 'return');
      return { name: METHOD_LABELS[m], x: s.map((r) => Number(r.update)), mean: s.map((r) => Number(r.mean)), lo: s.map((r) => Number(r.lo)), hi: s.map((r) => Number(r.hi)), color: METHOD_COLORS[m] ?? GROUP_COLORS[i % GROUP_COLORS.length], dash: m === 'caml' ? 'solid' : 'dot' };
    });
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
    title: `Fig. 1: mean episode reward during fine-tuning on unseen types (95% CI over ${seeds} seeds)<br><span style="font-size:12px">"pretrained on another type" lies far below the axes: zoom out to see it</span>`,
    xTitle: 'VPG fine-tuning update', yTitle: 'mean episode reward', yRanges,
  });
}

/** Colours of the methods (CAML stands out). */
export const METHOD_COLORS: Partial<Record<MethodName, string>> = {
  caml: '#d62728', joint: '#1f77b4', 'pretrain-same': '#2ca02c', 'pretrain-other': '#8c564b', reptile: '#9467bd', random: '#7f7f7f', maml: '#e6ab02', 'maml-fo': '#17becf',
};

/**
 * Reward after `update` fine-tuning updates per method: mean over query types within a
 * seed, then a 95% t-interval over seeds; and CAML's paired comparison with each method.
 */
export function rewardAfterUpdate(evalRows: readonly Row[], update: number): Row[] {
  const perSeed = meanBy(seedMeans(evalRows).filter((r) => r.update === update), ['seed', 'method'], 'return');
  const bySeed = (m: string) => new Map(perSeed.filter((r) => r.method === m).map((r) => [Number(r.seed), Number(r.return)]));
  const methods = [...new Set(perSeed.map((r) => String(r.method)))];
  const caml = methods.includes('caml') ? bySeed('caml') : null;
  return summarize(perSeed, ['method'], 'return').sort((a, b) => Number(b.mean) - Number(a.mean)).map((r) => {
    const row: Row = { method: METHOD_LABELS[r.method as MethodName] ?? String(r.method), reward: formatInterval(r), seeds: r.n };
    if (caml && r.method !== 'caml') {
      const c = pairedComparison(caml, bySeed(String(r.method)));
      row['CAML minus method'] = `${c.mean.toFixed(1)} [${c.lo.toFixed(1)}, ${c.hi.toFixed(1)}]`;
      row['CAML'] = c.verdict;
    }
    return row;
  });
}

/** Per query type: does CAML win, tie or lose against each method after `update` updates (paired over seeds)? */
export function camlVerdicts(evalRows: readonly Row[], update: number): Row[] {
  const perSeed = seedMeans(evalRows).filter((r) => r.update === update);
  const queries = [...new Set(perSeed.map((r) => Number(r.query)))].sort((a, b) => a - b);
  const methods = [...new Set(perSeed.map((r) => String(r.method)))].filter((m) => m !== 'caml');
  return queries.map((q) => {
    const at = (m: string) => new Map(perSeed.filter((r) => r.query === q && r.method === m).map((r) => [Number(r.seed), Number(r.return)]));
    const row: Row = { query: q };
    for (const m of methods) row[METHOD_LABELS[m as MethodName] ?? m] = pairedComparison(at('caml'), at(m)).verdict;
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
export function medoidFigure(medoidRows: readonly Row[], latentGroups: number): Figure {
  const seeds = new Set(medoidRows.map((r) => r.seed)).size || 1;
  const clusterIters = [...new Set(medoidRows.map((r) => Number(r.iteration)))].sort((a, b) => a - b);
  const data: Trace[] = [];
  for (let g = 0; g < latentGroups; g++) {
    const y = clusterIters.map((it) => medoidRows.filter((r) => Number(r.iteration) === it && r.latent === g).length / seeds);
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
export function fig2Figure(evalRows: readonly Row[], bed: Testbed, methods: readonly MethodName[]): Figure {
  const updates = [...new Set(evalRows.map((r) => Number(r.update)))].sort((a, b) => a - b);
  const queries = [...new Set(evalRows.map((r) => Number(r.query)))].sort((a, b) => a - b);
  const present = methods.filter((m) => evalRows.some((r) => r.method === m));
  const panelsAt = (u: number) => present.map((m) => ({
    title: METHOD_LABELS[m],
    groups: queries.map((q) => {
      const rs = evalRows.filter((r) => r.method === m && r.query === q && r.update === u);
      return { name: `query type ${q} (latent ${bed.types[q].latent})`, x: rs.map((r) => Number(r.endX)), y: rs.map((r) => Number(r.endY)), color: groupColor(bed.types[q].latent), text: rs.map((r) => `<br>seed ${r.seed}`) };
    }),
  }));
  const base = panelScatterFigure(panelsAt(updates[0]), bed.config.particle, { title: 'Fig. 2: where particles end their episodes', columns: 4, panelHeight: 300 });
  const steps = updates.map((u) => ({ label: `${u}`, traces: panelScatterFigure(panelsAt(u), bed.config.particle, { columns: 4 }).data }));
  return sliderFigure(steps, base.layout!, 'fine-tuning updates done: ');
}

/** Share of evaluation episodes that end farther from the target than they started, per method and update. */
export function movingAwayShare(evalRows: readonly Row[], particle: { start: [number, number]; target: [number, number] }): Row[] {
  const [sx, sy] = particle.start, [gx, gy] = particle.target;
  const startD = Math.hypot(sx - gx, sy - gy);
  const flagged = evalRows.map((r) => ({ ...r, away: Math.hypot(Number(r.endX) - gx, Number(r.endY) - gy) > startD ? 1 : 0 }));
  const perSeed = meanBy(flagged, ['seed', 'method', 'update'], 'away');
  return summarize(perSeed, ['method', 'update'], 'away').map((r) => ({ method: METHOD_LABELS[r.method as MethodName] ?? String(r.method), update: r.update, 'share moving away': formatInterval(r) }));
}
