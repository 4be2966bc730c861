/**
 * RL², domain randomisation and system identification on the personalized particle
 * testbed (the survey slides, paper 002: meta-RL as learning to adapt; forward transfer
 * by domain randomisation or system identification), against the unseen query types of
 * Fig. 1 of paper 000.
 *
 * One unit = one seed. Every method trains on the support types only (all types but the
 * query types and `heldOutTypes`) with the same number of training episodes:
 *   rl2     RL² (lib/algos/rl2.ts): `iterations` x trialsPerUpdate trials of N episodes
 *   sysid   system identification, then control (lib/algos/sysid.ts), K episodes per update
 *   dr      domain randomisation = the lab's joint training (lib/algos/joint.ts), K per update
 * then each is evaluated on every query type without any gradient step: RL² on
 * `evalTrials` trials of N episodes (its hidden state adapts across them), the others on as
 * many episodes (they have no memory across episodes). The gradient-based methods of
 * Fig. 1 (CAML, MAML, random init + VPG) are *not* rerun here: the report reads their
 * saved results from the Fig. 1 experiment. Each method's step size comes from the same
 * tuning budget on validation types (rl2-tuning.ts).
 *
 * "What RL² remembers": after training (and, as a control, before), `memory.trials`
 * trials on each of the 24 types record the hidden state after k moves for each k of
 * `memory.steps`; the distance between two types is the Euclidean distance of their mean
 * hidden states. The report scores these 24x24 matrices against the latent groups like
 * Figure 4 scores policy divergences (K-medoids ARI, t-SNE).
 *
 * Tables (declared in TABLES): training, eval and memory (pairs i < j of the 24x24
 * distance matrix per network and k).
 *
 * References: Duan et al. 2016 (arXiv 1611.02779), Wang et al. 2016 (arXiv 1611.05763),
 * paper 000 (Sec. 4.1, Fig. 1, Fig. 4) and paper 002 (the survey slides).
 */
import { Progress } from '../core/progress';
import { DEFAULT_QUERY_TYPES, supportTypes, Testbed, testbed, testbedSchema } from '../envs/testbed';
import { initParams, initSchema, PAPER_POLICY } from '../policies/softmax-mlp';
import { rolloutOne, episodeReturns } from '../policies/rollout';
import { rolloutTrials } from '../policies/trials';
import { domainRandomisationIteration } from '../algos/joint';
import { rl2Init, rl2Schema, rl2Spec, rl2Step } from '../algos/rl2';
import { sysidInit, sysidReturns, sysidRollout, sysidSchema, sysidStep } from '../algos/sysid';
import { newLearner, vpgSchema } from '../algos/vpg';
import { int, Overrides, Resolved, resolver, section, z } from '../core/schema';
import { matrixToPairs } from '../core/pairs';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

export const RL2_METHODS = ['rl2', 'sysid', 'dr'] as const;
export type Rl2MethodName = (typeof RL2_METHODS)[number];

export const schema = section({
  testbed: testbedSchema.default({}).describe('particle dynamics and the population of 24 entity types'),
  queryTypes: z.array(int.min(0)).min(1).default([...DEFAULT_QUERY_TYPES]).describe('unseen query types (those of Fig. 1): no method trains on them'),
  heldOutTypes: z.array(int.min(0)).default([]).describe('types neither trained on nor evaluated (tuning on validation types holds out the query types this way)'),
  methods: z.array(z.enum(RL2_METHODS)).min(1).default([...RL2_METHODS]).describe('methods to train and evaluate'),
  iterations: int.positive().default(600).describe('RL² iterations; sysid and dr get as many training episodes (iterations x trialsPerUpdate x episodesPerTrial)'),
  rl2: rl2Schema.default({}).describe('RL² settings'),
  sysid: sysidSchema.default({}).describe('system identification settings'),
  drEpisodes: int.positive().default(10).describe('episodes per VPG update of domain randomisation (Fig. 1\'s joint training: 10)'),
  vpg: vpgSchema.default({}).describe('VPG settings of domain randomisation'),
  init: initSchema.default({}).describe('initialisation of domain randomisation\'s policy'),
  evalTrials: int.positive().default(20).describe('evaluation trials of N episodes per query type (RL²), or as many episodes (the others)'),
  logEvery: int.positive().default(10).describe('training table: one row per this many updates (mean return over them)'),
  memory: section({
    steps: z.array(int.min(0)).min(1).default([1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48]).describe('k: moves after which the hidden state is recorded'),
    trials: int.positive().default(10).describe('trials per entity type; a type\'s memory is the mean hidden state over them'),
  }).default({}).describe('"what RL² remembers"'),
}).superRefine((c, ctx) => {
  const n = c.testbed.population.latentTypes * c.testbed.population.variantsPerLatent;
  for (const key of ['queryTypes', 'heldOutTypes'] as const) {
    c[key].forEach((q, i) => {
      if (q >= n) ctx.addIssue({ code: 'custom', path: [key, i], message: `must be a type index in [0, ${n}), got ${q}` });
    });
    if (new Set(c[key]).size !== c[key].length) ctx.addIssue({ code: 'custom', path: [key], message: `must not repeat a type, got ${JSON.stringify(c[key])}` });
  }
  const both = c.heldOutTypes.filter((t) => c.queryTypes.includes(t));
  if (both.length > 0) ctx.addIssue({ code: 'custom', path: ['heldOutTypes'], message: `must not hold a query type, got ${JSON.stringify(both)}` });
  if (new Set([...c.queryTypes, ...c.heldOutTypes]).size >= n) ctx.addIssue({ code: 'custom', path: ['queryTypes'], message: `with heldOutTypes must leave at least one support type, got all ${n}` });
  c.memory.steps.forEach((k, i) => {
    if (k >= c.testbed.particle.horizon) ctx.addIssue({ code: 'custom', path: ['memory', 'steps', i], message: `must be below the horizon ${c.testbed.particle.horizon} (moves within the first episode), got ${k}` });
  });
});
export type Rl2ExperimentConfig = Resolved<typeof schema>;
/** Check overrides and fill in the defaults; errors name the field. */
export const config = resolver('rl2 experiment config', schema);

