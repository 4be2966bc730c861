/**
 * DIAYN skills and unsupervised meta-RL: where do training tasks come from?
 *
 * Two experiments, thin wiring over algos/diayn.ts and algos/gaussian-maml.ts:
 *
 * - `particleSkills`: DIAYN on the particle testbed (paper 000's default particle, actions
 *   do what they say): do the skills spread over the plane?
 * - `dadsSkills`: DADS (Sharma et al. 2020) on point navigation, the second skill method:
 *   predictable rather than distinguishable skills;
 * - `experiment` (unsupervised meta-RL, Gupta et al. 2018): per seed, DIAYN on point
 *   navigation; its discriminator's rewards log q_phi(z | s) become MAML's meta-training
 *   tasks; a second MAML is meta-trained on the hand-designed training goals; both
 *   initialisations and the shared random one adapt to the held-out goals for 0..5 VPG
 *   updates.
 *
 * References: B. Eysenbach, A. Gupta, J. Ibarz, S. Levine, "Diversity is All You Need:
 * Learning Skills without a Reward Function", ICLR 2019, https://arxiv.org/abs/1802.06070;
 * A. Gupta, B. Eysenbach, C. Finn, S. Levine, "Unsupervised Meta-Learning for
 * Reinforcement Learning", 2018, https://arxiv.org/abs/1806.04640.
 */
import { Progress } from '../core/progress';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, Overrides, Resolved, resolver, section, z } from '../core/schema';
import { goalRewards } from '../envs/nav-tasks';
import { dynamics, particleSchema, pureRemapping } from '../envs/particle';
import { goalSplit, pointNavSchema } from '../envs/point-nav';
import { GaussianSpec, gaussianInitSchema, initGaussian } from '../policies/gaussian-mlp';
import { NavBatch } from '../policies/nav-rollout';
import { TrajectoryBatch } from '../policies/rollout';
import {
  DiaynMetrics, diaynNavInit, diaynNavStep, diaynParticleInit, diaynParticleStep, diaynSchema, discriminatorSpec,
  navSkillRollout, particleSkillRollout, skillTasks,
} from '../algos/diayn';
import { dadsInit, dadsSchema, dadsSkillRollout, dadsStep } from '../algos/dads';
import { gaussianAdapt, gaussianMamlInit, gaussianMamlSchema, gaussianMamlStep } from '../algos/gaussian-maml';
import type { Experiment } from './experiment';
import { RowOf, SavedRows, TablesOf } from './tables';

/** The three initialisations that adapt to the held-out goals. */
export const METHODS = ['diayn', 'hand', 'random'] as const;
export type Method = (typeof METHODS)[number];

export const umlSchema = section({
  env: pointNavSchema.default({}).describe('point navigation (PEARL\'s semicircle goals, 80 train / 20 held out)'),
  diayn: diaynSchema.default({}).describe('DIAYN on the plane: skills, entropy weight, learners'),
  diaynIterations: int.positive().default(150).describe('DIAYN iterations (each: every skill\'s episodes, one policy and a few discriminator updates)'),
  policyHidden: int.positive().default(64).describe('hidden ReLU units of the meta-learned Gaussian policy (input: position)'),
  policyInit: gaussianInitSchema.default({}).describe('the random initialisation all three methods start from'),
  maml: gaussianMamlSchema.default({}).describe('MAML settings, the same for DIAYN tasks and hand-designed tasks'),
  metaIterations: int.positive().default(150).describe('meta-updates of each MAML'),
  rewardKind: z.enum(['dense', 'sparse']).default('dense').describe('reward of the hand-designed goal tasks, in meta-training and at test'),
  adaptUpdates: int.positive().default(5).describe('VPG updates at meta-test (the figure\'s x axis runs 0..adaptUpdates)'),
  evalEpisodes: int.positive().default(20).describe('separate episodes that measure the return after each update'),
  testGoals: int.positive().default(20).describe('held-out goals evaluated (the first of the held-out list; at most nGoals - trainGoals)'),
  skillEpisodes: int.positive().default(5).describe('episodes per skill drawn from the origin for the skills figure'),
  logEvery: int.positive().default(5).describe('record DIAYN and MAML training metrics every this many iterations'),
}).superRefine((c, ctx) => {
  const held = c.env.nGoals - c.env.trainGoals;
  if (c.testGoals > held) ctx.addIssue({ code: 'custom', path: ['testGoals'], message: `must be at most the ${held} held-out goals, got ${c.testGoals}` });
});
export type UmlConfig = Resolved<typeof umlSchema>;
export const umlConfig = resolver('diayn experiment config', umlSchema);

