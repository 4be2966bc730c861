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
 * References: ../shared/papers/001_6f2392f5f97a041c.txt (Sec. II, III, IV: Def. 1-4 and
 * the bounds; Algorithm 1; Sec. V). Reptile: Nichol, Achiam & Schulman 2018. MAML: Finn,
 * Abbeel & Levine 2017.
 */
import { BandSeries, heatmapTrace, panelBandFigure, sliderFigure } from '../report/charts';
import { check, ConfigError, DeepPartial, mergeConfig } from '../core/config';
import { adjustedRandIndex, groupDistances } from '../divergence/grouping';
import { kmedoids } from '../divergence/kmedoids';
import {
  DiagGaussian, DormantUnit, dormantUnitVariant, equivalenceConfig, EquivalenceConfig, EQUIVALENCE_DEFAULTS, equivalenceMetric,
  equivalenceMetricMatrix, gaussianJensenShannonMc, gaussianSymmetricKl, jsBoundHalfS, jsBoundLog, metricAxiomViolations,
  policyMetric, policyMetricMatrix, sampleStates, stateSampleConfig, StateSampleConfig, STATE_SAMPLE_DEFAULTS, trajectoryDivergence,
  trajectoryDivergenceMatrix,
} from '../divergence/policy-metrics';
import { dynamics, Dynamics, EntityType, pureRemapping } from '../envs/particle';
import { jensenShannon, symmetricKl } from '../divergence/jensen';
import { Figure, Trace } from '../report/plotly';
import { actionProbs, batchedActionProbs, homingPolicy, InitConfig, initParams, PAPER_POLICY, PolicySpec } from '../policies/softmax-mlp';
import {
  bufferTasks, concatBatches, replayConfig, ReplayConfig, REPLAY_DEFAULTS, ReplayBuffer, replayInit, replayOffer, replaySample,
  replayVpgConfig, ReplayVpgConfig, REPLAY_VPG_DEFAULTS, replayVpgUpdate, similarTasks,
} from '../algos/hindsight-replay';
import { innerStep, mamlConfig, MamlConfig, MAML_DEFAULTS, mamlInit, mamlStep } from '../algos/maml';
import { reptileConfig, ReptileConfig, REPTILE_DEFAULTS, reptileIteration } from '../algos/reptile';
import { Row } from './results';
import { Rng } from '../core/rng';
import { episodeReturns, rolloutOne, TrajectoryBatch } from '../policies/rollout';
import { Experiment, Tables } from './runner';
import { TablesOf } from './tables';
import { Scale } from '../core/scale';
import {
  accuracyAt, labelledPairs, pairLabels, rocCurve, siameseFeatureConfig, SiameseFeatureConfig, siameseFeatureDim, SIAMESE_FEATURE_DEFAULTS,
  siameseInit, siameseScoreMatrix, siameseSpec, SiameseSpec, SIAMESE_SPEC_DEFAULTS, siameseStep, siameseTrainConfig, SiameseTrainConfig,
  SIAMESE_TRAIN_DEFAULTS, siameseTrainInit, transitionFeatures,
} from '../divergence/siamese';
import { formatInterval, mean, meanBy, meanCI, pairedComparison, summarize } from '../core/stats';
import { DEFAULT_QUERY_TYPES, Testbed, testbed, testbedConfig, TestbedConfig, TESTBED_DEFAULTS } from '../envs/testbed';
import { trainPerType } from '../algos/train';
import { advantages, newLearner, vpgConfig, VpgConfig, VPG_DEFAULTS, vpgUpdate } from '../algos/vpg';

// ---------------------------------------------------------------------------------------
// The config
// ---------------------------------------------------------------------------------------

/** How query types are adapted to in V.4: which buffered tasks may be replayed. */
export const REPLAY_ARMS = ['none', 'siamese', 'oracle', 'all'] as const;
export type ReplayArm = (typeof REPLAY_ARMS)[number];

/** Display names of the arms. */
export const ARM_LABELS: Record<ReplayArm, string> = {
  none: 'no replay (plain VPG)',
  siamese: 'replay from tasks f_φ calls similar',
  oracle: 'replay from same-group tasks (oracle filter)',
  all: 'replay from all buffered tasks (no filter)',
};

export const ARM_COLORS: Record<ReplayArm, string> = { none: '#7f7f7f', siamese: '#d62728', oracle: '#2ca02c', all: '#1f77b4' };

export interface TheoryConfig {
  /** Random policies whose d_P, d_E and P matrices are checked against the metric axioms. */
  policies: number;
  /** Output-layer scale of their initialization (large: distinct, confident policies). */
  outputScale: number;
  /** Entity type (the MDP) on which every random policy is rolled out for d_E and P. */
  type: number;
  /** Rollouts of each random policy for d_E and P. */
  episodes: number;
  /** Random pairs of discrete distributions (2 to 6 outcomes) for the bound check. */
  discretePairs: number;
  /** Pairs of expert action distributions pi_i(s), pi_j(s) at states of q_S for the bound check. */
  policyPairs: number;
  /** Pairs of diagonal Gaussians (1 to 3 dimensions) for the bound check (continuous actions). */
  gaussianPairs: number;
  /** Monte Carlo draws (from each Gaussian) per estimate of J. */
  gaussianDraws: number;
}

export interface EquivalencePairConfig {
  /** Gain of the homing policy pi_theta (policy.ts `homingPolicy`, target = the particle's target). */
  gain: number;
  /** The hidden unit that turns pi_theta into pi_phi (metrics.ts `dormantUnitVariant`); it fires where w . s + b > 0. */
  dormant: DormantUnit;
  /** A start state inside the dormant unit's half-plane: with p_0 there the pair is not equivalent. */
  insideStart: [number, number];
  /** Target of the control policy, a homing policy that really behaves differently. */
  controlTarget: [number, number];
  /** Rollouts of each policy per start state (for d_E and P). */
  episodes: number;
  /** d_E's shared-state radius. */
  metric: EquivalenceConfig;
}

export interface ExpertConfig {
  /** VPG updates of every expert. */
  updates: number;
  /** Episodes per update. */
  K: number;
  vpg: VpgConfig;
  /** Rollouts of each trained expert on its own type, for P and d_E. */
  episodes: number;
}

export interface SiameseExperimentConfig {
  /** epsilon of Alg. 1, l.12: a pair of support types is labelled "same class" when d_P of their experts is below it. */
  epsilon: number;
  /** Episodes of each type's expert whose transitions represent the task. */
  expertEpisodes: number;
  /** Episodes of the shared initial policy theta_0 on each type, added to the task's transitions. */
  probeEpisodes: number;
  /** Adam steps of f_phi on all labelled support pairs (Alg. 1, l.16). */
  steps: number;
  features: SiameseFeatureConfig;
  spec: SiameseSpec;
  /** Training settings; `threshold` is also the "similar" cut of the replay filter and of the accuracies. */
  train: SiameseTrainConfig;
}

/** The meta-learners of V.4, each filling its own R. */
export const META_LEARNERS = ['reptile', 'maml'] as const;
export type MetaLearner = (typeof META_LEARNERS)[number];

export const LEARNER_LABELS: Record<MetaLearner, string> = {
  reptile: 'Reptile, R filled from its inner loops',
  maml: 'MAML, then Algorithm 1 as written (one inner step)',
};

export interface MetaConfig {
  /** Meta-learners to run (each gets its own initialization and buffer R). */
  learners: MetaLearner[];
  /** Reptile iterations on the support types. */
  reptileIterations: number;
  /** Reptile settings: its inner VPG updates produce the adapted theta'_i of Alg. 1. */
  reptile: ReptileConfig;
  /** MAML meta-updates on the support types (Alg. 1, l.1). */
  mamlIterations: number;
  /** MAML settings; its inner step (alpha, innerSteps = 1) is also Alg. 1's l.7. */
  maml: MamlConfig;
  /** numIter of Alg. 1, l.4 after MAML: passes of l.5-10 over all support tasks. */
  alg1Passes: number;
  /** Episodes of tau' ~ pi_theta'_i offered to R (Alg. 1, l.8). */
  bufferEpisodes: number;
  /** delta and capacity of R (Alg. 1, l.9-10). */
  replay: ReplayConfig;
}

