/**
 * Algorithm 1 of Zahed, "Policy Metrics for Hindsight MAML" (the idea note of paper 001):
 * meta-learning that fills a replay buffer R with good trajectories of adapted policies,
 * to be reused later by importance sampling (algos/hindsight-replay.ts).
 *
 *   1: theta <- MAML (or Reptile) meta-training on the support tasks
 *   2: R <- {}
 *   4: for iteration = 1 .. numIter do
 *   5:   for each task T_i do
 *   6:     tau ~ pi_theta on T_i
 *   7:     theta'_i = theta - alpha grad_theta L(pi_theta, tau)
 *   8:     tau' ~ pi_theta'_i on T_i
 *   9:     if L(pi_theta'_i, tau') < delta then
 *  10:       R <- R + {(tau', T_i)}
 * (l.11-16, the Siamese task metric f_phi, are divergence/siamese.ts.)
 *
 * Two ways of running l.5-10 (both fill R from the support types):
 * - "maml": as written: MAML meta-training (l.1), then `alg1Passes` passes of l.5-10 over
 *   all support tasks with one inner gradient step (l.7, maml.ts `innerStep`);
 * - "reptile": Reptile meta-training with l.5-10 inside every iteration: the
 *   Reptile-adapted theta'_i, after its inner VPG updates, drives tau' (l.8).
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note), Algorithm 1.
 * A. Nichol, J. Achiam, J. Schulman, "On First-Order Meta-Learning Algorithms",
 * arXiv:1803.02999, 2018. C. Finn, P. Abbeel, S. Levine, "Model-Agnostic Meta-Learning for
 * Fast Adaptation of Deep Networks", ICML 2017, https://arxiv.org/abs/1703.03400.
 */
import { Rng } from '../core/rng';
import { int, Resolved, resolver, section, z } from '../core/schema';
import { Dynamics } from '../envs/particle';
import { rolloutOne } from '../policies/rollout';
import { PolicySpec } from '../policies/softmax-mlp';
import { ReplayBuffer, replayInit, replayOffer, replaySchema } from './hindsight-replay';
import { innerStep, mamlInit, mamlSchema, mamlStep } from './maml';
import { reptileIteration, reptileSchema } from './reptile';
import { advantages } from './vpg';

/** The meta-learners that fill R, each with its own initialization and buffer. */
export const META_LEARNERS = ['reptile', 'maml'] as const;
export type MetaLearner = (typeof META_LEARNERS)[number];

export const metaSchema = section({
  learners: z.array(z.enum(META_LEARNERS)).min(1).default([...META_LEARNERS]).describe('meta-learners to run (each gets its own initialization and buffer R)'),
  reptileIterations: int.positive().default(150).describe('Reptile iterations on the support types'),
  reptile: reptileSchema.default({}).describe("Reptile settings: its inner VPG updates produce the adapted theta'_i of Alg. 1"),
  mamlIterations: int.positive().default(100).describe('MAML meta-updates on the support types (Alg. 1, l.1)'),
  maml: mamlSchema.default({}).describe("MAML settings; its inner step (alpha, innerSteps = 1) is also Alg. 1's l.7"),
  alg1Passes: int.positive().default(2).describe('numIter of Alg. 1, l.4 after MAML: passes of l.5-10 over all support tasks'),
  bufferEpisodes: int.positive().default(10).describe("episodes of tau' ~ pi_theta'_i offered to R (Alg. 1, l.8)"),
  replay: replaySchema.default({}).describe('delta and capacity of R (Alg. 1, l.9-10)'),
}).superRefine((c, ctx) => {
  if (new Set(c.learners).size !== c.learners.length) ctx.addIssue({ code: 'custom', path: ['learners'], message: `must not repeat a learner, got ${JSON.stringify(c.learners)}` });
  if (c.maml.innerSteps !== 1) ctx.addIssue({ code: 'custom', path: ['maml', 'innerSteps'], message: `must be 1: Alg. 1, l.7 takes one gradient step, got ${c.maml.innerSteps}` });
});
export type MetaConfig = Resolved<typeof metaSchema>;
export const metaConfig = resolver('hindsight meta-training config', metaSchema);

/** The meta-learner and its buffer. */
export interface MetaState {
  theta: Float32Array;
  buffer: ReplayBuffer;
  iteration: number;
}