export const particleSkillsSchema = section({
  particle: particleSchema.default({}).describe('the particle\'s dynamics (paper 000: step 0.05, horizon 100); the entity is the default one, actions do what they say'),
  diayn: diaynSchema.default({}).describe('DIAYN settings'),
  iterations: int.positive().default(150).describe('DIAYN iterations'),
  skillEpisodes: int.positive().default(5).describe('episodes per skill drawn from the origin for the skills figure'),
  logEvery: int.positive().default(5).describe('record training metrics every this many iterations'),
});
export type ParticleSkillsConfig = Resolved<typeof particleSkillsSchema>;
export const particleSkillsConfig = resolver('diayn particle config', particleSkillsSchema);

export const dadsSkillsSchema = section({
  env: pointNavSchema.default({}).describe('point navigation'),
  dads: dadsSchema.default({}).describe('DADS settings'),
  iterations: int.positive().default(150).describe('DADS iterations'),
  skillEpisodes: int.positive().default(5).describe('episodes per skill drawn from the origin for the skills figure'),
  logEvery: int.positive().default(5).describe('record training metrics every this many iterations'),
});
export type DadsSkillsConfig = Resolved<typeof dadsSkillsSchema>;
export const dadsSkillsConfig = resolver('dads experiment config', dadsSkillsSchema);

/** Sizes per scale. Paper: at most 15 minutes for both experiments on 2 cores; quick: well under a minute. */
export function sizes(s: Scale): { uml: Overrides<typeof umlSchema>; particle: Overrides<typeof particleSkillsSchema>; dads: Overrides<typeof dadsSkillsSchema>; seeds: number } {
  return s === 'paper'
    ? { uml: {}, particle: {}, dads: {}, seeds: 5 }
    : {
      uml: { diaynIterations: 12, metaIterations: 2, maml: { metaBatch: 3, K: 8 }, testGoals: 3, evalEpisodes: 4, logEvery: 2, skillEpisodes: 2, diayn: { nSkills: 4, episodesPerSkill: 2 } },
      particle: { iterations: 8, particle: { horizon: 30 }, logEvery: 2, skillEpisodes: 2, diayn: { nSkills: 4, episodesPerSkill: 2 } },
      dads: { iterations: 8, logEvery: 2, skillEpisodes: 2, dads: { nSkills: 4, episodesPerSkill: 2 } },
      seeds: 2,
    };
}

/** DIAYN's training metrics, recorded every `logEvery` iterations. */
const DIAYN_TRAINING = {
  iteration: 'int', accuracy: 'float', chance: 'float', miLowerBound: 'float', logK: 'float', discriminatorLoss: 'float', entropy: 'float',
} as const;
/** Every skill's paths from the origin after training: one row per step of an episode. */
const SKILL_PATHS = { skill: 'int', episode: 'int', t: 'int', x: 'float', y: 'float' } as const;

/** Tables of `particleSkills`. */
export const PARTICLE_TABLES = { training: DIAYN_TRAINING, skills: SKILL_PATHS } as const;
/** Tables of `dadsSkills`. */
export const DADS_TABLES = {
  training: { iteration: 'int', miEstimate: 'float', logK: 'float', dynamicsLoss: 'float', entropy: 'float' },
  skills: SKILL_PATHS,
} as const;
/** Tables of `experiment` (unsupervised meta-RL). */
export const UML_TABLES = {
  training: DIAYN_TRAINING,
  skills: SKILL_PATHS,
  metaTraining: { method: 'string', iteration: 'int', preReturn: 'float', postReturn: 'float' },
  adaptation: { method: 'string', goal: 'int', update: 'int', return: 'float' },
} as const;
/** Rows of a run's tables (with `seed`), as report/diayn.ts takes them. */
export type Saved = SavedRows<typeof UML_TABLES> & { dadsTraining: SavedRows<typeof DADS_TABLES>['training'] };

