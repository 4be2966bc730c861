/**
 * Cluster-Adapting Meta-Learning, K-medoids version: paper 000, Sec. 3.2 and App. 6.4,
 * Algorithm 2.
 *
 *   Require: p(T), initial policy parameters theta, episode length T; number of medoids k,
 *            batch size to cluster with n
 *   1: for initial iterations 1..n do
 *   2:   sample entity type T_i ~ p(T) and initialize a new policy pi_theta^i
 *   3:   obtain and save the updated pi'_theta^i and tau'_i through steps 3, 4, 5 of Alg. 1
 *        (K trajectories, a VPG update, one trajectory of the updated policy)
 *   4: end for
 *   5: compute the distance matrix D on the saved tau'_i with Algorithm 1
 *   6: K-medoids on D: keep the k medoid policies Pi^k and their trajectories tau^k
 *   7: for iterations n+1, n+2, ... do
 *   8:   sample T_i ~ p(T) and a medoid policy pi_theta in Pi^k uniformly
 *   9:   obtain and save the updated pi'_theta^i and tau'_i (steps 3, 4, 5 of Alg. 1)
 *  10:   if the number of saved policies equals n then
 *  11:     repeat steps 5 and 6 on the medoids and the n new policies
 *  12:   end if
 *  13: end for
 *
 * Exposed as init + step so a notebook can chart medoid assignments while it trains.
 * References: M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020 (Alg. 1, Alg. 2, Sec. 3.2).
 */
import { int, Resolved, resolver, section, withDefaults } from '../core/schema';
import { divergenceSchema, policyDivergence, statesByPolicy } from '../divergence/policy-divergence';
import { kmedoids } from '../divergence/kmedoids';
import { Dynamics } from '../envs/particle';
import { PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { rolloutOne } from '../policies/rollout';
import { newLearner, vpgSchema, vpgUpdate } from './vpg';

export const camlSchema = section({
  k: int.positive().default(6).describe('number of medoids k (1 <= k <= n)'),
  n: int.positive().default(12).describe('batch size to cluster with n: policies saved between two clusterings'),
  K: int.positive().default(10).describe('trajectories per VPG update (Alg. 1, l.3)'),
  updatesPerPolicy: int.positive().default(1).describe('VPG updates of each new policy (Alg. 1, l.4: one)'),
  savedTrajectories: int.positive().default(1).describe('trajectories tau\' saved per new policy for the occupancy estimates (Alg. 1, l.5: one)'),
  divergence: withDefaults(divergenceSchema, { samples: 500 }).default({}).describe('Algorithm 1 settings for the distance matrix (estimator, samples, KDE)'),
  vpg: vpgSchema.default({}).describe('VPG settings of the per-policy updates'),
}).superRefine((c, ctx) => {
  if (c.k > c.n) ctx.addIssue({ code: 'custom', path: ['k'], message: `must be at most n (the policies clustered at l.5), got k = ${c.k} > n = ${c.n}` });
});
export type CamlConfig = Resolved<typeof camlSchema>;
export const camlConfig = resolver('caml config', camlSchema);
export const CAML_DEFAULTS: CamlConfig = camlConfig();

/** A policy saved at l.3 / l.9, with the trajectory tau' that represents it. */
export interface SavedPolicy {
  theta: Float32Array;
  /** Visited states of its saved trajectories tau', [L, 2]. */
  states: Float32Array;
  /** Entity type it was trained on, and that type's latent group. */
  type: number;
  latent: number;
  /** Iteration at which it was saved (1-based). */
  iteration: number;
  /** Mean return of the batch its update used. */
  meanReturn: number;
}

export interface CamlState {
  /** Iterations done. */
  iteration: number;
  /** The initial parameters theta of l.2. */
  theta0: Float32Array;
  /** Pi^k: the current medoid policies (empty until the first clustering). */
  medoids: SavedPolicy[];
  /** Policies saved since the last clustering. */
  pending: SavedPolicy[];
  /** Clusterings done. */
  clusterings: number;
}

export function camlInit(theta0: Float32Array): CamlState {
  return { iteration: 0, theta0: theta0.slice(), medoids: [], pending: [], clusterings: 0 };
}

export interface CamlStepInfo {
  iteration: number;
  /** Type sampled at l.2 / l.8. */
  type: number;
  /** Index into the medoids the new policy started from, or -1 for theta (l.2). */
  fromMedoid: number;
  /** Mean return of the batch used for the update. */
  meanReturn: number;
  /** Whether l.5-6 / l.11 ran in this step. */
  reclustered: boolean;
  /** K-medoids cost after a reclustering (NaN otherwise). */
  cost: number;
}

/** One iteration of Algorithm 2. Pure apart from `rng`: returns a new state. */
export function camlStep(s: CamlState, supportTypes: readonly number[], cfg: CamlConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { state: CamlState; info: CamlStepInfo } {
  if (supportTypes.length === 0) throw new RangeError('camlStep: no support types');
  const iteration = s.iteration + 1;
  const type = rng.choice(supportTypes); // l.2 / l.8: T_i ~ p(T)
  const fromMedoid = s.medoids.length === 0 ? -1 : rng.int(s.medoids.length); // l.8: a random medoid
  let learner = newLearner(fromMedoid < 0 ? s.theta0 : s.medoids[fromMedoid].theta);
  let meanReturn = 0;
  for (let u = 0; u < cfg.updatesPerPolicy; u++) {
    const batch = rolloutOne(learner.theta, [type], cfg.K, dyn, spec, rng); // Alg. 1, l.3
    const r = vpgUpdate(learner, batch, cfg.vpg, spec); // Alg. 1, l.4
    learner = r.learner;
    meanReturn = r.stats.meanReturn;
  }
  const tau = rolloutOne(learner.theta, [type], cfg.savedTrajectories, dyn, spec, rng); // Alg. 1, l.5
  const saved: SavedPolicy = { theta: learner.theta, states: statesByPolicy(tau)[0], type, latent: dyn.types[type].latent, iteration, meanReturn };
  let medoids = s.medoids, pending = [...s.pending, saved], clusterings = s.clusterings, cost = NaN;
  if (pending.length === cfg.n) { // l.10
    const candidates = [...medoids, ...pending];
    const D = policyDivergence(candidates.map((p) => p.theta), candidates.map((p) => p.states), cfg.divergence, spec, rng).D; // l.5
    const km = kmedoids(D, cfg.k, rng); // l.6
    medoids = km.medoids.map((i) => candidates[i]);
    pending = [];
    clusterings++;
    cost = km.cost;
  }
  return {
    state: { iteration, theta0: s.theta0, medoids, pending, clusterings },
    info: { iteration, type, fromMedoid, meanReturn, reclustered: clusterings > s.clusterings, cost },
  };
}
