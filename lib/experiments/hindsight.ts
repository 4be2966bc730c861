/**
 * The four planned experiments of paper 001 (Zahed, "Policy Metrics for Hindsight MAML",
 * Sec. V) on the particle testbed, as one experiment: one unit = one seed, returning tidy
 * tables. The library pieces live in metrics.ts (d_P, d_E, P, the bounds), siamese.ts
 * (f_phi) and replay.ts (the buffer R and importance-weighted VPG); this file only wires
 * them, and turns the saved rows into the notebook's figures, tables and sentences.
 *
 * V.1 Support for the metric theory
 *   - axioms: d_P (Def. 2), d_E (Def. 3, estimated) and P (Def. 4) matrices of random
 *     policies on one MDP and of the experts of V.2, checked with `metricAxiomViolations`;
 *   - bounds: J, S and both bounds J <= S/2 and J <= ln(2/(1+e^{-S})) on random discrete
 *     distributions, on the experts' action distributions at sampled states, and on
 *     diagonal Gaussians (closed-form S, Monte Carlo J);
 *   - equivalence: Sec. IV.A's two-state example on the plane. pi_theta is a homing policy
 *     on the unremapped particle; pi_phi adds a hidden unit that fires only in a
 *     half-plane the particle never enters from the origin (`dormantUnitVariant`). With
 *     p_0 at the origin the two are equivalent (Def. 1) but unequal; started inside the
 *     half-plane they are not. A homing policy with another target is the control.
 * V.2 Experts on tasks: one VPG expert per entity type (all types, from one shared
 *     initialization theta_0 as the adapted policies of Alg. 1 share theta), their
 *     pairwise d_P on q_S, and P and d_E from each expert's rollouts on its own type.
 *     (The note's experts use natural policy gradients; ours use the lab's VPG.)
 * V.3 Siamese network on tasks (Alg. 1, l.11-16): labels 1{d_P(expert_i, expert_j) < eps}
 *     on pairs of support types; f_phi is trained on them, each task known only through
 *     transitions (rollouts of its expert and of theta_0 on it). Scored on the held-out
 *     (query) types against the ground truth "same latent group", next to the rule it
 *     learns from (d_P of the held-out experts against eps).
 * V.4 Integration into MAML / Reptile, two ways of filling R on the support types:
 *     - reptile: Reptile meta-training with Alg. 1, l.5-10 inside every iteration (the
 *       Reptile-adapted theta'_i, after its inner VPG updates, drives tau', which enters R
 *       when its loss is below delta);
 *     - maml: Algorithm 1 as written: theta <- MAML (l.1), then `alg1Passes` passes of
 *       l.5-10 over all support tasks with one inner gradient step theta'_i = theta -
 *       alpha grad L (l.7, maml.ts `innerStep`, the step MAML was trained with).
 *     Then on every query type, 0..U VPG updates from each meta-initialization with and
 *     without replay from its R (replay.ts), the replayed tasks filtered by f_phi (and, as
 *     references, by the true group or not at all).
 *
 * Tables of one unit (every row later gets the runner's `seed` column):
 *   axioms          policies, metric, M, triangleChecked, triangleViolations, maxTriangleExcess, maxRelativeExcess, maxDiagonal, maxAsymmetry, zeroOffDiagonal, negative
 *   bounds          source, dim, js, jsStderr, symKl, boundHalfS, boundLog
 *   equivalence     pair, start, dP, dE, P, shared, statesInRegion, maxProbGap
 *   experts         i, j, latentI, latentJ, queryI, queryJ, dP, P, dE, shared          (i < j)
 *   expertTraining  type, latent, update, return
 *   siamese         step, loss, accuracy, balancedAccuracy
 *   pairs           i, j, latentI, latentJ, split, same, dP, rule, score              (i < j)
 *   meta            learner, iteration, type, latent, loss, accepted, entries       (one row per offer to R; for
 *                   maml, iteration counts the offers over the passes of Alg. 1)
 *   adaptation      learner, arm, query, queryLatent, update, return, eligible, eligibleSameGroup,
 *                   replayTrajectories, replaySteps, ess, maxWeight, meanLogRatio   (update stats NaN at update 0)
 *
 * This file holds the config and the unit; V.1's parts are in hindsight-theory.ts, paper
 * 001's Algorithm 1 in algos/hindsight-maml.ts, the figures, tables and sentences in
 * report/hindsight-metrics.ts (V.1-V.2) and report/hindsight.ts (V.3-V.4).
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note; Sec. II, III, IV:
 * Def. 1-4 and the bounds; Algorithm 1; Sec. V). Reptile: Nichol, Achiam & Schulman,
 * arXiv:1803.02999, 2018. MAML: Finn, Abbeel & Levine, ICML 2017.
 */