/**
 * Sizes per scale. Paper: 5 seeds (the issue's minimum; RL²'s BPTT is the lab's most
 * expensive update), the Fig. 1 query types. Quick: a smoke run on Fig. 1's quick query types.
 */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 5 };
  return {
    config: {
      queryTypes: [3, 11, 19],
      iterations: 3,
      rl2: { trialsPerUpdate: 4, hidden: 8, headHidden: 8 },
      evalTrials: 3,
      memory: { steps: [1, 4, 16], trials: 2 },
    },
    seeds: 2,
  };
}

/**
 * The input ablation: RL² alone with the papers' phi = (s, a, r, d), i.e. without the
 * previous move (`rl2.moveScale` 0), everything else as `sizes`. Two seeds at the paper
 * scale: it only has to show whether RL² learns without the move at the same budget.
 */
export function noMoveSizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  const base = sizes(s);
  return { config: { ...base.config, methods: ['rl2'], rl2: { ...base.config.rl2, moveScale: 0 } }, seeds: s === 'paper' ? 2 : 1 };
}

/** The types every method trains on: all but the query types and the held-out types. */
export function trainingTypes(cfg: Rl2ExperimentConfig, bed: Testbed = testbed(cfg.testbed)): number[] {
  return supportTypes(bed, cfg.queryTypes, cfg.heldOutTypes);
}

/** Training episodes every method gets: RL²'s iterations x trials x episodes per trial. */
export function trainingEpisodes(cfg: Rl2ExperimentConfig): number {
  return cfg.iterations * cfg.rl2.trialsPerUpdate * cfg.rl2.episodesPerTrial;
}

/** The tables of one unit. */
export const TABLES = {
  training: { method: 'string', update: 'int', episodes: 'int', episode: 'int', return: 'float' },
  eval: { method: 'string', query: 'int', queryLatent: 'int', trial: 'int', episode: 'int', episodesUsed: 'int', return: 'float' },
  memory: { network: 'string', k: 'int', i: 'int', j: 'int', latentI: 'int', latentJ: 'int', distance: 'float' },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** Rows of a run's tables (with `seed`), as report/rl2.ts takes them. */
export type Saved = SavedRows<typeof TABLES>;

/** Mean of `values` over consecutive blocks of `every`, as training rows. */
function logRows(method: Rl2MethodName, values: readonly number[], episodesPerUpdate: number, every: number, episode = 0): Tables['training'] {
  const rows: Tables['training'] = [];
  for (let u = 0; u < values.length; u += every) {
    const block = values.slice(u, u + every);
    const update = u + block.length;
    rows.push({ method, update, episodes: update * episodesPerUpdate, episode, return: block.reduce((a, b) => a + b, 0) / block.length });
  }
  return rows;
}

/** Euclidean distances between per-type mean hidden states, as tidy pair rows (i < j), one matrix per k. */
function memoryRows(network: string, memory: Float32Array, typeOf: Int32Array, steps: readonly number[], H: number, latent: (t: number) => number): Tables['memory'] {
  const n = 1 + Math.max(...typeOf), K = steps.length;
  return steps.flatMap((k, r) => {
    const means = new Float64Array(n * H), count = new Int32Array(n);
    typeOf.forEach((t, b) => {
      count[t]++;
      for (let j = 0; j < H; j++) means[t * H + j] += memory[(b * K + r) * H + j];
    });
    const D = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let d = 0;
        for (let h = 0; h < H; h++) d += (means[i * H + h] / count[i] - means[j * H + h] / count[j]) ** 2;
        D[i * n + j] = D[j * n + i] = Math.sqrt(d);
      }
    }
    return matrixToPairs(D, n, (i, j, distance) => ({ network, k, i, j, latentI: latent(i), latentJ: latent(j), distance }));
  });
}