function metricRow(m: DiaynMetrics, nSkills: number): RowOf<typeof DIAYN_TRAINING> {
  return {
    iteration: m.iteration, accuracy: m.accuracy, chance: 1 / nSkills, miLowerBound: m.miLowerBound, logK: Math.log(nSkills),
    discriminatorLoss: m.discriminatorLoss, entropy: m.entropy,
  };
}

/** Trajectory rows {skill, episode, t, x, y} of a skill-major batch (episode = row within its skill). */
function pathRows(states: Float32Array, B: number, T: number, skillOf: Int32Array, perSkill: number): RowOf<typeof SKILL_PATHS>[] {
  const rows: RowOf<typeof SKILL_PATHS>[] = [];
  for (let b = 0; b < B; b++) {
    for (let t = 0; t <= T; t++) {
      const k = (b * (T + 1) + t) * 2;
      rows.push({ skill: skillOf[b], episode: b % perSkill, t, x: states[k], y: states[k + 1] });
    }
  }
  return rows;
}

/** One seed of the particle experiment: tables `training` (metrics over iterations) and `skills` (paths from the origin). */
export function particleUnit(cfg: ParticleSkillsConfig, seed: number): TablesOf<typeof PARTICLE_TABLES> {
  const rng = new Rng(seed);
  const dyn = dynamics([pureRemapping([0, 1, 2, 3])], cfg.particle);
  let s = diaynParticleInit(cfg.diayn, rng.split());
  const r = rng.split();
  const training: RowOf<typeof DIAYN_TRAINING>[] = [];
  for (let i = 0; i < cfg.iterations; i++) {
    const out = diaynParticleStep(s, cfg.diayn, dyn, 0, r);
    if (i % cfg.logEvery === 0 || i === cfg.iterations - 1) training.push(metricRow(out.metrics, cfg.diayn.nSkills));
    s = out.state;
  }
  const batch: TrajectoryBatch = particleSkillRollout(s.theta, cfg.diayn, cfg.skillEpisodes, dyn, 0, rng.split());
  return { training, skills: pathRows(batch.states, batch.B, batch.T, batch.policyOf, cfg.skillEpisodes) };
}

/** One seed of DADS on point navigation: tables `training` (I(s'; z | s) estimate, model loss, entropy) and `skills`. */
export function dadsUnit(cfg: DadsSkillsConfig, seed: number): TablesOf<typeof DADS_TABLES> {
  const rng = new Rng(seed);
  let s = dadsInit(cfg.dads, rng.split());
  const r = rng.split();
  const training: TablesOf<typeof DADS_TABLES>['training'] = [];
  for (let i = 0; i < cfg.iterations; i++) {
    const out = dadsStep(s, cfg.dads, cfg.env, r);
    if (i % cfg.logEvery === 0 || i === cfg.iterations - 1) {
      const m = out.metrics;
      training.push({ iteration: m.iteration, miEstimate: m.miEstimate, logK: Math.log(cfg.dads.nSkills), dynamicsLoss: m.dynamicsLoss, entropy: m.entropy });
    }
    s = out.state;
  }
  const paths = dadsSkillRollout(s.theta, cfg.dads, cfg.skillEpisodes, cfg.env, rng.split());
  return { training, skills: pathRows(paths.states, paths.B, paths.T, paths.policyOf, cfg.skillEpisodes) };
}

/**
 * One seed of unsupervised meta-RL on point navigation. Tables:
 * - `training`: DIAYN's metrics over iterations;
 * - `skills`: every skill's paths from the origin after training;
 * - `metaTraining`: {method, iteration, preReturn, postReturn} of both MAMLs (returns on their own meta-training tasks);
 * - `adaptation`: {method, goal, update, return} on the held-out goals.
 */