import { metaSchema, metaTrain, META_LEARNERS, MetaLearner } from '../algos/hindsight-maml';
import { bufferTasks, concatBatches, ReplayBuffer, replaySample, replayVpgSchema, replayVpgUpdate, similarTasks } from '../algos/hindsight-replay';
import { trainPerType } from '../algos/train';
import { newLearner, vpgSchema } from '../algos/vpg';
import { Rng } from '../core/rng';
import { Scale } from '../core/scale';
import { int, num, Overrides, Resolved, resolver, section, z, withDefaults } from '../core/schema';
import { mean } from '../core/stats';
import { equivalenceMetricMatrix } from '../divergence/equivalence-metric';
import { policyMetricMatrix, sampleStates, stateSampleSchema, trajectoryDivergenceMatrix } from '../divergence/policy-metrics';
import {
  labelledPairs, pairLabels, siameseFeatureDim, siameseFeatureSchema, siameseInit, siameseScoreMatrix, siameseSpecSchema, siameseStep,
  siameseTrainInit, siameseTrainSchema, transitionFeatures,
} from '../divergence/siamese';
import { DEFAULT_QUERY_TYPES, Testbed, testbed, testbedSchema } from '../envs/testbed';
import { episodeReturns, rolloutOne, TrajectoryBatch } from '../policies/rollout';
import { initParams, initSchema, PAPER_POLICY, PolicySpec } from '../policies/softmax-mlp';
import { axiomRow, boundRows, equivalencePairSchema, equivalenceRows, randomPolicyAxioms, theorySchema, THEORY_TABLES } from './hindsight-theory';
import type { Experiment } from './experiment';
import { SavedRows, TablesOf } from './tables';

/** How query types are adapted to in V.4: which buffered tasks may be replayed. */
export const REPLAY_ARMS = ['none', 'siamese', 'oracle', 'all'] as const;
export type ReplayArm = (typeof REPLAY_ARMS)[number];

const expertSchema = section({
  updates: int.positive().default(40).describe('VPG updates of every expert'),
  K: int.positive().default(10).describe('episodes per update'),
  vpg: vpgSchema.default({}).describe('VPG settings of the experts'),
  episodes: int.positive().default(10).describe('rollouts of each trained expert on its own type, for P and d_E'),
});

const siameseExperimentSchema = section({
  epsilon: num.positive().default(0.3).describe('epsilon of Alg. 1, l.12: a pair of support types is labelled "same class" when d_P of their experts is below it'),
  expertEpisodes: int.min(0).default(10).describe("episodes of each type's expert whose transitions represent the task"),
  probeEpisodes: int.min(0).default(10).describe("episodes of the shared initial policy theta_0 on each type, added to the task's transitions"),
  steps: int.positive().default(150).describe('Adam steps of f_phi on all labelled support pairs (Alg. 1, l.16)'),
  features: siameseFeatureSchema.default({}).describe('transition features of a task'),
  spec: siameseSpecSchema.default({}).describe("f_phi's network sizes"),
  train: withDefaults(siameseTrainSchema, { adam: { lr: 1e-2 }, transitionsPerTask: 64 }).default({}).describe('training settings; `threshold` is also the "similar" cut of the replay filter and of the accuracies'),
}).superRefine((s, ctx) => {
  if (s.spec.inDim !== siameseFeatureDim(s.features)) {
    ctx.addIssue({ code: 'custom', path: ['spec', 'inDim'], message: `must equal the transition feature width ${siameseFeatureDim(s.features)} (4 + features.nActions), got ${s.spec.inDim}` });
  }
  if (s.features.nActions !== PAPER_POLICY.nActions) ctx.addIssue({ code: 'custom', path: ['features', 'nActions'], message: `must be the policy's ${PAPER_POLICY.nActions} actions, got ${s.features.nActions}` });
  if (s.expertEpisodes + s.probeEpisodes === 0) ctx.addIssue({ code: 'custom', path: ['expertEpisodes'], message: 'plus siamese.probeEpisodes must be at least 1: a task is known only through its transitions' });
});