/** What one offer to R records. */
export interface Offer {
  type: number;
  loss: number;
  accepted: boolean;
}

/**
 * One Reptile iteration with Alg. 1, l.5-10: sample a support type T_i; adapt theta to it
 * with `innerUpdates` VPG updates (Reptile's inner loop, giving theta'_i; reptile.ts's
 * `reptileIteration` does not return theta'_i, hence the loop here); roll out tau' with
 * theta'_i (l.8); offer (tau', T_i) to R (l.9-10); move theta toward theta'_i (Reptile).
 */
export function reptileMetaIteration(s: MetaState, support: readonly number[], cfg: MetaConfig, dyn: Dynamics, spec: PolicySpec, rng: Rng):
  { state: MetaState; offer: Offer } {
  // Reptile l.1-3; its inner VPG updates are Alg. 1 l.6-7 for the sampled task (l.5).
  const { theta, adapted, type } = reptileIteration(s.theta, support, cfg.reptile, dyn, spec, rng);
  const tau = rolloutOne(adapted, [type], cfg.bufferEpisodes, dyn, spec, rng); // Alg. 1 l.8
  const offer = replayOffer(s.buffer, tau, type, adapted, spec, cfg.replay); // Alg. 1 l.9-10
  return { state: { theta, buffer: offer.buffer, iteration: s.iteration + 1 }, offer: { type, loss: offer.loss, accepted: offer.accepted } };
}

/**
 * One pass of Algorithm 1, l.5-10 over all support tasks, as written: theta stays fixed;
 * for each task T_i, tau ~ pi_theta (l.6), theta'_i = theta - alpha grad L(pi_theta, tau)
 * (l.7, one plain gradient step on the VPG surrogate), tau' ~ pi_theta'_i (l.8), and
 * (tau', T_i) enters R if L(pi_theta'_i, tau') < delta (l.9-10).
 */
export function algorithm1Pass(theta: Float32Array, buffer: ReplayBuffer, support: readonly number[], cfg: MetaConfig, dyn: Dynamics, spec: PolicySpec,
  rng: Rng): { buffer: ReplayBuffer; offers: Offer[] } {
  const offers: Offer[] = [];
  for (const type of support) { // l.5
    const tau = rolloutOne(theta, [type], cfg.maml.K, dyn, spec, rng); // l.6
    const adapted = innerStep(theta, advantages(tau, cfg.maml.gamma), cfg.maml.alpha, spec); // l.7
    const tau2 = rolloutOne(adapted, [type], cfg.bufferEpisodes, dyn, spec, rng); // l.8
    const r = replayOffer(buffer, tau2, type, adapted, spec, cfg.replay); // l.9-10
    buffer = r.buffer;
    offers.push({ type, loss: r.loss, accepted: r.accepted });
  }
  return { buffer, offers };
}

/** Meta-train one learner on the support types, filling its R; returns the initialization, R and the offers in order. */
export function metaTrain(learner: MetaLearner, theta0: Float32Array, support: readonly number[], cfg: MetaConfig, dyn: Dynamics, spec: PolicySpec,
  rng: Rng): { theta: Float32Array; buffer: ReplayBuffer; offers: Offer[] } {
  const offers: Offer[] = [];
  if (learner === 'reptile') {
    let s: MetaState = { theta: theta0, buffer: replayInit(), iteration: 0 };
    for (let it = 0; it < cfg.reptileIterations; it++) {
      const r = reptileMetaIteration(s, support, cfg, dyn, spec, rng);
      s = r.state;
      offers.push(r.offer);
    }
    return { theta: s.theta, buffer: s.buffer, offers };
  }
  let m = mamlInit(theta0); // Alg. 1, l.1: theta <- MAML
  for (let it = 0; it < cfg.mamlIterations; it++) m = mamlStep(m, support, cfg.maml, dyn, spec, rng).state;
  let buffer = replayInit(); // l.2
  for (let pass = 0; pass < cfg.alg1Passes; pass++) { // l.4
    const r = algorithm1Pass(m.theta, buffer, support, cfg, dyn, spec, rng);
    buffer = r.buffer;
    offers.push(...r.offers);
  }
  return { theta: m.theta, buffer, offers };
}

/** What every arm's task-specific training needs: its learner's buffer R, f_phi, the config and the testbed. */
