/**
 * Reptile (Nichol, Achiam & Schulman 2018; paper 000's reference [12] and baseline (4) of
 * Sec. 4.1): "performs K > 1 steps of stochastic gradient descent for randomly sampled
 * support environments before directly moving initialization weights in the direction of
 * the weights obtained".
 *
 *   for iteration = 1, 2, ...
 *     sample a support type T_i                                            (l.1)
 *     theta~ = theta after `innerUpdates` VPG updates on T_i (fresh Adam)   (l.2)
 *     theta <- theta + epsilon (theta~ - theta)                             (l.3)
 */
import { int, num, Resolved, resolver, section } from '../core/schema';
import { Dynamics } from '../envs/particle';
import { PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { rolloutOne } from '../policies/rollout';
import { newLearner, vpgSchema, vpgUpdate } from './vpg';

export const reptileSchema = section({
  innerUpdates: int.min(2).max(1000).default(5).describe('VPG updates on the sampled type before the outer move (Reptile\'s K > 1)'),
  epsilon: num.min(0).max(1).default(0.25).describe('outer step size epsilon in [0, 1]: the fraction of the way toward the adapted weights'),
  K: int.positive().default(10).describe('trajectories per VPG update'),
  vpg: vpgSchema.default({}).describe('the inner VPG settings'),
});
export type ReptileConfig = Resolved<typeof reptileSchema>;
export const reptileConfig = resolver('reptile config', reptileSchema);
export const REPTILE_DEFAULTS: ReptileConfig = reptileConfig();

/** l.3: theta + epsilon (adapted - theta). Pure. */
export function reptileMove(theta: Float32Array, adapted: Float32Array, epsilon: number): Float32Array {
  if (adapted.length !== theta.length) throw new RangeError(`reptileMove: lengths differ (${theta.length} vs ${adapted.length})`);
  const out = new Float32Array(theta.length);
  for (let i = 0; i < theta.length; i++) out[i] = theta[i] + epsilon * (adapted[i] - theta[i]);
  return out;
}

/**
 * One Reptile iteration (l.1-l.3). Returns the new initialization, the adapted weights
 * theta~ of l.2 (Hindsight MAML replays trajectories of them), the sampled type and the
 * mean return of the last inner batch.
 */
export function reptileIteration(theta: Float32Array, supportTypes: readonly number[], cfg: ReptileConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { theta: Float32Array; adapted: Float32Array; type: number; adaptedReturn: number } {
  if (supportTypes.length === 0) throw new RangeError('reptileIteration: no support types');
  const type = rng.choice(supportTypes); // l.1
  let learner = newLearner(theta);
  let ret = 0;
  for (let u = 0; u < cfg.innerUpdates; u++) { // l.2
    const r = vpgUpdate(learner, rolloutOne(learner.theta, [type], cfg.K, dyn, spec, rng), cfg.vpg, spec);
    learner = r.learner;
    ret = r.stats.meanReturn;
  }
  return { theta: reptileMove(theta, learner.theta, cfg.epsilon), adapted: learner.theta, type, adaptedReturn: ret }; // l.3
}