const adaptationSchema = section({
  updates: int.positive().default(5).describe('VPG updates on every query type (the note: task-specific training; here 0..5 as in Fig. 1)'),
  K: int.min(2).max(10000).default(10).describe('on-policy episodes per update'),
  evalEpisodes: int.positive().default(20).describe('evaluation episodes after every update (not used for learning)'),
  replayK: int.positive().default(10).describe('k: buffered trajectories drawn per update from the eligible tasks'),
  replayVpg: replayVpgSchema.default({}).describe('importance weighting and the VPG step (the same Adam settings for every arm)'),
  arms: z.array(z.enum(REPLAY_ARMS)).min(1).default([...REPLAY_ARMS]).describe('arms to compare; must include "none", the baseline'),
}).superRefine((a, ctx) => {
  if (new Set(a.arms).size !== a.arms.length) ctx.addIssue({ code: 'custom', path: ['arms'], message: `must not repeat an arm, got ${JSON.stringify(a.arms)}` });
  if (!a.arms.includes('none')) ctx.addIssue({ code: 'custom', path: ['arms'], message: `must include "none", the baseline every replay arm is compared with, got ${JSON.stringify(a.arms)}` });
});

export const schema = section({
  testbed: testbedSchema.default({}).describe('particle dynamics and population'),
  queryTypes: z.array(int.min(0)).min(1).default([...DEFAULT_QUERY_TYPES]).describe("held-out query types: never seen by f_phi's training or by meta-training; default: variant 3 of every group"),
  init: initSchema.default({}).describe('initialization theta_0 shared by the experts and the meta-learner within a seed'),
  states: stateSampleSchema.default({}).describe('q_S of Def. 2: the states at which d_P compares policies'),
  theory: theorySchema.default({}).describe('V.1: the metric axioms and the bounds'),
  equivalence: equivalencePairSchema.default({}).describe("V.1: Sec. IV.A's equivalent-but-unequal pair"),
  experts: expertSchema.default({}).describe('V.2: one VPG expert per entity type'),
  siamese: siameseExperimentSchema.default({}).describe('V.3: the Siamese task metric f_phi'),
  meta: metaSchema.default({}).describe('V.4: meta-training that fills R (algos/hindsight-maml.ts)'),
  adaptation: adaptationSchema.default({}).describe('V.4: task-specific training on the query types, with and without replay'),
}).superRefine((c, ctx) => {
  const nTypes = c.testbed.population.latentTypes * c.testbed.population.variantsPerLatent;
  const groupOf = (t: number) => Math.floor(t / c.testbed.population.variantsPerLatent); // types are ordered by group
  c.queryTypes.forEach((q, i) => {
    if (q >= nTypes) ctx.addIssue({ code: 'custom', path: ['queryTypes', i], message: `must be a type index in [0, ${nTypes - 1}], got ${q}` });
  });
  if (new Set(c.queryTypes).size !== c.queryTypes.length) ctx.addIssue({ code: 'custom', path: ['queryTypes'], message: `must not repeat a type, got ${JSON.stringify(c.queryTypes)}` });
  for (const q of c.queryTypes) {
    const support = [...Array(nTypes).keys()].filter((t) => !c.queryTypes.includes(t) && groupOf(t) === groupOf(q));
    if (q < nTypes && support.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['queryTypes'], message: `must leave a support type in the latent group of every query type; group ${groupOf(q)} of type ${q} has none` });
    }
  }
  if (nTypes - c.queryTypes.length < 2) ctx.addIssue({ code: 'custom', path: ['queryTypes'], message: `must leave at least two support types, got ${nTypes - c.queryTypes.length}` });
  if (c.theory.type >= nTypes) ctx.addIssue({ code: 'custom', path: ['theory', 'type'], message: `must be a type index in [0, ${nTypes - 1}], got ${c.theory.type}` });
});
export type HindsightConfig = Resolved<typeof schema>;
export const config = resolver('hindsight config', schema);