/** One seed: train every method on the support types, evaluate on the query types, record RL²'s memory. */
export function unit(cfg: Rl2ExperimentConfig, seed: number): Tables {
  const bed = testbed(cfg.testbed), dyn = bed.dyn, N = cfg.rl2.episodesPerTrial;
  const support = trainingTypes(cfg, bed);
  const episodes = trainingEpisodes(cfg);
  const training: Tables['training'] = [], evalRows: Tables['eval'] = [], memory: Tables['memory'] = [];
  const evalRow = (method: Rl2MethodName, q: number, trial: number, episode: number, ret: number): Tables['eval'][number] => ({
    method, query: q, queryLatent: bed.types[q].latent, trial, episode, episodesUsed: method === 'rl2' ? episode - 1 : 0, return: ret,
  });
  // a paper-scale unit trains for minutes: a progress line every 30 s over all methods' updates
  const updates = { rl2: cfg.iterations, sysid: Math.ceil(episodes / cfg.sysid.K), dr: Math.ceil(episodes / cfg.drEpisodes) };
  const progress = new Progress({ label: `rl2-sysid seed ${seed}`, total: cfg.methods.reduce((n, m) => n + updates[m], 0), everyMs: 30000, quietUnderMs: 30000 });
  for (const method of cfg.methods) {
    // Each method's stream depends only on (seed, method).
    const rng = new Rng(seed * 1013 + RL2_METHODS.indexOf(method) + 1);
    if (method === 'rl2') {
      let s = rl2Init(cfg.rl2, rng.split());
      const theta0 = s.theta;
      const perEpisode: number[][] = Array.from({ length: N }, () => []);
      for (let it = 0; it < cfg.iterations; it++) {
        const r = rl2Step(s, support, cfg.rl2, dyn, rng);
        s = r.state;
        r.info.episodeReturns.forEach((v, n) => perEpisode[n].push(v));
        progress.tick(1, 'updates');
      }
      perEpisode.forEach((v, n) => training.push(...logRows(method, v, cfg.rl2.trialsPerUpdate * N, cfg.logEvery, n + 1)));
      const evalRng = rng.split();
      for (const q of cfg.queryTypes) {
        const batch = rolloutTrials(s.theta, rl2Spec(cfg.rl2), new Int32Array(cfg.evalTrials).fill(q), N, dyn, evalRng);
        for (let b = 0; b < batch.B; b++) for (let n = 0; n < N; n++) evalRows.push(evalRow(method, q, b, n + 1, batch.returns[b * N + n]));
      }
      const typeOf = Int32Array.from(bed.types.flatMap((t) => new Array<number>(cfg.memory.trials).fill(t.id)));
      for (const [network, theta] of [['trained', s.theta], ['untrained', theta0]] as const) {
        const batch = rolloutTrials(theta, rl2Spec(cfg.rl2), typeOf, 1, dyn, rng.split(), { recordAfter: cfg.memory.steps });
        memory.push(...memoryRows(network, batch.memory, typeOf, cfg.memory.steps, cfg.rl2.hidden, (t) => bed.types[t].latent));
      }
    } else if (method === 'sysid') {
      let s = sysidInit(cfg.sysid, rng.split());
      const returns: number[] = [];
      for (let u = 0; u < updates.sysid; u++) {
        const r = sysidStep(s, support, cfg.sysid, dyn, rng);
        s = r.state;
        returns.push(r.meanReturn);
        progress.tick(1, 'updates');
      }
      training.push(...logRows(method, returns, cfg.sysid.K, cfg.logEvery));
      const evalRng = rng.split();
      for (const q of cfg.queryTypes) {
        const ret = sysidReturns(sysidRollout(s.learner.theta, cfg.sysid, new Int32Array(cfg.evalTrials * N).fill(q), dyn, evalRng));
        for (let b = 0; b < cfg.evalTrials; b++) for (let n = 0; n < N; n++) evalRows.push(evalRow(method, q, b, n + 1, ret[b * N + n]));
      }
    } else {
      let learner = newLearner(initParams(PAPER_POLICY, rng.split(), cfg.init));
      const returns: number[] = [];
      for (let u = 0; u < updates.dr; u++) {
        const r = domainRandomisationIteration(learner, support, cfg.drEpisodes, cfg.vpg, dyn, PAPER_POLICY, rng);
        learner = r.learner;
        returns.push(r.meanReturn);
        progress.tick(1, 'updates');
      }
      training.push(...logRows(method, returns, cfg.drEpisodes, cfg.logEvery));
      const evalRng = rng.split();
      for (const q of cfg.queryTypes) {
        const ret = episodeReturns(rolloutOne(learner.theta, [q], cfg.evalTrials * N, dyn, PAPER_POLICY, evalRng));
        for (let b = 0; b < cfg.evalTrials; b++) for (let n = 0; n < N; n++) evalRows.push(evalRow(method, q, b, n + 1, ret[b * N + n]));
      }
    }
  }
  return { training, eval: evalRows, memory };
}

export const experiment: Experiment<Rl2ExperimentConfig, Overrides<typeof schema>, typeof TABLES> = {
  name: 'rl2-sysid',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit,
};
