/**
 * Training loops built on `vpgUpdate`: several policies, each on its own entity type,
 * advanced together so that one batched rollout serves all of them per update.
 * Exposed as init + step (a notebook can redraw while it trains) and as a plain loop.
 */
import { check } from '../core/config';
import { Dynamics } from '../envs/particle';
import { PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { rolloutPaired, sliceBatch, TrajectoryBatch, meanReturn } from '../policies/rollout';
import { Learner, newLearner, VpgConfig, vpgUpdate } from './vpg';

export interface PerTypeTraining {
  /** Entity type index of each policy. */
  types: number[];
  /** One learner per type. */
  learners: Learner[];
  /** Updates done so far. */
  update: number;
}

export function perTypeInit(thetas: readonly Float32Array[], types: readonly number[]): PerTypeTraining {
  if (thetas.length !== types.length) throw new RangeError(`perTypeInit: ${thetas.length} policies for ${types.length} types`);
  return { types: types.slice(), learners: thetas.map(newLearner), update: 0 };
}

export interface PerTypeStep {
  state: PerTypeTraining;
  /** The batch collected with the policies *before* this update, rows i*K + k. */
  batch: TrajectoryBatch;
  /** Mean return per type of that batch. */
  returns: number[];
}

/** One VPG update of every policy on K fresh episodes of its own type. */
export function perTypeStep(s: PerTypeTraining, K: number, vpg: VpgConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): PerTypeStep {
  check.positiveInt('training', 'K', K);
  const batch = rolloutPaired(s.learners.map((l) => l.theta), s.types, K, dyn, spec, rng);
  const returns: number[] = [];
  const learners = s.learners.map((l, i) => {
    const own = sliceBatch(batch, i * K, (i + 1) * K);
    const { learner, stats } = vpgUpdate(l, own, vpg, spec);
    returns.push(stats.meanReturn);
    return learner;
  });
  return { state: { types: s.types, learners, update: s.update + 1 }, batch, returns };
}

/** Mean return of each policy on K fresh episodes of its type, without updating. */
export function perTypeEvaluate(s: PerTypeTraining, K: number, dyn: Dynamics, spec: PolicySpec, rng: Rng): number[] {
  const batch = rolloutPaired(s.learners.map((l) => l.theta), s.types, K, dyn, spec, rng);
  return s.types.map((_, i) => meanReturn(sliceBatch(batch, i * K, (i + 1) * K)));
}

/**
 * Train each policy on its type for `updates` updates of K episodes.
 * curves[i][u] is the mean return of policy i after u updates (u = 0..updates; the last
 * point is measured on K extra episodes).
 */
export function trainPerType(thetas: readonly Float32Array[], types: readonly number[], updates: number, K: number,
  vpg: VpgConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { thetas: Float32Array[]; curves: number[][] } {
  check.nonNegativeInt('training', 'updates', updates);
  let s = perTypeInit(thetas, types);
  const curves: number[][] = types.map(() => []);
  for (let u = 0; u < updates; u++) {
    const r = perTypeStep(s, K, vpg, dyn, spec, rng);
    r.returns.forEach((v, i) => curves[i].push(v));
    s = r.state;
  }
  perTypeEvaluate(s, K, dyn, spec, rng).forEach((v, i) => curves[i].push(v));
  return { thetas: s.learners.map((l) => l.theta), curves };
}