/**
 * Sizes per scale. Paper: the defaults and 8 seeds (the issue asks for at least 5; about
 * 25 s per seed on one core). Quick: a smoke run of every part; its delta accepts every
 * batch into R, so that the replay arms have something to replay after 8 iterations.
 */
export function sizes(s: Scale): { config: Overrides<typeof schema>; seeds: number } {
  if (s === 'paper') return { config: {}, seeds: 8 };
  return {
    config: {
      states: { n: 256 },
      theory: { policies: 6, episodes: 3, discretePairs: 300, policyPairs: 300, gaussianPairs: 30, gaussianDraws: 300 },
      equivalence: { episodes: 4 },
      experts: { updates: 8, K: 5, episodes: 3 },
      siamese: { steps: 20, expertEpisodes: 3, probeEpisodes: 3, train: { transitionsPerTask: 32 } },
      meta: { reptileIterations: 8, reptile: { innerUpdates: 2, K: 5 }, mamlIterations: 4, maml: { K: 5 }, alg1Passes: 1, bufferEpisodes: 3, replay: { delta: 1000 } },
      adaptation: { updates: 2, K: 5, evalEpisodes: 5, replayK: 5 },
    },
    seeds: 2,
  };
}

interface ArmContext {
  buffer: ReplayBuffer;
  phi: Float32Array;
  cfg: HindsightConfig;
  bed: Testbed;
  spec: PolicySpec;
}

/** The buffered tasks an arm may replay for the query, given the current on-policy batch. */
function eligibleTasks(arm: ReplayArm, ctx: ArmContext, query: number, onPolicy: TrajectoryBatch): number[] {
  const tasks = bufferTasks(ctx.buffer);
  if (arm === 'none' || tasks.length === 0) return [];
  if (arm === 'all') return tasks;
  if (arm === 'oracle') return tasks.filter((t) => ctx.bed.types[t].latent === ctx.bed.types[query].latent);
  const s = ctx.cfg.siamese;
  return similarTasks(ctx.buffer, transitionFeatures(onPolicy, s.features), ctx.phi, s.spec, s.train.threshold, s.features).similar;
}

/** The tables of one unit (see the file comment for what each holds). */
export const TABLES = {
  ...THEORY_TABLES,
  experts: {
    i: 'int', j: 'int', latentI: 'int', latentJ: 'int', queryI: 'bool', queryJ: 'bool', dP: 'float', P: 'float', dE: 'float', shared: 'float',
  },
  expertTraining: { type: 'int', latent: 'int', update: 'int', return: 'float' },
  siamese: { step: 'int', loss: 'float', accuracy: 'float', balancedAccuracy: 'float' },
  pairs: { i: 'int', j: 'int', latentI: 'int', latentJ: 'int', split: 'string', same: 'int', dP: 'float', rule: 'int', score: 'float' },
  meta: { learner: 'string', iteration: 'int', type: 'int', latent: 'int', loss: 'float', accepted: 'int', entries: 'int' },
  adaptation: {
    learner: 'string', arm: 'string', query: 'int', queryLatent: 'int', update: 'int', return: 'float', eligible: 'float',
    eligibleSameGroup: 'float', replayTrajectories: 'float', replaySteps: 'float', ess: 'float', maxWeight: 'float', meanLogRatio: 'float',
  },
} as const;
type Tables = TablesOf<typeof TABLES>;
/** Rows of a run's tables (with `seed`), as report/hindsight*.ts take them. */
export type Saved = SavedRows<typeof TABLES>;

/**
 * Task-specific training on `query` from the meta-initialization: after each of 0..U
 * updates the reward on fresh evaluation episodes; each update is `replayVpgUpdate` on K
 * on-policy episodes plus (for a replay arm) k trajectories drawn from the eligible
 * buffered tasks. `seeds` fixes three streams (evaluation, rollouts, replay draws) so
 * that all arms see the same random numbers where they can (common random numbers).
 */
