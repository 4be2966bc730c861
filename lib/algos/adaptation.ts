/**
 * Fast adaptation to an unseen entity type (paper 000 Sec. 4.1): "we first allow K
 * rollouts to collect new samples from unseen type T^Q. Allocating these trajectories as
 * an initialization period, ... we then evaluate fast adaptation by comparing rewards
 * across policies for up to five updates with fine-tuning via VPG."
 *
 * Protocol (the same for every method):
 *   1. initialization period of `initEpisodes` episodes of the query type: with several
 *      candidate initializations (CAML's medoids) the bandit (bandit.ts) spends them to
 *      pick one; a method with a single initialization takes them as its first VPG batch
 *      (`initPeriod: 'equal-experience'`, so every method has used the same episodes of
 *      the query type at every point), or leaves them unused (`'bandit-only'`, the
 *      reading in which only CAML gets the period);
 *   2. `updates` VPG updates, each on K fresh episodes of the current policy, with a fresh
 *      Adam state (the fine-tuning optimizer is the same for all methods);
 *   3. after the initialization period (u = 0) and each update u = 1..updates, the
 *      policy's reward is measured on
 *      `evalEpisodes` separate evaluation episodes (not used for learning), which also
 *      give the end positions of Fig. 2.
 */
import { BanditResult, banditSchema, runBandit } from './bandit';
import { int, Resolved, resolver, section, z } from '../core/schema';
import { Dynamics } from '../envs/particle';
import { PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { endPositions, episodeReturns, rolloutOne } from '../policies/rollout';
import { newLearner, vpgSchema, vpgUpdate } from './vpg';

/** Who spends the initialization period (see the protocol above). */
export const INIT_PERIODS = ['equal-experience', 'bandit-only'] as const;
export type InitPeriod = (typeof INIT_PERIODS)[number];

export const adaptationSchema = section({
  initEpisodes: int.positive().default(10).describe('episodes of the initialization period (paper: K = 10)'),
  initPeriod: z.enum(INIT_PERIODS).default('equal-experience').describe('"equal-experience": a single initialization takes the initialization period as its first VPG batch, as CAML\'s bandit takes it to choose; "bandit-only": only a method with several initializations spends it'),
  updates: int.min(0).default(5).describe('fine-tuning VPG updates (paper: up to 5)'),
  K: int.positive().default(10).describe('episodes per fine-tuning update (paper: batch size 10)'),
  evalEpisodes: int.positive().default(20).describe('evaluation episodes measuring the reward after each update'),
  vpg: vpgSchema.default({}).describe('fine-tuning VPG settings'),
  bandit: banditSchema.default({}).describe('how the initialization period chooses among several initializations'),
});
export type AdaptationConfig = Resolved<typeof adaptationSchema>;
export const adaptationConfig = resolver('adaptation config', adaptationSchema);
export const ADAPTATION_DEFAULTS: AdaptationConfig = adaptationConfig();

export interface AdaptationPoint {
  /** Fine-tuning updates done after the initialization period (0 = right after it). */
  update: number;
  /** Episodes of the query type used for learning so far (initialization period included). */
  episodesUsed: number;
  /** Return of each evaluation episode, [evalEpisodes]. */
  returns: Float64Array;
  /** End position of each evaluation episode, [evalEpisodes, 2]. */
  ends: Float32Array;
}

export interface AdaptationResult {
  /** Index of the initialization used (0 for a single one). */
  choice: number;
  /** The bandit's record when there were several initializations. */
  bandit: BanditResult | null;
  points: AdaptationPoint[];
}

/** Adapt to `type` from one or several initializations; see the protocol above. */
export function adaptToType(inits: readonly Float32Array[], type: number, cfg: AdaptationConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng): AdaptationResult {
  if (inits.length === 0) throw new RangeError('adaptToType: need at least one initialization');
  let choice = 0, bandit: BanditResult | null = null, used = 0;
  if (inits.length > 1) {
    const pull = (arm: number) => episodeReturns(rolloutOne(inits[arm], [type], 1, dyn, spec, rng))[0];
    bandit = runBandit(inits.length, cfg.initEpisodes, pull, cfg.bandit, rng);
    choice = bandit.choice;
    used = cfg.initEpisodes;
  }
  let learner = newLearner(inits[choice]);
  if (inits.length === 1 && cfg.initPeriod === 'equal-experience') {
    learner = vpgUpdate(learner, rolloutOne(learner.theta, [type], cfg.initEpisodes, dyn, spec, rng), cfg.vpg, spec).learner;
    used = cfg.initEpisodes;
  }
  const points: AdaptationPoint[] = [];
  for (let u = 0; u <= cfg.updates; u++) {
    const evalBatch = rolloutOne(learner.theta, [type], cfg.evalEpisodes, dyn, spec, rng);
    points.push({ update: u, episodesUsed: used, returns: episodeReturns(evalBatch), ends: endPositions(evalBatch) });
    if (u === cfg.updates) break;
    learner = vpgUpdate(learner, rolloutOne(learner.theta, [type], cfg.K, dyn, spec, rng), cfg.vpg, spec).learner;
    used += cfg.K;
  }
  return { choice, bandit, points };
}
