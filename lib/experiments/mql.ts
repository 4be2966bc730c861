/**
 * Meta-Q-Learning's Figures 2-4 on one task family (point navigation or the continuous
 * personalized testbed). One unit = one seed:
 *
 * 1. Fig. 2: meta-train TD3 on the state alone and TD3-context (Alg. 1) with the same
 *    settings; every `evalEvery` iterations, the greedy return on held-out tasks (no
 *    adaptation). Table `curve`.
 * 2. Figs. 3-4: from the final TD3-context parameters theta_meta, adapt to each of the
 *    first `adaptTasks` held-out tasks with every adaptation variant (MQL = propensity
 *    weights + ESS proximal term; ablations: uniform weights, no proximal term, the
 *    authors' constant coefficient), theta_meta restored after each. Tables `adapt` (one
 *    row per task and variant) and `beta` (the propensity weights of the ESS sample, MQL
 *    variant).
 *
 * Thin wiring: task family -> mql.ts (initMql, mqlStep, evaluate, adaptToTask) -> rows.
 */
import { Rng } from '../core/rng';
import { int, Overrides, Resolved, resolver, section, z } from '../core/schema';
import { Scale } from '../core/scale';
import { MetaEnv, pointNavEnv, testbedEnv, testbedTasksSchema } from '../envs/meta-env';
import { pointNavSchema } from '../envs/point-nav';
import { AdaptConfig, adaptToTask, evaluate, initMql, mqlSchema, mqlStep, MqlConfig } from '../algos/mql';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

/** The adaptation variants of Fig. 3 (mql) and Fig. 4 (the rest). */
export const VARIANTS = {
  mql: { weights: 'propensity', proximal: 'ess' },
  'uniform weights': { weights: 'uniform', proximal: 'ess' },
  'no proximal term': { weights: 'propensity', proximal: 'none' },
  'constant 0.1': { weights: 'propensity', proximal: 'constant' },
} as const;
export type Variant = keyof typeof VARIANTS;

export const mqlExperimentSchema = section({
  env: z.enum(['point-nav', 'testbed']).default('point-nav').describe('task family: point navigation (dense reward, 80 / 20 goals) or the continuous personalized testbed (18 / 6 entity types)'),
  pointNav: pointNavSchema.default({}).describe('point navigation settings'),
  testbed: testbedTasksSchema.default({}).describe('continuous testbed settings'),
  mql: mqlSchema.default({}).describe('TD3, context, meta-training schedule and adaptation'),
  iterations: int.positive().default(300).describe('meta-training iterations of Alg. 1'),
  evalEvery: int.positive().default(25).describe('iterations between evaluations on held-out tasks'),
  evalEpisodes: int.positive().default(2).describe('greedy episodes per held-out task per evaluation'),
  evalTasks: int.positive().default(20).describe('held-out tasks evaluated during meta-training (the first ones; capped at the number held out)'),
  adaptTasks: int.positive().default(10).describe('held-out tasks adapted to after meta-training (the first ones; capped)'),
  variants: z.array(z.enum(['mql', 'uniform weights', 'no proximal term', 'constant 0.1'])).min(1).default(['mql', 'uniform weights', 'no proximal term', 'constant 0.1']).describe('adaptation variants to run'),
});
export type MqlExperimentConfig = Resolved<typeof mqlExperimentSchema>;
export const mqlExperimentConfig = resolver('mql experiment config', mqlExperimentSchema);

export function makeEnv(cfg: MqlExperimentConfig): MetaEnv {
  return cfg.env === 'point-nav' ? pointNavEnv(cfg.pointNav) : testbedEnv(cfg.testbed);
}

/**
 * Sizes per scale for one task family. Quick is a smoke run. Paper is the notebook's
 * reduced setting: 200 iterations x 40 TD3 updates (8,000 per method), 5 episodes per
 * iteration, 8 (point navigation) or 6 (testbed) held-out tasks adapted to with 4
 * variants, 5 seeds; sized for the 40 minutes on 2 cores (bench: "Meta-Q-Learning
 * notebook experiments").
 */