function adaptArm(learnerName: MetaLearner, arm: ReplayArm, theta: Float32Array, query: number, ctx: ArmContext, seeds: readonly number[]): Tables['adaptation'] {
  const { cfg, bed, spec } = ctx, a = cfg.adaptation;
  const evalRng = new Rng(seeds[0]), trainRng = new Rng(seeds[1]), drawRng = new Rng(seeds[2]);
  let learner = newLearner(theta);
  const rows: Tables['adaptation'] = [];
  let stats = { eligible: NaN, eligibleSameGroup: NaN, replayTrajectories: NaN, replaySteps: NaN, ess: NaN, maxWeight: NaN, meanLogRatio: NaN };
  const queryLatent = bed.types[query].latent;
  for (let u = 0; u <= a.updates; u++) {
    const ret = mean(episodeReturns(rolloutOne(learner.theta, [query], a.evalEpisodes, bed.dyn, spec, evalRng)));
    rows.push({ learner: learnerName, arm, query, queryLatent, update: u, return: ret, ...stats });
    if (u === a.updates) break;
    const onPolicy = rolloutOne(learner.theta, [query], a.K, bed.dyn, spec, trainRng);
    const eligible = eligibleTasks(arm, ctx, query, onPolicy);
    const sample = eligible.length > 0 ? replaySample(ctx.buffer, eligible, a.replayK, drawRng) : null;
    const r = replayVpgUpdate(learner, onPolicy, sample, a.replayVpg, spec);
    learner = r.learner;
    stats = {
      eligible: eligible.length,
      eligibleSameGroup: eligible.filter((t) => bed.types[t].latent === queryLatent).length,
      replayTrajectories: sample?.batch.B ?? 0,
      replaySteps: r.stats.nReplay,
      ess: r.stats.ess, maxWeight: r.stats.maxWeight, meanLogRatio: r.stats.meanLogRatio,
    };
  }
  return rows;
}

