/**
 * Joint training (baseline (1) of paper 000 Sec. 4.1; Yu, Turk & Liu 2017, ref. [11]):
 * one policy trained with VPG on episodes "randomly sampling from all support
 * environments". Each of the K episodes of a batch runs on a support type drawn
 * uniformly, so every update mixes types. This is also domain randomisation (see
 * `domainRandomisationIteration` below): the environment is randomised every episode.
 */
import { Dynamics } from '../envs/particle';
import { PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { rollout } from '../policies/rollout';
import { Learner, VpgConfig, vpgUpdate } from './vpg';

/** One joint-training update: K episodes on uniformly drawn support types, one VPG update. */
export function jointIteration(learner: Learner, supportTypes: readonly number[], K: number, vpg: VpgConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): { learner: Learner; meanReturn: number } {
  if (supportTypes.length === 0) throw new RangeError('jointIteration: no support types');
  const typeOf = new Int32Array(K);
  for (let k = 0; k < K; k++) typeOf[k] = rng.choice(supportTypes);
  const batch = rollout([learner.theta], new Int32Array(K), typeOf, dyn, spec, rng);
  const r = vpgUpdate(learner, batch, vpg, spec);
  return { learner: r.learner, meanReturn: r.stats.meanReturn };
}

/**
 * Domain randomisation (the survey slides' forward transfer by randomising the source
 * domain; Tobin et al. 2017, "Domain randomization for transferring deep neural networks
 * from simulation to the real world", https://arxiv.org/abs/1703.06907; Peng et al. 2018):
 * one policy trained on environments whose parameters are drawn at random every episode.
 * On the particle testbed the environment's parameters are the entity type, so domain
 * randomisation over the support types *is* joint training: the same function under the
 * name the transfer literature gives it.
 */
export const domainRandomisationIteration = jointIteration;