export function mqlSizes(s: Scale, env: 'point-nav' | 'testbed'): { config: Overrides<typeof mqlExperimentSchema>; seeds: number } {
  if (s === 'quick') {
    return {
      config: {
        env, iterations: 3, evalEvery: 3, evalEpisodes: 1, evalTasks: 3, adaptTasks: 2,
        mql: {
          td3: { hidden: [16], contextHidden: 8, batchEpisodes: 2 }, burnInEpisodes: 1, episodesPerIteration: 2, updatesPerIteration: 4,
          adapt: { newSteps: 2, metaSteps: 2 },
        },
      },
      seeds: 2,
    };
  }
  return { config: { env, iterations: 200, evalEvery: 20, adaptTasks: env === 'point-nav' ? 8 : 6, mql: { updatesPerIteration: 40 } }, seeds: 5 };
}

/** The tables of one unit: held-out return over meta-training, every adaptation, and samples of the weights beta. */
export const TABLES = {
  curve: { env: 'string', method: 'string', iteration: 'int', updates: 'int', envSteps: 'int', return: 'float' },
  adapt: { env: 'string', variant: 'string', task: 'int', before: 'float', after: 'float', dataReturn: 'float', ess: 'float', lambda: 'float', accuracy: 'float' },
  beta: { env: 'string', task: 'int', beta: 'float' },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** Rows of a run's tables (with `seed`), as report/mql.ts takes them. */
export type Saved = SavedRows<typeof TABLES>;

/** One seed: Fig. 2 curves for both inputs, then every adaptation variant from the TD3-context parameters. */
export function mqlUnit(cfg: MqlExperimentConfig, seed: number): Tables {
  const env = makeEnv(cfg);
  const evalTasks = [...Array(Math.min(cfg.evalTasks, env.nTest)).keys()];
  const curve: Tables['curve'] = [], adapt: Tables['adapt'] = [], beta: Tables['beta'] = [];
  let contextState: ReturnType<typeof initMql> | null = null;
  for (const input of ['state', 'context'] as const) {
    const mcfg: MqlConfig = { ...cfg.mql, td3: { ...cfg.mql.td3, input } };
    const rng = new Rng(seed * 7919 + (input === 'state' ? 1 : 2));
    const s = initMql(env, mcfg, rng.split());
    const method = input === 'state' ? 'TD3' : 'TD3-context';
    const evalRng = new Rng(seed * 104729 + 17); // the same evaluation noise for both methods
    const record = (iteration: number) => {
      const r = evaluate(s, s.td3, 'test', evalTasks, cfg.evalEpisodes, evalRng);
      curve.push({ env: env.name, method, iteration, updates: s.td3.updates, envSteps: s.envSteps, return: r.reduce((a, b) => a + b, 0) / r.length });
    };
    record(0);
    for (let it = 1; it <= cfg.iterations; it++) {
      mqlStep(s);
      if (it % cfg.evalEvery === 0 || it === cfg.iterations) record(it);
    }
    if (input === 'context') contextState = s;
  }
  const s = contextState!;
  const adaptTasks = Math.min(cfg.adaptTasks, env.nTest);
  for (const variant of cfg.variants) {
    const a: AdaptConfig = { ...cfg.mql.adapt, ...VARIANTS[variant] };
    for (let task = 0; task < adaptTasks; task++) {
      const r = adaptToTask(s, task, a, cfg.evalEpisodes, new Rng(seed * 7907 + task)); // same D_new for every variant
      adapt.push({ env: env.name, variant, task, before: r.before, after: r.after, dataReturn: r.dataReturn, ess: r.ess, lambda: r.lambda, accuracy: r.accuracy });
      if (variant === 'mql') {
        const step = Math.max(1, Math.floor(r.beta.length / 200));
        for (let i = 0; i < r.beta.length; i += step) beta.push({ env: env.name, task, beta: r.beta[i] });
      }
    }
  }
  return { curve, adapt, beta };
}

export const mqlExperiment: Experiment<MqlExperimentConfig, Overrides<typeof mqlExperimentSchema>, typeof TABLES> = {
  name: 'mql',
  version: 2,
  tables: TABLES,
  resolve: mqlExperimentConfig,
  unit: mqlUnit,
};