/** One seed: the four experiments of Sec. V. */
export function unit(cfg: HindsightConfig, seed: number): Tables {
  const spec = PAPER_POLICY;
  const bed = testbed(cfg.testbed);
  const types = bed.types.map((t) => t.id);
  const latent = bed.types.map((t) => t.latent);
  const isQuery = types.map((t) => cfg.queryTypes.includes(t));
  const support = types.filter((t) => !isQuery[t]);
  // One stream per part, split in a fixed order: a part's numbers do not depend on the others' sizes.
  const root = new Rng(seed);
  const rngInit = root.split(), rngStates = root.split(), rngTheory = root.split(), rngEquiv = root.split();
  const rngExperts = root.split(), rngSiamese = root.split(), rngMeta = root.split(), rngAdapt = root.split();
  const theta0 = initParams(spec, rngInit, cfg.init);
  const states = sampleStates(cfg.states, rngStates); // s_k ~ q_S (Def. 2), shared by every d_P of this seed

  // V.2 Experts, from the shared theta_0, one per type.
  const x = cfg.experts;
  const trained = trainPerType(types.map(() => theta0), types, x.updates, x.K, x.vpg, bed.dyn, spec, rngExperts);
  const experts = trained.thetas;
  const expertTraining: Tables['expertTraining'] = [];
  trained.curves.forEach((curve, t) => curve.forEach((r, update) => expertTraining.push({ type: t, latent: latent[t], update, return: r })));
  const own = experts.map((th, t) => rolloutOne(th, [t], x.episodes, bed.dyn, spec, rngExperts)); // each expert on its own type
  const n = types.length;
  const DP = policyMetricMatrix(experts, states, spec);
  const PP = trajectoryDivergenceMatrix(experts, own, spec);
  const E = equivalenceMetricMatrix(experts, own, spec, cfg.equivalence.metric);
  const expertRows: Tables['experts'] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const k = i * n + j;
      expertRows.push({ i, j, latentI: latent[i], latentJ: latent[j], queryI: isQuery[i], queryJ: isQuery[j], dP: DP[k], P: PP[k], dE: E.D[k], shared: E.shared[k] });
    }
  }

  // V.1 The metric theory.
  const axioms = [
    ...randomPolicyAxioms(cfg.theory, bed, states, spec, rngTheory),
    axiomRow('experts', 'd_P', DP, n), axiomRow('experts', 'd_E', E.D, n), axiomRow('experts', 'P', PP, n),
  ];
  const bounds = boundRows(cfg.theory, experts, states, spec, rngTheory);
  const equivalence = equivalenceRows(cfg.equivalence, bed, states, spec, rngEquiv);

  // V.3 The Siamese net: labels from eps on the experts' d_P (Alg. 1, l.11-15), trained on support pairs (l.16).
  const s = cfg.siamese;
  const tasks = types.map((t) => {
    const parts: TrajectoryBatch[] = [];
    if (s.expertEpisodes > 0) parts.push(rolloutOne(experts[t], [t], s.expertEpisodes, bed.dyn, spec, rngSiamese));
    if (s.probeEpisodes > 0) parts.push(rolloutOne(theta0, [t], s.probeEpisodes, bed.dyn, spec, rngSiamese));
    return transitionFeatures(concatBatches(parts), s.features);
  });
  const labels = pairLabels(DP, n, s.epsilon);
  const trainPairs = labelledPairs(labels, n, support);
  let training = siameseTrainInit(siameseInit(s.spec, rngSiamese));
  const siameseRows: Tables['siamese'] = [];
  for (let k = 0; k < s.steps; k++) {
    const r = siameseStep(training, tasks, trainPairs, s.spec, s.train, rngSiamese);
    training = r.state;
    siameseRows.push({ step: r.metrics.step, loss: r.metrics.loss, accuracy: r.metrics.accuracy, balancedAccuracy: r.metrics.balancedAccuracy });
  }
  const phi = training.phi;
  const F = siameseScoreMatrix(phi, tasks, s.spec);
  const pairRows: Tables['pairs'] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const k = i * n + j;
      pairRows.push({
        i, j, latentI: latent[i], latentJ: latent[j], split: isQuery[i] || isQuery[j] ? 'held-out' : 'support',
        same: latent[i] === latent[j] ? 1 : 0, dP: DP[k], rule: labels[k], score: F[k],
      });
    }
  }

  // V.4 Meta-training with R filled by Alg. 1, l.5-10; then task-specific training on the query types.
  // One stream per learner, split whether or not the learner runs.
  const learnerRng = Object.fromEntries(META_LEARNERS.map((l) => [l, rngMeta.split()])) as Record<MetaLearner, Rng>;
  const querySeeds = cfg.queryTypes.map(() => {
    const qRng = rngAdapt.split();
    return [qRng.nextUint32(), qRng.nextUint32(), qRng.nextUint32()];
  });
  const metaRows: Tables['meta'] = [], adaptation: Tables['adaptation'] = [];
  for (const learner of cfg.meta.learners) {
    const trainedMeta = metaTrain(learner, theta0, support, cfg.meta, bed.dyn, spec, learnerRng[learner]);
    let entries = 0;
    trainedMeta.offers.forEach((o, k) => {
      entries = o.accepted ? Math.min(entries + 1, cfg.meta.replay.capacity) : entries;
      metaRows.push({ learner, iteration: k + 1, type: o.type, latent: latent[o.type], loss: o.loss, accepted: o.accepted ? 1 : 0, entries });
    });
    // Every learner and arm sees the same random streams on a query type (common random numbers).
    const ctx: ArmContext = { buffer: trainedMeta.buffer, phi, cfg, bed, spec };
    cfg.queryTypes.forEach((q, k) => {
      for (const arm of cfg.adaptation.arms) adaptation.push(...adaptArm(learner, arm, trainedMeta.theta, q, ctx, querySeeds[k]));
    });
  }

  return {
    axioms, bounds, equivalence, experts: expertRows, expertTraining, siamese: siameseRows, pairs: pairRows, meta: metaRows, adaptation,
  };
}

export const experiment: Experiment<HindsightConfig, Overrides<typeof schema>, typeof TABLES> = {
  name: 'hindsight-maml',
  version: 1,
  tables: TABLES,
  resolve: config,
  unit,
};