export function umlUnit(cfg: UmlConfig, seed: number): TablesOf<typeof UML_TABLES> {
  const rng = new Rng(seed);
  const env = cfg.env;
  const progress = new Progress({ label: `diayn seed ${seed}`, total: cfg.diaynIterations + 2 * cfg.metaIterations + 3 * cfg.testGoals, everyMs: 30000, quietUnderMs: 30000 });

  // 1. DIAYN: skills without a reward (Alg. 1).
  let d = diaynNavInit(cfg.diayn, rng.split());
  const rd = rng.split();
  const training: RowOf<typeof DIAYN_TRAINING>[] = [];
  for (let i = 0; i < cfg.diaynIterations; i++) {
    const out = diaynNavStep(d, cfg.diayn, env, rd);
    if (i % cfg.logEvery === 0 || i === cfg.diaynIterations - 1) training.push(metricRow(out.metrics, cfg.diayn.nSkills));
    d = out.state;
    progress.tick(1, 'steps');
  }
  const paths: NavBatch = navSkillRollout(d.theta, cfg.diayn, cfg.skillEpisodes, env, rng.split());
  const skills = pathRows(paths.states, paths.B, paths.T, paths.policyOf, cfg.skillEpisodes);

  // 2. Task distributions: DIAYN's skills (reward log q_phi(z|s')) and the hand-designed training goals.
  const split = goalSplit(env);
  const tasks: Record<'diayn' | 'hand', ReturnType<typeof goalRewards>> = {
    diayn: skillTasks(d.phi, discriminatorSpec(cfg.diayn)),
    hand: goalRewards(env, split.train, cfg.rewardKind),
  };
  const testTasks = goalRewards(env, split.test.slice(0, 2 * cfg.testGoals), cfg.rewardKind);

  // 3. MAML on each distribution, from the same random initialisation.
  const spec: GaussianSpec = { obsDim: 2, hidden: cfg.policyHidden, actDim: 2 };
  const theta0 = initGaussian(spec, rng.split(), cfg.policyInit);
  const inits: Record<Method, Float32Array> = { random: theta0, diayn: theta0, hand: theta0 };
  const metaTraining: TablesOf<typeof UML_TABLES>['metaTraining'] = [];
  const mamlRng = rng.split();
  for (const method of ['diayn', 'hand'] as const) {
    let st = gaussianMamlInit(theta0);
    const rm = mamlRng.split();
    for (let i = 0; i < cfg.metaIterations; i++) {
      const out = gaussianMamlStep(st, tasks[method], cfg.maml, env, spec, rm);
      if (i % cfg.logEvery === 0 || i === cfg.metaIterations - 1) {
        metaTraining.push({ method, iteration: i, preReturn: out.info.preReturn, postReturn: out.info.postReturn });
      }
      st = out.state;
      progress.tick(1, 'steps');
    }
    inits[method] = st.theta;
  }

  // 4. Fast adaptation on the held-out goals; every method sees the same random streams.
  const adaptation: TablesOf<typeof UML_TABLES>['adaptation'] = [];
  const evalSeed = rng.split().nextUint32() | 0;
  for (const method of METHODS) {
    const re = new Rng(evalSeed);
    testTasks.forEach((task, goal) => {
      const { returns } = gaussianAdapt(inits[method], task, cfg.maml, cfg.adaptUpdates, cfg.evalEpisodes, env, spec, re.split());
      returns.forEach((ret, update) => adaptation.push({ method, goal, update, return: ret }));
      progress.tick(1, 'steps');
    });
  }
  return { training, skills, metaTraining, adaptation };
}

export const experiment: Experiment<UmlConfig, Overrides<typeof umlSchema>, typeof UML_TABLES> = {
  name: 'diayn-uml',
  version: 1,
  tables: UML_TABLES,
  resolve: umlConfig,
  unit: umlUnit,
};

export const particleSkills: Experiment<ParticleSkillsConfig, Overrides<typeof particleSkillsSchema>, typeof PARTICLE_TABLES> = {
  name: 'diayn-particle',
  version: 1,
  tables: PARTICLE_TABLES,
  resolve: particleSkillsConfig,
  unit: particleUnit,
};

export const dadsSkills: Experiment<DadsSkillsConfig, Overrides<typeof dadsSkillsSchema>, typeof DADS_TABLES> = {
  name: 'dads-skills',
  version: 1,
  tables: DADS_TABLES,
  resolve: dadsSkillsConfig,
  unit: dadsUnit,
};
