/**
 * The testbed of a run as one typed config: particle dynamics, the population of entity
 * types and the seed that draws it. The population seed is separate from the training
 * seeds, so every training seed of an experiment faces the same 24 entity types.
 */
import { int, Resolved, resolver, section } from '../core/schema';
import { Dynamics, dynamics, EntityType, particleSchema, population, populationSchema } from './particle';
import { Rng } from '../core/rng';

/** The testbed of a run: particle dynamics, the population of entity types and the seed that draws it. */
export const testbedSchema = section({
  particle: particleSchema.default({}).describe('dynamics shared by all entity types'),
  population: populationSchema.default({}).describe('how the population of entity types is drawn'),
  populationSeed: int.min(0).default(2020).describe('seed of the population draw (separate from training seeds: every seed faces the same types)'),
});
export type TestbedConfig = Resolved<typeof testbedSchema>;
export const testbedConfig = resolver('testbed config', testbedSchema);
export const TESTBED_DEFAULTS: TestbedConfig = testbedConfig();

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

/** The types a method may train on: every type of the testbed but the query and the held-out types. */
export function supportTypes(bed: Testbed, queryTypes: readonly number[], heldOutTypes: readonly number[] = []): number[] {
  return bed.types.map((t) => t.id).filter((t) => !queryTypes.includes(t) && !heldOutTypes.includes(t));
}

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
