/**
 * The testbed of a run as one typed config: particle dynamics, the population of entity
 * types and the seed that draws it. The population seed is separate from the training
 * seeds, so every training seed of an experiment faces the same 24 entity types.
 */
import { check, DeepPartial, mergeConfig } from '../core/config';
import { Dynamics, dynamics, EntityType, particleConfig, ParticleConfig, PARTICLE_DEFAULTS, population, populationConfig, PopulationConfig, POPULATION_DEFAULTS } from './particle';
import { Rng } from '../core/rng';

export interface TestbedConfig {
  /** Dynamics shared by all entity types. */
  particle: ParticleConfig;
  /** How the population of entity types is drawn. */
  population: PopulationConfig;
  /** Seed of the population draw. */
  populationSeed: number;
}

export const TESTBED_DEFAULTS: TestbedConfig = {
  particle: PARTICLE_DEFAULTS,
  population: POPULATION_DEFAULTS,
  populationSeed: 2020,
};

export function testbedConfig(overrides?: DeepPartial<TestbedConfig>, where = 'testbed config'): TestbedConfig {
  const c = mergeConfig(where, TESTBED_DEFAULTS, overrides);
  return {
    particle: particleConfig(c.particle),
    population: populationConfig(c.population),
    populationSeed: check.nonNegativeInt(where, 'populationSeed', c.populationSeed),
  };
}

export interface Testbed {
  config: TestbedConfig;
  /** The entity types, ordered by latent group then variant. */
  types: EntityType[];
  /** The same types compiled for the batched step. */
  dyn: Dynamics;
}

export function testbed(cfg: TestbedConfig): Testbed {
  const types = population(cfg.population, new Rng(cfg.populationSeed));
  return { config: cfg, types, dyn: dynamics(types, cfg.particle) };
}

/** The default held-out (query) types of the adaptation experiments: variant 3 of every latent group. */
export const DEFAULT_QUERY_TYPES: readonly number[] = [3, 7, 11, 15, 19, 23];

/** The population as table rows: type, latent group, variant, remapping, drift and spread per action. */
export function populationRows(types: readonly EntityType[]): Record<string, string | number>[] {
  const names = ['left', 'right', 'down', 'up'];
  return types.map((t) => ({
    type: t.id,
    latent: t.latent,
    variant: t.variant,
    remapping: t.perm.map((d, a) => `${names[a]}→${names[d]}`).join(', '),
    drift: t.drift.map((v) => v.toFixed(2)).join(' '),
    spread: t.spread.map((v) => v.toFixed(2)).join(' '),
  }));
}
