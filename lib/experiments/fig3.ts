/**
 * Figure 3 of paper 000: the personalized particles, and a VPG policy trained from
 * scratch on one entity type.
 *
 * Thin wiring: testbed -> policy init -> VPG (train.ts) -> tidy rows.
 *
 * The pictures of the entities are in report/fig3.ts.
 *
 * Reference: Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement
 * Learning", App. 6.2 and Fig. 3.
 */
import { trainPerType } from '../algos/train';
import { vpgSchema } from '../algos/vpg';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, Overrides, Resolved, resolver, section } from '../core/schema';
import { testbed, testbedSchema } from '../envs/testbed';
import { initParams, initSchema, PAPER_POLICY } from '../policies/softmax-mlp';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

export const schema = section({
  testbed: testbedSchema.default({}).describe('particle dynamics and population'),
  trainType: int.min(0).default(0).describe('index of the entity type the policy is trained on'),
  updates: int.positive().default(100).describe('number of VPG updates'),
  K: int.positive().default(10).describe("trajectories per update (the paper's batch size, 10)"),
  vpg: vpgSchema.default({}).describe('VPG settings'),
  init: initSchema.default({}).describe('policy initialisation'),
}).superRefine((c, ctx) => {
  const nTypes = c.testbed.population.latentTypes * c.testbed.population.variantsPerLatent;
  if (c.trainType >= nTypes) ctx.addIssue({ code: 'custom', path: ['trainType'], message: `must be a type index in [0, ${nTypes - 1}], got ${c.trainType}` });
});
export type Fig3Config = Resolved<typeof schema>;
export const config = resolver('fig3 config', schema);

/** Sizes per scale: the paper trains for tens of updates at batch 10; quick is a smoke run. */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  return s === 'paper' ? { config: { updates: 100 }, seeds: 5 } : { config: { updates: 4 }, seeds: 2 };
}

/** The table of one unit: the return after each update. */
export const TABLES = {
  rows: { update: 'int', type: 'int', latent: 'int', return: 'float' },
} as const;

/** Rows of a run's table (with `seed`). */
export type Saved = SavedRows<typeof TABLES>;

/** One seed: train a fresh policy on `trainType`; rows {update, type, latent, return}. */
export function unit(cfg: Fig3Config, seed: number): TablesOf<typeof TABLES>['rows'] {
  const bed = testbed(cfg.testbed);
  const rng = new Rng(seed);
  const theta0 = initParams(PAPER_POLICY, rng.split(), cfg.init);
  const { curves } = trainPerType([theta0], [cfg.trainType], cfg.updates, cfg.K, cfg.vpg, bed.dyn, PAPER_POLICY, rng.split());
  return curves[0].map((r, update) => ({ update, type: cfg.trainType, latent: bed.types[cfg.trainType].latent, return: r }));
}

export const experiment: Experiment<Fig3Config, Overrides<typeof schema>, typeof TABLES> = {
  name: 'fig3-vpg',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit: (cfg, seed) => ({ rows: unit(cfg, seed) }),
};