export interface HindsightAdaptationConfig {
  /** VPG updates on every query type (the note: task-specific training; here 0..5 as in Fig. 1). */
  updates: number;
  /** On-policy episodes per update. */
  K: number;
  /** Evaluation episodes after every update (not used for learning). */
  evalEpisodes: number;
  /** k: buffered trajectories drawn per update from the eligible tasks. */
  replayK: number;
  /** Importance weighting and the VPG step (the same Adam settings for every arm). */
  replayVpg: ReplayVpgConfig;
  /** Arms to compare; must include "none", the baseline. */
  arms: ReplayArm[];
}

export interface HindsightConfig {
  testbed: TestbedConfig;
  /** Held-out query types: never seen by f_phi's training or by meta-training. Default: variant 3 of every group. */
  queryTypes: number[];
  /** Initialization theta_0 shared by the experts and the meta-learner within a seed. */
  init: InitConfig;
  /** q_S of Def. 2: the states at which d_P compares policies. */
  states: StateSampleConfig;
  theory: TheoryConfig;
  equivalence: EquivalencePairConfig;
  experts: ExpertConfig;
  siamese: SiameseExperimentConfig;
  meta: MetaConfig;
  adaptation: HindsightAdaptationConfig;
}

export const HINDSIGHT_DEFAULTS: HindsightConfig = {
  testbed: TESTBED_DEFAULTS,
  queryTypes: [...DEFAULT_QUERY_TYPES],
  init: { outputScale: 0.01 },
  states: STATE_SAMPLE_DEFAULTS,
  theory: { policies: 12, outputScale: 3, type: 0, episodes: 8, discretePairs: 1000, policyPairs: 1000, gaussianPairs: 150, gaussianDraws: 2000 },
  equivalence: {
    gain: 20,
    // Fires left of x = -0.5 and there pushes left hard (0.5 activation at x = -1 outweighs the homing logits).
    dormant: { unit: 67, w: [-1, 0], b: -0.5, logits: [400, -400, 0, 0] },
    insideStart: [-1, 0],
    controlTarget: [1, 0.2],
    episodes: 16,
    metric: EQUIVALENCE_DEFAULTS,
  },
  experts: { updates: 40, K: 10, vpg: VPG_DEFAULTS, episodes: 10 },
  siamese: {
    epsilon: 0.3,
    expertEpisodes: 10,
    probeEpisodes: 10,
    steps: 150,
    features: SIAMESE_FEATURE_DEFAULTS,
    spec: SIAMESE_SPEC_DEFAULTS,
    train: { ...SIAMESE_TRAIN_DEFAULTS, adam: { ...SIAMESE_TRAIN_DEFAULTS.adam, lr: 1e-2 }, transitionsPerTask: 64 },
  },
  meta: {
    learners: [...META_LEARNERS], reptileIterations: 150, reptile: REPTILE_DEFAULTS, mamlIterations: 100, maml: MAML_DEFAULTS, alg1Passes: 2,
    bufferEpisodes: 10, replay: REPLAY_DEFAULTS,
  },
  adaptation: { updates: 5, K: 10, evalEpisodes: 20, replayK: 10, replayVpg: REPLAY_VPG_DEFAULTS, arms: [...REPLAY_ARMS] },
};

/** Merge overrides over the defaults and check every field; errors name the field. */
export function hindsightConfig(overrides?: DeepPartial<HindsightConfig>): HindsightConfig {
  const where = 'hindsight config';
  const c = mergeConfig(where, HINDSIGHT_DEFAULTS, overrides);
  const bed = testbedConfig(c.testbed, `${where} testbed`);
  const nTypes = bed.population.latentTypes * bed.population.variantsPerLatent;
  const queryTypes = check.nonEmptyIntList(where, 'queryTypes', c.queryTypes, 0, nTypes - 1);
  if (new Set(queryTypes).size !== queryTypes.length) throw new ConfigError(where, 'queryTypes', `must not repeat a type, got ${JSON.stringify(queryTypes)}`);
  // Types are ordered by group: type t is in group floor(t / variantsPerLatent).
  const groupOf = (t: number) => Math.floor(t / bed.population.variantsPerLatent);
  for (const q of queryTypes) {
    const support = [...Array(nTypes).keys()].filter((t) => !queryTypes.includes(t) && groupOf(t) === groupOf(q));
    if (support.length === 0) {
      throw new ConfigError(where, 'queryTypes', `must leave a support type in the latent group of every query type; group ${groupOf(q)} of type ${q} has none`);
    }
  }
  if (nTypes - queryTypes.length < 2) throw new ConfigError(where, 'queryTypes', `must leave at least two support types, got ${nTypes - queryTypes.length}`);

  const t = c.theory;
  const theory: TheoryConfig = {
    policies: check.intInRange(where, 'theory.policies', t.policies, 3, 200),
    outputScale: check.positive(where, 'theory.outputScale', t.outputScale),
    type: check.intInRange(where, 'theory.type', t.type, 0, nTypes - 1),
    episodes: check.positiveInt(where, 'theory.episodes', t.episodes),
    discretePairs: check.positiveInt(where, 'theory.discretePairs', t.discretePairs),
    policyPairs: check.positiveInt(where, 'theory.policyPairs', t.policyPairs),
    gaussianPairs: check.positiveInt(where, 'theory.gaussianPairs', t.gaussianPairs),
    gaussianDraws: check.intInRange(where, 'theory.gaussianDraws', t.gaussianDraws, 2, 1e7),
  };

  const e = c.equivalence;
  const spec = PAPER_POLICY;
  check.positive(where, 'equivalence.gain', e.gain);
  check.intInRange(where, 'equivalence.dormant.unit', e.dormant.unit, 4, spec.hidden - 1); // units 0-3 carry the homing policy
  if (!Array.isArray(e.dormant.w) || e.dormant.w.length !== spec.obsDim || !e.dormant.w.every(Number.isFinite)) {
    throw new ConfigError(where, 'equivalence.dormant.w', `must be ${spec.obsDim} finite weights, got ${JSON.stringify(e.dormant.w)}`);
  }
  check.finite(where, 'equivalence.dormant.b', e.dormant.b);
  if (!Array.isArray(e.dormant.logits) || e.dormant.logits.length !== spec.nActions || !e.dormant.logits.every(Number.isFinite)) {
    throw new ConfigError(where, 'equivalence.dormant.logits', `must be ${spec.nActions} finite numbers, got ${JSON.stringify(e.dormant.logits)}`);
  }
  const inside = check.vec2(where, 'equivalence.insideStart', e.insideStart);
  if (!(dormantActivation(e.dormant, inside[0], inside[1]) > 0)) {
    throw new ConfigError(where, 'equivalence.insideStart', `must lie where the dormant unit fires (w . s + b > 0), got ${JSON.stringify(inside)}`);
  }
  const equivalence: EquivalencePairConfig = {
    gain: e.gain,
    dormant: e.dormant,
    insideStart: inside,
    controlTarget: check.vec2(where, 'equivalence.controlTarget', e.controlTarget),
    episodes: check.positiveInt(where, 'equivalence.episodes', e.episodes),
    metric: equivalenceConfig(e.metric, `${where} equivalence.metric`),
  };

  const x = c.experts;
  const experts: ExpertConfig = {
    updates: check.positiveInt(where, 'experts.updates', x.updates),
    K: check.positiveInt(where, 'experts.K', x.K),
    vpg: vpgConfig(x.vpg, `${where} experts.vpg`),
    episodes: check.positiveInt(where, 'experts.episodes', x.episodes),
  };

  const s = c.siamese;
  const features = siameseFeatureConfig(s.features, `${where} siamese.features`);
  const sSpec = siameseSpec(s.spec, `${where} siamese.spec`);
  if (sSpec.inDim !== siameseFeatureDim(features)) {
    throw new ConfigError(where, 'siamese.spec.inDim', `must equal the transition feature width ${siameseFeatureDim(features)} (4 + features.nActions), got ${sSpec.inDim}`);
  }
  if (features.nActions !== spec.nActions) throw new ConfigError(where, 'siamese.features.nActions', `must be the policy's ${spec.nActions} actions, got ${features.nActions}`);
  const siamese: SiameseExperimentConfig = {
    epsilon: check.positive(where, 'siamese.epsilon', s.epsilon),
    expertEpisodes: check.nonNegativeInt(where, 'siamese.expertEpisodes', s.expertEpisodes),
    probeEpisodes: check.nonNegativeInt(where, 'siamese.probeEpisodes', s.probeEpisodes),
    steps: check.positiveInt(where, 'siamese.steps', s.steps),
    features,
    spec: sSpec,
    train: siameseTrainConfig(s.train, `${where} siamese.train`),
  };
  if (siamese.expertEpisodes + siamese.probeEpisodes === 0) {
    throw new ConfigError(where, 'siamese.expertEpisodes', 'plus siamese.probeEpisodes must be at least 1: a task is known only through its transitions');
  }

  const m = c.meta;
  if (!Array.isArray(m.learners) || m.learners.length === 0) throw new ConfigError(where, 'meta.learners', `must list learners among ${META_LEARNERS.join(', ')}`);
  m.learners.forEach((l, i) => check.oneOf(where, `meta.learners[${i}]`, l, META_LEARNERS));
  if (new Set(m.learners).size !== m.learners.length) throw new ConfigError(where, 'meta.learners', `must not repeat a learner, got ${JSON.stringify(m.learners)}`);
  const maml = mamlConfig(m.maml, `${where} meta.maml`);
  if (maml.innerSteps !== 1) throw new ConfigError(where, 'meta.maml.innerSteps', `must be 1: Alg. 1, l.7 takes one gradient step, got ${maml.innerSteps}`);
  const meta: MetaConfig = {
    learners: m.learners,
    reptileIterations: check.positiveInt(where, 'meta.reptileIterations', m.reptileIterations),
    reptile: reptileConfig(m.reptile, `${where} meta.reptile`),
    mamlIterations: check.positiveInt(where, 'meta.mamlIterations', m.mamlIterations),
    maml,
    alg1Passes: check.positiveInt(where, 'meta.alg1Passes', m.alg1Passes),
    bufferEpisodes: check.positiveInt(where, 'meta.bufferEpisodes', m.bufferEpisodes),
    replay: replayConfig(m.replay, `${where} meta.replay`),
  };

  const a = c.adaptation;
  if (!Array.isArray(a.arms) || a.arms.length === 0) throw new ConfigError(where, 'adaptation.arms', `must list arms among ${REPLAY_ARMS.join(', ')}`);
  a.arms.forEach((arm, i) => check.oneOf(where, `adaptation.arms[${i}]`, arm, REPLAY_ARMS));
  if (new Set(a.arms).size !== a.arms.length) throw new ConfigError(where, 'adaptation.arms', `must not repeat an arm, got ${JSON.stringify(a.arms)}`);
  if (!a.arms.includes('none')) throw new ConfigError(where, 'adaptation.arms', `must include "none", the baseline every replay arm is compared with, got ${JSON.stringify(a.arms)}`);
  const adaptation: HindsightAdaptationConfig = {
    updates: check.positiveInt(where, 'adaptation.updates', a.updates),
    K: check.intInRange(where, 'adaptation.K', a.K, 2, 10000),
    evalEpisodes: check.positiveInt(where, 'adaptation.evalEpisodes', a.evalEpisodes),
    replayK: check.positiveInt(where, 'adaptation.replayK', a.replayK),
    replayVpg: replayVpgConfig(a.replayVpg, `${where} adaptation.replayVpg`),
    arms: a.arms,
  };

  return {
    testbed: bed,
    queryTypes,
    init: { outputScale: check.positive(where, 'init.outputScale', c.init.outputScale) },
    states: stateSampleConfig(c.states, `${where} states`),
    theory, equivalence, experts, siamese, meta, adaptation,
  };
}

