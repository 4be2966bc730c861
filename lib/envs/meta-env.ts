/**
 * Task families for off-policy meta-RL with continuous actions (TD3 / MQL, PEARL): one
 * interface over the point-navigation env and the continuous personalized testbed, so
 * the learners see only typed arrays and task ids.
 *
 * A family has meta-training tasks and held-out test tasks. In point navigation a task is
 * a goal on the semicircle (dense reward); in the continuous testbed a task is an entity
 * type (its remapping, drift and noise), the goal being (1, 1) for all.
 */
import { Rng } from '../core/rng';
import { dynamics, Dynamics, particleSchema } from './particle';
import { step as continuousStep } from './particle-continuous';
import { goalSplit, PointNavConfig, step as pointStep } from './point-nav';
import { population, populationSchema } from './particle';
import { int, Resolved, resolver, section, withDefaults, z } from '../core/schema';

/** What one batched step of a task family returns. Arrays are new. */
export interface MetaStep {
  /** s' [B, stateDim] */
  state: Float32Array;
  /** r [B] */
  reward: Float32Array;
  /** 1 where the episode ends after this step (goal reached), [B] */
  done: Uint8Array;
}

export interface MetaEnv {
  /** Short name for tables: "point-nav" or "testbed". */
  name: string;
  stateDim: number;
  actionDim: number;
  /** Steps per episode (at most). */
  horizon: number;
  /** Number of meta-training and held-out tasks. */
  nTrain: number;
  nTest: number;
  /** Start states of B episodes, [B, stateDim]. */
  reset(B: number): Float32Array;
  /**
   * Step B episodes: row b runs task tasks[b] of the split.
   * @param state [B, stateDim]
   * @param action [B, actionDim], clipped to [-1, 1] by the env
   */
  step(split: 'train' | 'test', tasks: Int32Array, state: Float32Array, action: Float32Array, rng: Rng): MetaStep;
}

/** Point navigation with the dense reward -||s' - g|| (MQL's point robot): 80 training goals, 20 held out. */
export function pointNavEnv(cfg: PointNavConfig): MetaEnv {
  const split = goalSplit(cfg);
  const nTrain = split.train.length / 2, nTest = split.test.length / 2;
  return {
    name: 'point-nav',
    stateDim: 2,
    actionDim: 2,
    horizon: cfg.horizon,
    nTrain,
    nTest,
    reset: (B) => new Float32Array(2 * B),
    step(which, tasks, state, action) {
      const goals = which === 'train' ? split.train : split.test;
      const g = new Float32Array(2 * tasks.length);
      for (let b = 0; b < tasks.length; b++) {
        g[2 * b] = goals[2 * tasks[b]];
        g[2 * b + 1] = goals[2 * tasks[b] + 1];
      }
      const r = pointStep(cfg, state, action, g);
      return { state: r.state, reward: r.dense, done: new Uint8Array(tasks.length) };
    },
  };
}

/** The continuous personalized testbed as a task family: which entity types are held out. */
export const testbedTasksSchema = section({
  particle: withDefaults(particleSchema, { horizon: 30 }).default({}).describe('dynamics shared by all types; the horizon is 30 here (a diagonal action reaches (1, 1) in 20 steps; the discrete testbed needs 40 and uses 100)'),
  population: populationSchema.default({}).describe('how the population of entity types is drawn (6 latent groups x 4 variants)'),
  populationSeed: int.min(0).default(2020).describe('seed of the population draw, as in the discrete testbed'),
  testTypes: z.array(int.min(0)).min(1).default([3, 7, 11, 15, 19, 23]).describe('held-out entity types (default: variant 3 of every latent group, as in Fig. 1 of paper 000); the others are for meta-training'),
});
export type TestbedTasksConfig = Resolved<typeof testbedTasksSchema>;
export const testbedTasksConfig = resolver('testbed tasks config', testbedTasksSchema);

/** The continuous testbed: tasks are entity types; `testTypes` are held out. */
export function testbedEnv(cfg: TestbedTasksConfig): MetaEnv {
  const types = population(cfg.population, new Rng(cfg.populationSeed));
  for (const t of cfg.testTypes) {
    if (t >= types.length) throw new RangeError(`testbed tasks config: "testTypes" holds ${t}, but the population has ${types.length} types`);
  }
  const test = Int32Array.from(cfg.testTypes);
  const train = Int32Array.from(types.map((t) => t.id).filter((id) => !cfg.testTypes.includes(id)));
  const dyn: Dynamics = dynamics(types, cfg.particle);
  const [sx, sy] = cfg.particle.start;
  return {
    name: 'testbed',
    stateDim: 2,
    actionDim: 2,
    horizon: cfg.particle.horizon,
    nTrain: train.length,
    nTest: test.length,
    reset(B) {
      const s = new Float32Array(2 * B);
      for (let b = 0; b < B; b++) {
        s[2 * b] = sx;
        s[2 * b + 1] = sy;
      }
      return s;
    },
    step(which, tasks, state, action, rng) {
      const ids = which === 'train' ? train : test;
      const typeOf = new Int32Array(tasks.length);
      for (let b = 0; b < tasks.length; b++) typeOf[b] = ids[tasks[b]];
      const r = continuousStep(dyn, typeOf, Float64Array.from(state), action, null, rng);
      return { state: Float32Array.from(r.state), reward: Float32Array.from(r.reward), done: r.done };
    },
  };
}

/** Entity type ids of the meta-training and held-out tasks of a testbed config (for tables). */
export function testbedTaskTypes(cfg: TestbedTasksConfig): { train: number[]; test: number[] } {
  const n = cfg.population.latentTypes * cfg.population.variantsPerLatent;
  return { train: [...Array(n).keys()].filter((i) => !cfg.testTypes.includes(i)), test: [...cfg.testTypes] };
}
