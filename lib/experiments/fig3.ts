/**
 * Figure 3 of paper 000: the personalized particles, and a VPG policy trained from
 * scratch on one entity type.
 *
 * Thin wiring: testbed -> policy init -> VPG (train.ts) -> tidy rows.
 *
 * References: ../shared/papers/000_0faad8b098250fb8.txt, App. 6.2 and Fig. 3.
 */
import { check, DeepPartial, mergeConfig } from '../core/config';
import { EntityType, pureRemapping } from '../envs/particle';
import { InitConfig, initParams, PAPER_POLICY } from '../policies/softmax-mlp';
import { Row } from './results';
import { Rng } from '../core/rng';
import { Experiment } from './runner';
import { Scale } from '../core/scale';
import { testbed, Testbed, testbedConfig, TestbedConfig, TESTBED_DEFAULTS } from '../envs/testbed';
import { trainPerType } from '../algos/train';
import { vpgConfig, VpgConfig, VPG_DEFAULTS } from '../algos/vpg';

export interface Fig3Config {
  /** Particle dynamics and population. */
  testbed: TestbedConfig;
  /** Index of the entity type the policy is trained on. */
  trainType: number;
  /** Number of VPG updates. */
  updates: number;
  /** Trajectories per update (the paper's batch size, 10). */
  K: number;
  /** VPG settings. */
  vpg: VpgConfig;
  /** Policy initialisation. */
  init: InitConfig;
}

export const FIG3_DEFAULTS: Fig3Config = {
  testbed: TESTBED_DEFAULTS,
  trainType: 0,
  updates: 100,
  K: 10,
  vpg: VPG_DEFAULTS,
  init: { outputScale: 0.01 },
};

export function fig3Config(overrides?: DeepPartial<Fig3Config>): Fig3Config {
  const where = 'fig3 config';
  const c = mergeConfig(where, FIG3_DEFAULTS, overrides);
  const bed = testbedConfig(c.testbed, `${where} testbed`);
  const nTypes = bed.population.latentTypes * bed.population.variantsPerLatent;
  return {
    testbed: bed,
    trainType: check.intInRange(where, 'trainType', c.trainType, 0, nTypes - 1),
    updates: check.positiveInt(where, 'updates', c.updates),
    K: check.positiveInt(where, 'K', c.K),
    vpg: vpgConfig(c.vpg, `${where} vpg`),
    init: { outputScale: check.positive(where, 'init.outputScale', c.init.outputScale) },
  };
}

/** Sizes per scale: the paper trains for tens of updates at batch 10; quick is a smoke run. */
export function fig3Sizes(s: Scale): { config: DeepPartial<Fig3Config>; seeds: number } {
  return s === 'paper' ? { config: { updates: 100 }, seeds: 5 } : { config: { updates: 4 }, seeds: 2 };
}

/** One seed: train a fresh policy on `trainType`; rows {update, type, latent, return}. */
export function fig3Unit(cfg: Fig3Config, seed: number): { update: number; type: number; latent: number; return: number }[] {
  const bed = testbed(cfg.testbed);
  const rng = new Rng(seed);
  const theta0 = initParams(PAPER_POLICY, rng.split(), cfg.init);
  const { curves } = trainPerType([theta0], [cfg.trainType], cfg.updates, cfg.K, cfg.vpg, bed.dyn, PAPER_POLICY, rng.split());
  return curves[0].map((r, update) => ({ update, type: cfg.trainType, latent: bed.types[cfg.trainType].latent, return: r }));
}

/** Fig. 3's table: the return after each update. */
export const FIG3_TABLES = {
  rows: { update: 'int', type: 'int', latent: 'int', return: 'float' },
} as const;

export const fig3Training: Experiment<Fig3Config, typeof FIG3_TABLES> = {
  name: 'fig3-vpg',
  version: 1,
  tables: FIG3_TABLES,
  resolve: fig3Config,
  unit: (cfg, seed) => ({ rows: fig3Unit(cfg, seed) }),
};

/**
 * The three entities of Fig. 3 (left): blue, a default particle (actions do what they
 * say); red, a permutation plus variance (a variant from the population); yellow, a pure
 * permutation (another latent group's remapping, without variance).
 */
export function fig3Entities(bed: Testbed): { name: string; color: string; type: EntityType }[] {
  const red = bed.types.find((t) => t.latent === 1 && t.variant === 0) ?? bed.types[0];
  const yellowLatent = bed.types.find((t) => t.latent === 2) ?? bed.types[0];
  return [
    { name: 'blue: default (no remapping)', color: '#1f77b4', type: pureRemapping([0, 1, 2, 3], -1, 0) },
    { name: `red: latent ${red.latent} variant ${red.variant} (permutation + variance)`, color: '#d62728', type: { ...red, id: 1 } },
    { name: `yellow: latent ${yellowLatent.latent} (pure permutation)`, color: '#e6ab02', type: pureRemapping(yellowLatent.perm, yellowLatent.latent, 2) },
  ];
}
