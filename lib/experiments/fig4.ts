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
 * computed from the saved divergences by report/fig4.ts, so a notebook re-renders them
 * from data/ without retraining.
 *
 * Reference: Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement
 * Learning" (Alg. 1, App. 6.3, Fig. 4).
 */
import { perTypeInit, perTypeStep } from '../algos/train';
import { vpgSchema } from '../algos/vpg';
import { matrixToPairs } from '../core/pairs';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, Overrides, Resolved, resolver, section, z } from '../core/schema';
import { DIVERGENCE_ESTIMATORS, divergenceMatrix, divergenceSample, divergenceSchema, statesByPolicy } from '../divergence/policy-divergence';
import { testbed, testbedSchema } from '../envs/testbed';
import { rolloutPaired } from '../policies/rollout';
import { initParams, initSchema, PAPER_POLICY } from '../policies/softmax-mlp';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

export const schema = section({
  testbed: testbedSchema.default({}).describe('particle dynamics and population'),
  updates: int.positive().default(40).describe('VPG updates of every policy (paper: 40)'),
  K: int.positive().default(10).describe('trajectories per update (paper: a batch update every 10 iterations)'),
  checkpoints: z.array(int.min(0)).min(1).default([0, 5, 10, 15, 20, 25, 30, 35, 40]).describe('updates after which divergences are estimated (0 = before training)'),
  savedTrajectories: int.positive().default(1).describe("trajectories tau'_i of each updated policy fed to Algorithm 1 (Alg. 1, l.5: one)"),
  estimators: z.array(z.enum(DIVERGENCE_ESTIMATORS)).min(1).default([...DIVERGENCE_ESTIMATORS]).describe('estimators to compute, all on the same sampled states'),
  divergence: divergenceSchema.default({}).describe('Algorithm 1 settings (its `estimator` field is ignored: see `estimators`)'),
  vpg: vpgSchema.default({}).describe('VPG settings'),
  init: initSchema.default({}).describe('policy initialisation (one for all types, Sec. 2)'),
}).superRefine((c, ctx) => {
  c.checkpoints.forEach((v, i) => {
    if (v > c.updates) ctx.addIssue({ code: 'custom', path: ['checkpoints', i], message: `must be at most updates (${c.updates}), got ${v}` });
    if (i > 0 && v <= c.checkpoints[i - 1]) ctx.addIssue({ code: 'custom', path: ['checkpoints'], message: `must increase strictly, got ${JSON.stringify(c.checkpoints)}` });
  });
  if (new Set(c.estimators).size !== c.estimators.length) ctx.addIssue({ code: 'custom', path: ['estimators'], message: `must not repeat an estimator, got ${JSON.stringify(c.estimators)}` });
});
export type Fig4Config = Resolved<typeof schema>;
export const config = resolver('fig4 config', schema);

/** Sizes per scale: the paper's 40 updates, 10 seeds; quick is a smoke run. */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 10 };
  return { config: { updates: 4, checkpoints: [0, 2, 4], divergence: { samples: 200 } }, seeds: 2 };
}

/** The tables of one unit: divergence estimates per checkpoint (i < j), and the training returns. */
export const TABLES = {
  divergence: { update: 'int', estimator: 'string', i: 'int', j: 'int', latentI: 'int', latentJ: 'int', divergence: 'float' },
  training: { update: 'int', type: 'int', latent: 'int', return: 'float' },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** Rows of a run's tables (with `seed`), as report/fig4.ts takes them. */
export type Saved = SavedRows<typeof TABLES>;

/** One seed: train the 24 policies together, estimate divergences at every checkpoint. */
export function unit(cfg: Fig4Config, seed: number): Tables {
  const bed = testbed(cfg.testbed);
  const spec = PAPER_POLICY;
  const rng = new Rng(seed);
  const theta0 = initParams(spec, rng.split(), cfg.init); // one initialization for all types (Sec. 2)
  const types = bed.types.map((t) => t.id);
  const trainRng = rng.split(), estimateRng = rng.split();
  let state = perTypeInit(types.map(() => theta0), types);
  const divergence: Tables['divergence'] = [], training: Tables['training'] = [];
  for (let update = 0; update <= cfg.updates; update++) {
    if (cfg.checkpoints.includes(update)) {
      // Alg. 1, l.5: trajectories tau'_i of the updated policies; l.7-16: the estimates.
      const thetas = state.learners.map((l) => l.theta);
      const tau = rolloutPaired(thetas, types, cfg.savedTrajectories, bed.dyn, spec, estimateRng);
      const sample = divergenceSample(thetas, statesByPolicy(tau, types.length), cfg.divergence, spec, estimateRng);
      for (const estimator of cfg.estimators) {
        const D = divergenceMatrix(sample, estimator);
        divergence.push(...matrixToPairs(D, types.length, (i, j, d) => ({ update, estimator, i, j, latentI: bed.types[i].latent, latentJ: bed.types[j].latent, divergence: d })));
      }
    }
    if (update === cfg.updates) break;
    const step = perTypeStep(state, cfg.K, cfg.vpg, bed.dyn, spec, trainRng); // Alg. 1, l.3-4 for every type
    step.returns.forEach((r, type) => training.push({ update, type, latent: bed.types[type].latent, return: r }));
    state = step.state;
  }
  return { divergence, training };
}

export const experiment: Experiment<Fig4Config, Overrides<typeof schema>, typeof TABLES> = {
  name: 'fig4-divergence',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit,
};