/**
 * Sizes per scale. Paper: the defaults and 8 seeds (the issue asks for at least 5; about
 * 25 s per seed on one core). Quick: a smoke run of every part; its delta accepts every
 * batch into R, so that the replay arms have something to replay after 8 iterations.
 */
export function hindsightSizes(s: Scale): { config: DeepPartial<HindsightConfig>; seeds: number } {
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

// ---------------------------------------------------------------------------------------
// V.1: the metric theory
// ---------------------------------------------------------------------------------------

function dormantActivation(d: DormantUnit, x: number, y: number): number {
  return d.w[0] * x + d.w[1] * y + d.b;
}

/** One row of `metricAxiomViolations` for the axioms table. */
function axiomRow(policies: string, metric: string, D: ArrayLike<number>, M: number): Row {
  const v = metricAxiomViolations(D, M);
  return {
    policies, metric, M, triangleChecked: v.triangleChecked, triangleViolations: v.triangleViolations,
    maxTriangleExcess: v.maxTriangleExcess, maxRelativeExcess: v.maxRelativeExcess, maxDiagonal: v.maxDiagonal,
    maxAsymmetry: v.maxAsymmetry, zeroOffDiagonal: v.zeroOffDiagonal, negative: v.negative,
  };
}

/**
 * A random discrete distribution over A outcomes: p_a proportional to u_a^c + 1e-9 with
 * u ~ U(0,1) and a concentration c drawn from {1, 4, 16}, so that near-uniform and sharply
 * peaked distributions both occur (all entries > 0: S stays finite).
 */
export function randomDistribution(A: number, rng: Rng): Float64Array {
  const c = [1, 4, 16][rng.int(3)];
  const p = Float64Array.from({ length: A }, () => Math.pow(rng.random(), c) + 1e-9);
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((v) => v / s);
}

/**
 * A pair (p, q) with q = (1 - t) p + t r, r another random distribution and t = 10^(-3u)
 * log-uniform in [0.001, 1]: many pairs are close (S ~ t^2, small), some far apart, so the
 * bound check spans several decades of S.
 */
export function randomDistributionPair(A: number, rng: Rng): [Float64Array, Float64Array] {
  const p = randomDistribution(A, rng), r = randomDistribution(A, rng), t = Math.pow(10, -3 * rng.random());
  return [p, p.map((v, a) => (1 - t) * v + t * r[a])];
}

/** A random pair of diagonal Gaussians in 1-3 dimensions, q's mean shifted by t * N(0, 4) with t = u^2. */
export function randomGaussianPair(rng: Rng): [DiagGaussian, DiagGaussian] {
  const d = 1 + rng.int(3), t = Math.pow(rng.random(), 2);
  const mean = Array.from({ length: d }, () => rng.normal());
  const p: DiagGaussian = { mean, std: Array.from({ length: d }, () => Math.exp(0.5 * rng.normal())) };
  const q: DiagGaussian = { mean: mean.map((m) => m + 2 * t * rng.normal()), std: Array.from({ length: d }, () => Math.exp(0.5 * rng.normal())) };
  return [p, q];
}

/**
 * J, S and both bounds of one pair of discrete distributions. Like metrics.ts's
 * `jsAndBounds`, except that S is clamped at 0: for nearly equal p and q rounding can
 * leave S = -1e-17, which `jsAndBounds` rejects (jensen.ts clamps J the same way).
 */
function boundsOfPair(p: ArrayLike<number>, q: ArrayLike<number>): { js: number; symKl: number; boundHalfS: number; boundLog: number } {
  const symKl = symmetricKl(p, q);
  return { js: jensenShannon(p, q), symKl, boundHalfS: jsBoundHalfS(symKl), boundLog: jsBoundLog(symKl) };
}

/** The bounds table: J, S and both bounds on discrete, policy and Gaussian pairs. */
function boundRows(cfg: TheoryConfig, experts: readonly Float32Array[], states: Float32Array, spec: PolicySpec, rng: Rng): Row[] {
  const rows: Row[] = [];
  for (let k = 0; k < cfg.discretePairs; k++) {
    const A = 2 + rng.int(5);
    const [p, q] = randomDistributionPair(A, rng);
    const b = boundsOfPair(p, q);
    rows.push({ source: 'discrete', dim: A, js: b.js, jsStderr: 0, symKl: b.symKl, boundHalfS: b.boundHalfS, boundLog: b.boundLog });
  }
  // The experts' action distributions at states of q_S: the distributions d_P averages over.
  const probs = batchedActionProbs(experts, states, spec);
  const n = states.length / spec.obsDim, A = spec.nActions;
  for (let k = 0; k < cfg.policyPairs; k++) {
    const i = rng.int(experts.length);
    const j = (i + 1 + rng.int(experts.length - 1)) % experts.length;
    const s = rng.int(n);
    const b = boundsOfPair(probs[i].subarray(s * A, (s + 1) * A), probs[j].subarray(s * A, (s + 1) * A));
    rows.push({ source: 'policy', dim: A, js: b.js, jsStderr: 0, symKl: b.symKl, boundHalfS: b.boundHalfS, boundLog: b.boundLog });
  }
  for (let k = 0; k < cfg.gaussianPairs; k++) {
    const [p, q] = randomGaussianPair(rng);
    const S = gaussianSymmetricKl(p, q);
    const mc = gaussianJensenShannonMc(p, q, cfg.gaussianDraws, rng);
    rows.push({ source: 'gaussian', dim: p.mean.length, js: mc.js, jsStderr: mc.stderr, symKl: S, boundHalfS: jsBoundHalfS(S), boundLog: jsBoundLog(S) });
  }
  return rows;
}

/** Random policies on one MDP: the axiom rows of their d_P, d_E and P matrices. */
function randomPolicyAxioms(cfg: TheoryConfig, bed: Testbed, states: Float32Array, spec: PolicySpec, rng: Rng): Row[] {
  const thetas = Array.from({ length: cfg.policies }, () => initParams(spec, rng, { outputScale: cfg.outputScale }));
  const batches = thetas.map((th) => rolloutOne(th, [cfg.type], cfg.episodes, bed.dyn, spec, rng));
  const M = thetas.length;
  return [
    axiomRow('random', 'd_P', policyMetricMatrix(thetas, states, spec), M),
    axiomRow('random', 'd_E', equivalenceMetricMatrix(thetas, batches, spec).D, M),
    axiomRow('random', 'P', trajectoryDivergenceMatrix(thetas, batches, spec), M),
  ];
}

/** Decision states (mask = 1) of a batch, [n, 2]. */
function decisionStateList(batch: TrajectoryBatch): Float32Array {
  const out: number[] = [];
  for (let b = 0; b < batch.B; b++) {
    for (let t = 0; t < batch.lengths[b]; t++) {
      const k = (b * (batch.T + 1) + t) * 2;
      out.push(batch.states[k], batch.states[k + 1]);
    }
  }
  return Float32Array.from(out);
}

/**
 * Sec. IV.A on the plane: d_P, d_E and P of (homing, its dormant-unit variant) and of
 * (homing, homing to another target), each with p_0 at the particle's start and inside
 * the dormant half-plane.
 */
function equivalenceRows(cfg: EquivalencePairConfig, bed: Testbed, states: Float32Array, spec: PolicySpec, rng: Rng): Row[] {
  const particle = bed.config.particle;
  const homing = homingPolicy(spec, particle.target, cfg.gain);
  const pairs: [string, Float32Array][] = [
    ['equivalent, unequal', dormantUnitVariant(homing, spec, cfg.dormant)],
    ['different (control)', homingPolicy(spec, cfg.controlTarget, cfg.gain)],
  ];
  // The unremapped particle (identity controls, no noise): the MDP of homingPolicy.
  const entity: EntityType = pureRemapping([0, 1, 2, 3]);
  const starts: [string, Dynamics][] = [
    ['origin', dynamics([entity], particle)],
    ['inside the half-plane', dynamics([entity], { ...particle, start: cfg.insideStart })],
  ];
  const rows: Row[] = [];
  for (const [pair, other] of pairs) {
    const dP = policyMetric(homing, other, states, spec);
    for (const [start, dyn] of starts) {
      const ba = rolloutOne(homing, [0], cfg.episodes, dyn, spec, rng), bb = rolloutOne(other, [0], cfg.episodes, dyn, spec, rng);
      const P = trajectoryDivergence(homing, other, ba, bb, spec).P;
      const dE = equivalenceMetric(homing, other, ba, bb, spec, cfg.metric);
      const visited = [decisionStateList(ba), decisionStateList(bb)];
      let inRegion = 0, gap = 0;
      for (const v of visited) {
        const pa = actionProbs(homing, v, spec), pb = actionProbs(other, v, spec);
        for (let k = 0; k < v.length / 2; k++) {
          if (dormantActivation(cfg.dormant, v[2 * k], v[2 * k + 1]) > 0) inRegion++;
          for (let a = 0; a < spec.nActions; a++) gap = Math.max(gap, Math.abs(pa[k * spec.nActions + a] - pb[k * spec.nActions + a]));
        }
      }
      rows.push({ pair, start, dP, dE: dE.dE, P, shared: dE.shared, statesInRegion: inRegion, maxProbGap: gap });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// V.4: Reptile with Algorithm 1, l.5-10 inside
// ---------------------------------------------------------------------------------------

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
function metaTrain(learner: MetaLearner, theta0: Float32Array, support: readonly number[], cfg: MetaConfig, dyn: Dynamics, spec: PolicySpec,
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

/**
 * Task-specific training on `query` from the meta-initialization: after each of 0..U
 * updates the reward on fresh evaluation episodes; each update is `replayVpgUpdate` on K
 * on-policy episodes plus (for a replay arm) k trajectories drawn from the eligible
 * buffered tasks. `seeds` fixes three streams (evaluation, rollouts, replay draws) so
 * that all arms see the same random numbers where they can (common random numbers).
 */
function adaptArm(learnerName: MetaLearner, arm: ReplayArm, theta: Float32Array, query: number, ctx: ArmContext, seeds: readonly number[]): Row[] {
  const { cfg, bed, spec } = ctx, a = cfg.adaptation;
  const evalRng = new Rng(seeds[0]), trainRng = new Rng(seeds[1]), drawRng = new Rng(seeds[2]);
  let learner = newLearner(theta);
  const rows: Row[] = [];
  let stats: Row = { eligible: NaN, eligibleSameGroup: NaN, replayTrajectories: NaN, replaySteps: NaN, ess: NaN, maxWeight: NaN, meanLogRatio: NaN };
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

// ---------------------------------------------------------------------------------------
// The unit
// ---------------------------------------------------------------------------------------

/** One seed: the four experiments of Sec. V. */
export function hindsightUnit(cfg: HindsightConfig, seed: number): Tables {
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
  const expertTraining: Row[] = [];
  trained.curves.forEach((curve, t) => curve.forEach((r, update) => expertTraining.push({ type: t, latent: latent[t], update, return: r })));
  const own = experts.map((th, t) => rolloutOne(th, [t], x.episodes, bed.dyn, spec, rngExperts)); // each expert on its own type
  const n = types.length;
  const DP = policyMetricMatrix(experts, states, spec);
  const PP = trajectoryDivergenceMatrix(experts, own, spec);
  const E = equivalenceMetricMatrix(experts, own, spec, cfg.equivalence.metric);
  const expertRows: Row[] = [];
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
  const siameseRows: Row[] = [];
  for (let k = 0; k < s.steps; k++) {
    const r = siameseStep(training, tasks, trainPairs, s.spec, s.train, rngSiamese);
    training = r.state;
    siameseRows.push({ step: r.metrics.step, loss: r.metrics.loss, accuracy: r.metrics.accuracy, balancedAccuracy: r.metrics.balancedAccuracy });
  }
  const phi = training.phi;
  const F = siameseScoreMatrix(phi, tasks, s.spec);
  const pairRows: Row[] = [];
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
  const metaRows: Row[] = [], adaptation: Row[] = [];
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

/** The tables of Sec. V, one per part. */
export const HINDSIGHT_TABLES = {
  axioms: {
    policies: 'string', metric: 'string', M: 'int', triangleChecked: 'int', triangleViolations: 'int', maxTriangleExcess: 'float',
    maxRelativeExcess: 'float', maxDiagonal: 'float', maxAsymmetry: 'float', zeroOffDiagonal: 'int', negative: 'int',
  },
  bounds: { source: 'string', dim: 'int', js: 'float', jsStderr: 'float', symKl: 'float', boundHalfS: 'float', boundLog: 'float' },
  equivalence: { pair: 'string', start: 'string', dP: 'float', dE: 'float', P: 'float', shared: 'float', statesInRegion: 'int', maxProbGap: 'float' },
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

export const hindsightExperiment: Experiment<HindsightConfig, typeof HINDSIGHT_TABLES> = {
  name: 'hindsight-maml',
  version: 1,
  tables: HINDSIGHT_TABLES,
  resolve: hindsightConfig,
  unit: (cfg, seed) => hindsightUnit(cfg, seed) as unknown as TablesOf<typeof HINDSIGHT_TABLES>,
};

// ---------------------------------------------------------------------------------------
// From saved rows to the notebook's tables, figures and sentences (pure)
// ---------------------------------------------------------------------------------------

const num = (v: unknown) => Number(v);
const seedsOf = (rows: readonly Row[]) => [...new Set(rows.map((r) => num(r.seed)))].sort((a, b) => a - b);

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 0.01 ? x.toFixed(digits) : x.toExponential(2);
}

function ci(values: readonly number[]): string {
  const c = meanCI(values.filter(Number.isFinite));
  return formatInterval({ mean: c.mean, lo: c.lo, hi: c.hi });
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = xs.slice().sort((a, b) => a - b), m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// V.1 ----------------------------------------------------------------------------------

/**
 * The axioms table: per policy set and metric, the triples checked per seed, the share of
 * triangle-inequality violations over all seeds, the worst relative excess, and the
 * largest asymmetry and diagonal entry.
 */
export function axiomsTable(axioms: readonly Row[]): Row[] {
  const keys = [...new Set(axioms.map((r) => `${r.policies}|${r.metric}`))];
  return keys.map((k) => {
    const rs = axioms.filter((r) => `${r.policies}|${r.metric}` === k);
    const checked = rs.reduce((s, r) => s + num(r.triangleChecked), 0), violated = rs.reduce((s, r) => s + num(r.triangleViolations), 0);
    return {
      policies: String(rs[0].policies), metric: String(rs[0].metric), M: num(rs[0].M), seeds: rs.length,
      'triples per seed': num(rs[0].triangleChecked),
      'triangle violations': `${violated} of ${checked} (${(100 * violated / Math.max(checked, 1)).toFixed(2)}%)`,
      'worst d(i,k) − d(i,j) − d(j,k), relative to d(i,k)': fmt(Math.max(...rs.map((r) => num(r.maxRelativeExcess)))),
      'max |d(i,j) − d(j,i)|': fmt(Math.max(...rs.map((r) => num(r.maxAsymmetry)))),
      'max |d(i,i)|': fmt(Math.max(...rs.map((r) => num(r.maxDiagonal)))),
      'zero off-diagonal entries': rs.reduce((s, r) => s + num(r.zeroOffDiagonal), 0),
    };
  });
}

/** The axioms in one sentence per metric (numbers from the saved rows). */
export function describeAxioms(axioms: readonly Row[]): string[] {
  return axiomsTable(axioms).map((r) => `${r.metric} on ${r.policies} policies (M = ${r.M}, ${r.seeds} seeds): ${r['triangle violations']} ordered triples violate the triangle inequality; worst relative excess ${r['worst d(i,k) − d(i,j) − d(j,k), relative to d(i,k)']}.`);
}

export const BOUND_SOURCES: Record<string, string> = {
  discrete: 'random discrete distributions',
  policy: 'expert action distributions at states of q_S',
  gaussian: 'diagonal Gaussians (J by Monte Carlo)',
};
const SOURCE_COLORS: Record<string, string> = { discrete: '#1f77b4', policy: '#d62728', gaussian: '#2ca02c' };

/** A bound is violated when J exceeds it by more than rounding (and, for Monte Carlo J, by more than 3 standard errors). */
function violates(r: Row, bound: 'boundHalfS' | 'boundLog'): boolean {
  return num(r.js) - 3 * num(r.jsStderr) > num(r[bound]) * (1 + 1e-12) + 1e-15;
}

const S_BINS: [number, number][] = [[0, 0.01], [0.01, 0.1], [0.1, 1], [1, 10], [10, Infinity]];

/**
 * Tightness of both bounds by source and range of S: pairs, violations of each bound, and
 * the median of J / bound (1 = tight).
 */
export function boundTightness(bounds: readonly Row[]): Row[] {
  const out: Row[] = [];
  for (const source of Object.keys(BOUND_SOURCES)) {
    for (const [lo, hi] of S_BINS) {
      const rs = bounds.filter((r) => r.source === source && num(r.symKl) >= lo && num(r.symKl) < hi && num(r.symKl) > 0);
      if (rs.length === 0) continue;
      out.push({
        source, 'S range': `[${lo}, ${hi === Infinity ? '∞' : hi})`, pairs: rs.length,
        'J > S/2': rs.filter((r) => violates(r, 'boundHalfS')).length,
        'J > ln(2/(1+e^−S))': rs.filter((r) => violates(r, 'boundLog')).length,
        'median J / (S/2)': fmt(median(rs.map((r) => num(r.js) / num(r.boundHalfS)))),
        'median J / ln(2/(1+e^−S))': fmt(median(rs.map((r) => num(r.js) / num(r.boundLog)))),
      });
    }
  }
  return out;
}

/** What the bound check says, in numbers. */
export function describeBounds(bounds: readonly Row[]): string[] {
  const valid = bounds.filter((r) => num(r.symKl) > 0);
  const half = valid.filter((r) => violates(r, 'boundHalfS')).length, log = valid.filter((r) => violates(r, 'boundLog')).length;
  const small = valid.filter((r) => num(r.symKl) < 0.01), large = valid.filter((r) => num(r.symKl) >= 10);
  const lines = [`Over ${valid.length} pairs (${seedsOf(bounds).length} seeds), J > S/2 in ${half} and J > ln(2/(1+e^−S)) in ${log}; ln(2/(1+e^−S)) ≤ S/2 in every pair: ${valid.every((r) => num(r.boundLog) <= num(r.boundHalfS) * (1 + 1e-12))}.`];
  if (small.length > 0) lines.push(`For S < 0.01 (${small.length} pairs) both bounds are about twice J: median J/(S/2) = ${fmt(median(small.map((r) => num(r.js) / num(r.boundHalfS))))}, median J/ln-bound = ${fmt(median(small.map((r) => num(r.js) / num(r.boundLog))))} (J ≈ S/4 for close distributions).`);
  if (large.length > 0) lines.push(`For S ≥ 10 (${large.length} pairs) S/2 is useless (median J/(S/2) = ${fmt(median(large.map((r) => num(r.js) / num(r.boundHalfS))))}) while the log bound, which saturates at ln 2, stays close: median J/ln-bound = ${fmt(median(large.map((r) => num(r.js) / num(r.boundLog))))}.`);
  return lines;
}

/** J against S (log axis) for every pair of one seed, with both bound curves and ln 2. */
export function boundsFigure(bounds: readonly Row[], seed?: number): Figure {
  const s = seed ?? seedsOf(bounds)[0];
  const rows = bounds.filter((r) => num(r.seed) === s && num(r.symKl) > 0);
  if (rows.length === 0) throw new Error(`boundsFigure: no bound rows with S > 0 for seed ${s}`);
  const data: Trace[] = [];
  for (const source of Object.keys(BOUND_SOURCES)) {
    const rs = rows.filter((r) => r.source === source);
    if (rs.length === 0) continue;
    data.push({
      type: 'scatter', mode: 'markers', name: BOUND_SOURCES[source], x: rs.map((r) => num(r.symKl)), y: rs.map((r) => num(r.js)),
      marker: { size: 4, opacity: 0.55, color: SOURCE_COLORS[source] }, hovertemplate: `${BOUND_SOURCES[source]}<br>S = %{x:.3g}, J = %{y:.3g}<extra></extra>`,
    });
  }
  const lo = Math.min(...rows.map((r) => num(r.symKl))), hi = Math.max(...rows.map((r) => num(r.symKl)));
  const xs = Array.from({ length: 200 }, (_, k) => Math.exp(Math.log(lo) + (k / 199) * (Math.log(hi) - Math.log(lo))));
  data.push({ type: 'scatter', mode: 'lines', name: 'J ≤ S/2', x: xs, y: xs.map(jsBoundHalfS), line: { color: 'black', dash: 'dot', width: 2 } });
  data.push({ type: 'scatter', mode: 'lines', name: 'J ≤ ln(2/(1+e^−S))', x: xs, y: xs.map(jsBoundLog), line: { color: 'black', width: 2 } });
  data.push({ type: 'scatter', mode: 'lines', name: 'ln 2 (largest J)', x: [lo, hi], y: [Math.LN2, Math.LN2], line: { color: '#999', width: 1, dash: 'dash' } });
  return {
    data,
    layout: {
      title: { text: `Jensen-Shannon J against symmetric KL S, with the note's two upper bounds (seed ${s})` },
      xaxis: { title: { text: 'S(p, q) = (KL(p‖q) + KL(q‖p)) / 2' }, type: 'log' },
      yaxis: { title: { text: 'J(p, q) (nats)' }, type: 'log' }, height: 520,
    },
  };
}

/** The equivalence table: per pair and start, d_P, d_E and P over seeds, and visits to the half-plane. */
export function equivalenceTable(equivalence: readonly Row[]): Row[] {
  const keys = [...new Set(equivalence.map((r) => `${r.pair}|${r.start}`))];
  return keys.map((k) => {
    const rs = equivalence.filter((r) => `${r.pair}|${r.start}` === k);
    return {
      pair: String(rs[0].pair), 'start s_0': String(rs[0].start), seeds: rs.length,
      'd_P (Def. 2)': ci(rs.map((r) => num(r.dP))), 'd_E (Def. 3)': ci(rs.map((r) => num(r.dE))), 'P (Def. 4)': ci(rs.map((r) => num(r.P))),
      'max P': fmt(Math.max(...rs.map((r) => num(r.P)))),
      'visited states in the half-plane': rs.reduce((s, r) => s + num(r.statesInRegion), 0),
      'max |π_θ − π_φ| on visited states': fmt(Math.max(...rs.map((r) => num(r.maxProbGap)))),
    };
  });
}

/** The equivalent pair in one sentence. */
export function describeEquivalence(equivalence: readonly Row[]): string {
  const eq = equivalence.filter((r) => r.pair === 'equivalent, unequal' && r.start === 'origin');
  const inside = equivalence.filter((r) => r.pair === 'equivalent, unequal' && r.start !== 'origin');
  if (eq.length === 0) return 'no equivalent pair in the saved rows';
  const zeroP = eq.filter((r) => num(r.P) === 0).length, zeroE = eq.filter((r) => num(r.dE) === 0).length;
  return `Started at the origin, the equivalent-but-unequal pair has P = 0 exactly in ${zeroP} of ${eq.length} seeds and d_E = 0 in ${zeroE}, ` +
    `while d_P = ${ci(eq.map((r) => num(r.dP)))} > 0 (it sees the half-plane through q_S). Started inside the half-plane, P = ${ci(inside.map((r) => num(r.P)))}: ` +
    'the same two policies are no longer equivalent, as Sec. IV.A says of a start distribution that reaches state 1.';
}

// V.2 ----------------------------------------------------------------------------------

/** One seed's expert matrices, rebuilt from the `experts` rows. */
export interface ExpertMatrices {
  seed: number;
  n: number;
  latent: number[];
  query: boolean[];
  /** [n, n] each, symmetric, zero diagonal. */
  dP: Float64Array;
  P: Float64Array;
  dE: Float64Array;
}

/** Rebuild the d_P, P and d_E matrices of every seed from the tidy `experts` table. */
export function expertMatrices(rows: readonly Row[]): ExpertMatrices[] {
  return seedsOf(rows).map((seed) => {
    const g = rows.filter((r) => num(r.seed) === seed);
    const n = 1 + Math.max(...g.map((r) => num(r.j)));
    if (g.length !== (n * (n - 1)) / 2) throw new Error(`experts rows of seed ${seed}: ${g.length} pairs, expected ${(n * (n - 1)) / 2} for ${n} experts`);
    const m: ExpertMatrices = { seed, n, latent: new Array(n).fill(-1), query: new Array(n).fill(false), dP: new Float64Array(n * n), P: new Float64Array(n * n), dE: new Float64Array(n * n) };
    for (const r of g) {
      const i = num(r.i), j = num(r.j);
      for (const key of ['dP', 'P', 'dE'] as const) m[key][i * n + j] = m[key][j * n + i] = num(r[key]);
      m.latent[i] = num(r.latentI);
      m.latent[j] = num(r.latentJ);
      m.query[i] = r.queryI === true || r.queryI === 'true';
      m.query[j] = r.queryJ === true || r.queryJ === 'true';
    }
    return m;
  });
}

export const EXPERT_METRICS: Record<'dP' | 'P' | 'dE', string> = {
  dP: 'd_P (Def. 2): mean √J over q_S',
  P: 'P (Def. 4): √J summed along each expert\'s own trajectories',
  dE: 'd_E (Def. 3): mean √J over states both experts visit',
};

/** Heatmaps of one seed's expert matrices, a slider over the three distances; types in group order, * marks query types. */
export function expertHeatmapFigure(matrices: readonly ExpertMatrices[], seed: number): Figure {
  const m = matrices.find((x) => x.seed === seed);
  if (!m) throw new Error(`expertHeatmapFigure: no expert matrices for seed ${seed}`);
  const labels = m.latent.map((g, i) => `t${i}${m.query[i] ? '*' : ''} (g${g})`);
  const steps = (Object.keys(EXPERT_METRICS) as ('dP' | 'P' | 'dE')[]).map((key) => ({
    label: EXPERT_METRICS[key].split(' ')[0],
    traces: [heatmapTrace(m[key], m.n, labels, { zmin: 0, zmax: Math.max(...m[key]), name: EXPERT_METRICS[key] })],
  }));
  return sliderFigure(steps, {
    title: { text: `Pairwise distances of the ${m.n} experts (seed ${seed}); * = query type, held out in V.3 and V.4` },
    height: 660, xaxis: { tickfont: { size: 9 } }, yaxis: { tickfont: { size: 9 }, autorange: 'reversed' },
  }, 'distance: ');
}

/**
 * Per distance: mean within-group and between-group values, their ratio, and the ARI of
 * K-medoids (k = number of groups) against the latent groups; 95% intervals over seeds.
 */
export function expertGroupingTable(matrices: readonly ExpertMatrices[]): Row[] {
  return (Object.keys(EXPERT_METRICS) as ('dP' | 'P' | 'dE')[]).map((key) => {
    const per = matrices.map((m) => {
      const gd = groupDistances(m[key], m.latent);
      const km = kmedoids(m[key], new Set(m.latent).size, new Rng(m.seed * 7919 + 17));
      return { ...gd, ari: adjustedRandIndex(km.labels, m.latent) };
    });
    return {
      distance: EXPERT_METRICS[key], within: ci(per.map((p) => p.within)), between: ci(per.map((p) => p.between)),
      'between / within': ci(per.map((p) => p.ratio)), 'ARI of K-medoids': ci(per.map((p) => p.ari)),
    };
  });
}

/** The experts' training, in one sentence: return before and after training. */
export function describeExperts(training: readonly Row[]): string {
  const last = Math.max(...training.map((r) => num(r.update)));
  const perSeed = (u: number) => meanBy(training.filter((r) => num(r.update) === u), ['seed'], 'return').map((r) => num(r.return));
  const finals = training.filter((r) => num(r.update) === last).map((r) => num(r.return));
  return `Mean expert return goes from ${ci(perSeed(0))} before training to ${ci(perSeed(last))} after ${last} VPG updates ` +
    `(95% intervals over seeds; single experts range from ${fmt(Math.min(...finals))} to ${fmt(Math.max(...finals))}).`;
}

// V.3 ----------------------------------------------------------------------------------

/** Histogram of d_P over support pairs, same group vs different groups, with eps marked. */
export function epsilonFigure(pairs: readonly Row[], epsilon: number): Figure {
  const support = pairs.filter((r) => r.split === 'support');
  const trace = (same: number, name: string, color: string): Trace => ({
    type: 'histogram', x: support.filter((r) => num(r.same) === same).map((r) => num(r.dP)), name, opacity: 0.6,
    marker: { color }, xbins: { size: 0.02 }, hovertemplate: `${name}<br>d_P %{x}: %{y} pairs<extra></extra>`,
  });
  const top = support.length;
  return {
    data: [
      trace(1, 'same latent group', '#2ca02c'), trace(0, 'different groups', '#d62728'),
      { type: 'scatter', mode: 'lines', x: [epsilon, epsilon], y: [0, top / 8], name: `ε = ${epsilon}`, line: { color: 'black', width: 2, dash: 'dash' } },
    ],
    layout: {
      barmode: 'overlay', title: { text: `d_P between experts of support types, all seeds (label 1 when d_P < ε)` },
      xaxis: { title: { text: 'd_P(expert_i, expert_j)' } }, yaxis: { title: { text: 'pairs' } }, height: 420,
    },
  };
}

/** Loss and balanced accuracy of f_phi on its training pairs during training, 95% bands over seeds. */
export function siameseTrainingFigure(siamese: readonly Row[]): Figure {
  const band = (value: string, color: string, name: string): BandSeries => {
    const s = summarize(siamese, ['step'], value);
    return { name, x: s.map((r) => num(r.step)), mean: s.map((r) => num(r.mean)), lo: s.map((r) => num(r.lo)), hi: s.map((r) => num(r.hi)), color };
  };
  const seeds = seedsOf(siamese).length;
  const fig = panelBandFigure([
    { title: 'class-balanced cross-entropy', series: [band('loss', '#1f77b4', 'loss')] },
    { title: 'balanced accuracy against the ε labels', series: [band('balancedAccuracy', '#d62728', 'balanced accuracy')] },
  ], { title: `Training f_φ on the support pairs (Alg. 1, l.16; 95% CI over ${seeds} seeds)`, xTitle: 'Adam step', columns: 2 });
  return { ...fig, layout: { ...fig.layout, showlegend: false } }; // the panel titles name the curves
}

/**
 * Per seed, how well each classifier tells same-group from different-group pairs:
 *   f_phi on held-out pairs; the eps rule on held-out pairs (d_P of held-out experts);
 *   the eps rule on support pairs (the quality of f_phi's training labels);
 *   f_phi against its own teacher (the rule's labels) on held-out pairs.
 * Rows: seed, evaluation, auc, accuracy, balancedAccuracy.
 */
export function siameseScores(pairs: readonly Row[], threshold: number): Row[] {
  const out: Row[] = [];
  const f = (r: Row) => num(r.score), negDp = (r: Row) => -num(r.dP);
  const fSays = (r: Row) => (num(r.score) >= threshold ? 1 : 0), ruleSays = (r: Row) => num(r.rule);
  const same = (r: Row) => num(r.same);
  // evaluation, split, ranking score (for the ROC), decision (0/1, for the accuracies), truth
  const evals: [string, string, (r: Row) => number, (r: Row) => number, (r: Row) => number][] = [
    ['f_φ vs same group, held-out pairs', 'held-out', f, fSays, same],
    ['d_P < ε rule vs same group, held-out pairs', 'held-out', negDp, ruleSays, same],
    ['d_P < ε rule vs same group, support pairs (the training labels)', 'support', negDp, ruleSays, same],
    ['f_φ vs the ε-rule labels, held-out pairs (does it reproduce its teacher?)', 'held-out', f, fSays, ruleSays],
  ];
  for (const seed of seedsOf(pairs)) {
    const ps = pairs.filter((r) => num(r.seed) === seed);
    for (const [evaluation, split, score, decide, truth] of evals) {
      const rs = ps.filter((r) => r.split === split);
      if (rs.length === 0) continue;
      const labels = rs.map(truth);
      const acc = accuracyAt(rs.map(decide), labels, 0.5);
      const both = labels.includes(1) && labels.includes(0);
      out.push({ seed, evaluation, auc: both ? rocCurve(rs.map(score), labels).auc : NaN, accuracy: acc.accuracy, balancedAccuracy: acc.balancedAccuracy, pairs: rs.length, positives: labels.filter((l) => l === 1).length });
    }
  }
  return out;
}

/** The Siamese table: AUC, accuracy and balanced accuracy per evaluation, 95% intervals over seeds. */
export function siameseTable(scores: readonly Row[]): Row[] {
  const evals = [...new Set(scores.map((r) => String(r.evaluation)))];
  return evals.map((e) => {
    const rs = scores.filter((r) => r.evaluation === e);
    return {
      evaluation: e, seeds: rs.length, 'pairs (positives) per seed': `${num(rs[0].pairs)} (${fmt(mean(rs.map((r) => num(r.positives))), 1)})`,
      AUC: ci(rs.map((r) => num(r.auc))), accuracy: ci(rs.map((r) => num(r.accuracy))), 'balanced accuracy': ci(rs.map((r) => num(r.balancedAccuracy))),
    };
  });
}

/** ROC curves on the held-out pairs, all seeds pooled: f_phi and the eps rule's score -d_P. */
export function siameseRocFigure(pairs: readonly Row[]): Figure {
  const held = pairs.filter((r) => r.split === 'held-out');
  const labels = held.map((r) => num(r.same));
  const curves: [string, number[], string][] = [
    ['f_φ (Siamese)', held.map((r) => num(r.score)), '#d62728'],
    ['−d_P of the held-out experts (the ε rule\'s score)', held.map((r) => -num(r.dP)), '#1f77b4'],
  ];
  const data: Trace[] = curves.map(([name, scores, color]) => {
    const roc = rocCurve(scores, labels);
    return { type: 'scatter', mode: 'lines', name: `${name}: pooled AUC ${roc.auc.toFixed(3)}`, x: roc.fpr, y: roc.tpr, line: { color, width: 2, shape: 'hv' }, hovertemplate: `${name}<br>FPR %{x:.3f}, TPR %{y:.3f}<extra></extra>` };
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'chance', x: [0, 1], y: [0, 1], line: { color: '#999', dash: 'dot' } });
  return {
    data,
    layout: {
      title: { text: `Same latent group or not, on held-out pairs (${held.length} pairs over ${seedsOf(held).length} seeds)` },
      xaxis: { title: { text: 'false-positive rate' }, range: [0, 1] }, yaxis: { title: { text: 'true-positive rate' }, range: [0, 1.02] }, height: 480,
    },
  };
}

/** Siamese results in one sentence each. */
export function describeSiamese(scores: readonly Row[]): string[] {
  return siameseTable(scores).map((r) => `${r.evaluation}: AUC ${r.AUC}, accuracy ${r.accuracy}, balanced accuracy ${r['balanced accuracy']} (${r.seeds} seeds).`);
}

// V.4 ----------------------------------------------------------------------------------

const learnersOf = (rows: readonly Row[]) => META_LEARNERS.filter((l) => rows.some((r) => r.learner === l));
const armsOf = (rows: readonly Row[]) => REPLAY_ARMS.filter((a) => rows.some((r) => r.arm === a));

/**
 * What meta-training put into R, per learner: offers and acceptances per seed (95%
 * intervals over seeds), the support types and entries per latent group (means over
 * seeds), and the median loss L of the offered tau'.
 */
export function bufferTable(meta: readonly Row[], latentGroups: number): Row[] {
  return learnersOf(meta).map((learner) => {
    const rs = meta.filter((r) => r.learner === learner);
    const seeds = seedsOf(rs);
    const per = seeds.map((seed) => {
      const mine = rs.filter((r) => num(r.seed) === seed), acc = mine.filter((r) => num(r.accepted) === 1);
      return { offered: mine.length, accepted: acc.length, types: new Set(acc.map((r) => num(r.type))).size, groups: Array.from({ length: latentGroups }, (_, g) => acc.filter((r) => num(r.latent) === g).length) };
    });
    return {
      learner: LEARNER_LABELS[learner], seeds: seeds.length, 'offers per seed': fmt(mean(per.map((p) => p.offered)), 1),
      'accepted per seed': ci(per.map((p) => p.accepted)), 'support types in R': fmt(mean(per.map((p) => p.types)), 1),
      'entries per latent group (mean over seeds)': Array.from({ length: latentGroups }, (_, g) => mean(per.map((p) => p.groups[g])).toFixed(1)).join(' / '),
      'median loss L of the offered τ′': fmt(median(rs.map((r) => num(r.loss)))),
      'share of offers below δ': fmt(rs.filter((r) => num(r.accepted) === 1).length / rs.length),
    };
  });
}

/** Move a panel figure's legend below the x-axis titles, with `bottom` px of margin for it. */
function legendBelow(fig: Figure, bottom: number): Figure {
  const layout = fig.layout ?? {};
  const height = Number(layout.height ?? 450);
  return {
    ...fig,
    layout: {
      ...layout, height: height + bottom - 90, margin: { l: 60, r: 20, t: 70, b: bottom },
      legend: { orientation: 'h', x: 0.5, xanchor: 'center', y: 0, yanchor: 'bottom', yref: 'container' },
    },
  };
}

function perSeedArm(adaptation: readonly Row[]): Row[] {
  return meanBy(adaptation, ['seed', 'learner', 'arm', 'update'], 'return');
}

function armBand(rows: readonly Row[], arm: ReplayArm): BandSeries {
  const s = summarize(rows.filter((r) => r.arm === arm), ['update'], 'return');
  return { name: ARM_LABELS[arm], x: s.map((r) => num(r.update)), mean: s.map((r) => num(r.mean)), lo: s.map((r) => num(r.lo)), hi: s.map((r) => num(r.hi)), color: ARM_COLORS[arm], dash: arm === 'none' ? 'dot' : 'solid' };
}

/** Reward against update per arm, one panel per meta-learner (mean over query types within a seed, 95% bands over seeds). */
export function adaptationFigure(adaptation: readonly Row[]): Figure {
  const perSeed = perSeedArm(adaptation);
  const panels = learnersOf(perSeed).map((learner) => {
    const rows = perSeed.filter((r) => r.learner === learner);
    return { title: LEARNER_LABELS[learner], series: armsOf(rows).map((arm) => armBand(rows, arm)) };
  });
  return legendBelow(panelBandFigure(panels, {
    title: `Reward on the unseen query types (mean over query types; 95% CI over ${seedsOf(adaptation).length} seeds)`,
    xTitle: 'VPG update on the query type', yTitle: 'mean episode reward', columns: 2, panelHeight: 380,
  }), 150);
}

/** One meta-learner's adaptation, one panel per query type (95% bands over seeds). */
export function adaptationQueryFigure(adaptation: readonly Row[], learner: MetaLearner): Figure {
  const rows = adaptation.filter((r) => r.learner === learner);
  if (rows.length === 0) throw new Error(`adaptationQueryFigure: no adaptation rows of learner ${learner}`);
  const queries = [...new Set(rows.map((r) => num(r.query)))].sort((a, b) => a - b);
  const panels = queries.map((q) => {
    const rs = rows.filter((r) => num(r.query) === q);
    return { title: `query type ${q} (latent ${rs[0].queryLatent})`, series: armsOf(rs).map((arm) => armBand(rs, arm)) };
  });
  return legendBelow(panelBandFigure(panels, { title: `${LEARNER_LABELS[learner]}: per query type (95% CI over ${seedsOf(rows).length} seeds)`, xTitle: 'VPG update', yTitle: 'mean reward', columns: 3 }), 150);
}

/**
 * Reward after `update` updates per learner and arm (mean over query types within a
 * seed, 95% interval over seeds), and each replay arm's paired difference with "none" of
 * the same learner.
 */
export function replayEffectTable(adaptation: readonly Row[], update: number): Row[] {
  const perSeed = perSeedArm(adaptation).filter((r) => num(r.update) === update);
  if (perSeed.length === 0) throw new Error(`replayEffectTable: no adaptation rows at update ${update}`);
  const out: Row[] = [];
  for (const learner of learnersOf(perSeed)) {
    const mine = perSeed.filter((r) => r.learner === learner);
    const bySeed = (arm: string) => new Map(mine.filter((r) => r.arm === arm).map((r) => [num(r.seed), num(r.return)]));
    const none = bySeed('none');
    for (const arm of armsOf(mine)) {
      const vals = mine.filter((r) => r.arm === arm).map((r) => num(r.return));
      const row: Row = { learner, arm: ARM_LABELS[arm], [`reward after ${update} update${update === 1 ? '' : 's'}`]: ci(vals), seeds: vals.length };
      if (arm !== 'none') {
        const c = pairedComparison(bySeed(arm), none);
        row['arm minus no replay'] = `${fmt(c.mean)} [${fmt(c.lo)}, ${fmt(c.hi)}]`;
        row['replay'] = c.verdict === 'wins' ? 'helps' : c.verdict === 'loses' ? 'hurts' : 'no clear effect';
      }
      out.push(row);
    }
  }
  return out;
}

/**
 * Per learner and replay arm, over the updates of all seeds and query types: how often a
 * replay sample was drawn, its size, the ESS / n of its importance weights (mean per
 * seed, 95% interval over seeds), the largest weight, the mean log-ratio, and the share of
 * eligible tasks in the query's own group (the filter's precision).
 */
export function replayStatsTable(adaptation: readonly Row[]): Row[] {
  const updates = adaptation.filter((r) => num(r.update) >= 1 && r.arm !== 'none');
  const out: Row[] = [];
  for (const learner of learnersOf(updates)) {
    for (const arm of armsOf(updates.filter((r) => r.learner === learner))) {
      const rs = updates.filter((r) => r.learner === learner && r.arm === arm), drawn = rs.filter((r) => num(r.replayTrajectories) > 0);
      const essPerSeed = meanBy(drawn, ['seed'], 'ess').map((r) => num(r.ess));
      const elig = rs.reduce((s, r) => s + num(r.eligible), 0), same = rs.reduce((s, r) => s + num(r.eligibleSameGroup), 0);
      out.push({
        learner, arm: ARM_LABELS[arm], updates: rs.length, 'updates with replay': `${drawn.length} (${(100 * drawn.length / Math.max(rs.length, 1)).toFixed(0)}%)`,
        'eligible tasks per update': fmt(mean(rs.map((r) => num(r.eligible)))),
        'eligible tasks in the query\'s group': elig > 0 ? `${(100 * same / elig).toFixed(0)}%` : '–',
        'replayed trajectories per update': drawn.length > 0 ? fmt(mean(drawn.map((r) => num(r.replayTrajectories)))) : '–',
        'ESS / n of the weights': essPerSeed.length > 0 ? ci(essPerSeed) : '–',
        'median largest weight': drawn.length > 0 ? fmt(median(drawn.map((r) => num(r.maxWeight)))) : '–',
        'mean ln ρ': drawn.length > 0 ? fmt(mean(drawn.map((r) => num(r.meanLogRatio)))) : '–',
      });
    }
  }
  return out;
}

/** The replay effect in plain words, per learner and replay arm, after the first and the last update. */
export function describeReplayEffect(adaptation: readonly Row[]): string[] {
  const last = Math.max(...adaptation.map((r) => num(r.update)));
  const lines: string[] = [];
  for (const update of [...new Set([1, last])]) {
    for (const r of replayEffectTable(adaptation, update)) {
      if (r['arm minus no replay'] === undefined) continue;
      lines.push(`${LEARNER_LABELS[r.learner as MetaLearner]}, after ${update} update${update === 1 ? '' : 's'}: ${r.arm} minus no replay = ${r['arm minus no replay']} (paired over ${r.seeds} seeds, 95% interval): ${r.replay}.`);
    }
  }
  return lines;
}
