/**
 * Sec. V.1 of paper 001 (Zahed, "Policy Metrics for Hindsight MAML") on the particle
 * testbed: the metric axioms of d_P, d_E and P on random policies, the two symmetric-KL
 * bounds on J on discrete, policy and Gaussian pairs, and Sec. IV.A's equivalent-but-
 * unequal pair on the plane. Each part returns tidy rows for experiments/hindsight.ts.
 */
import { RowOf } from './tables';
import { Rng } from '../core/rng';
import { int, num, Resolved, section, vec2, z } from '../core/schema';
import { jensenShannon, symmetricKl } from '../divergence/jensen';
import { equivalenceMetric, equivalenceMetricMatrix, equivalenceSchema } from '../divergence/equivalence-metric';
import { policyMetric, policyMetricMatrix, trajectoryDivergence, trajectoryDivergenceMatrix } from '../divergence/policy-metrics';
import { DormantUnit, dormantUnitVariant, metricAxiomViolations } from '../divergence/metric-checks';
import { DiagGaussian, gaussianJensenShannonMc, gaussianSymmetricKl, jsBoundHalfS, jsBoundLog } from '../divergence/js-bounds';
import { dynamics, Dynamics, EntityType, pureRemapping } from '../envs/particle';
import { Testbed } from '../envs/testbed';
import { rolloutOne, TrajectoryBatch } from '../policies/rollout';
import { actionProbs, batchedActionProbs, homingPolicy, initConfig, initParams, PolicySpec } from '../policies/softmax-mlp';

export const theorySchema = section({
  policies: int.min(3).max(200).default(12).describe("random policies whose d_P, d_E and P matrices are checked against the metric axioms"),
  outputScale: num.positive().default(3).describe('output-layer scale of their initialization (large: distinct, confident policies)'),
  type: int.min(0).default(0).describe('entity type (the MDP) on which every random policy is rolled out for d_E and P'),
  episodes: int.positive().default(8).describe('rollouts of each random policy for d_E and P'),
  discretePairs: int.positive().default(1000).describe('random pairs of discrete distributions (2 to 6 outcomes) for the bound check'),
  policyPairs: int.positive().default(1000).describe('pairs of expert action distributions pi_i(s), pi_j(s) at states of q_S for the bound check'),
  gaussianPairs: int.positive().default(150).describe('pairs of diagonal Gaussians (1 to 3 dimensions) for the bound check (continuous actions)'),
  gaussianDraws: int.min(2).max(1e7).default(2000).describe('Monte Carlo draws (from each Gaussian) per estimate of J'),
});
export type TheoryConfig = Resolved<typeof theorySchema>;

/** The hidden unit that turns pi_theta into pi_phi (metric-checks.ts `dormantUnitVariant`); it fires where w . s + b > 0. */
export const dormantSchema = section({
  unit: int.min(4).max(67).default(67).describe('hidden unit used, of the 68 (units 0-3 carry the homing policy)'),
  w: vec2.default([-1, 0]).describe('input weights of the unit'),
  b: num.default(-0.5).describe('its bias'),
  logits: z.tuple([num, num, num, num]).default([400, -400, 0, 0]).describe('what it adds to the logits (left, right, down, up) when it fires'),
});

export const equivalencePairSchema = section({
  gain: num.positive().default(20).describe("gain of the homing policy pi_theta (softmax-mlp.ts `homingPolicy`, target = the particle's target)"),
  // Fires left of x = -0.5 and there pushes left hard (0.5 activation at x = -1 outweighs the homing logits).
  dormant: dormantSchema.default({}).describe('the hidden unit that turns pi_theta into pi_phi'),
  insideStart: vec2.default([-1, 0]).describe("a start state inside the dormant unit's half-plane: with p_0 there the pair is not equivalent"),
  controlTarget: vec2.default([1, 0.2]).describe('target of the control policy, a homing policy that really behaves differently'),
  episodes: int.positive().default(16).describe('rollouts of each policy per start state (for d_E and P)'),
  metric: equivalenceSchema.default({}).describe("d_E's shared-state radius"),
}).superRefine((e, ctx) => {
  if (!(dormantActivation(e.dormant, e.insideStart[0], e.insideStart[1]) > 0)) {
    ctx.addIssue({ code: 'custom', path: ['insideStart'], message: `must lie where the dormant unit fires (w . s + b > 0), got ${JSON.stringify(e.insideStart)}` });
  }
});
export type EquivalencePairConfig = Resolved<typeof equivalencePairSchema>;

export function dormantActivation(d: Pick<DormantUnit, 'w' | 'b'>, x: number, y: number): number {
  return d.w[0] * x + d.w[1] * y + d.b;
}

/** The tables of V.1 (part of the hindsight experiment's tables). */
export const THEORY_TABLES = {
  axioms: {
    policies: 'string', metric: 'string', M: 'int', triangleChecked: 'int', triangleViolations: 'int', maxTriangleExcess: 'float',
    maxRelativeExcess: 'float', maxDiagonal: 'float', maxAsymmetry: 'float', zeroOffDiagonal: 'int', negative: 'int',
  },
  bounds: { source: 'string', dim: 'int', js: 'float', jsStderr: 'float', symKl: 'float', boundHalfS: 'float', boundLog: 'float' },
  equivalence: { pair: 'string', start: 'string', dP: 'float', dE: 'float', P: 'float', shared: 'float', statesInRegion: 'int', maxProbGap: 'float' },
} as const;
type AxiomRow = RowOf<typeof THEORY_TABLES.axioms>;
type BoundRow = RowOf<typeof THEORY_TABLES.bounds>;
type EquivalenceRow = RowOf<typeof THEORY_TABLES.equivalence>;

/** One row of `metricAxiomViolations` for the axioms table. */
export function axiomRow(policies: string, metric: string, D: ArrayLike<number>, M: number): AxiomRow {
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
export function boundsOfPair(p: ArrayLike<number>, q: ArrayLike<number>): { js: number; symKl: number; boundHalfS: number; boundLog: number } {
  const symKl = symmetricKl(p, q);
  return { js: jensenShannon(p, q), symKl, boundHalfS: jsBoundHalfS(symKl), boundLog: jsBoundLog(symKl) };
}

/** The bounds table: J, S and both bounds on discrete, policy and Gaussian pairs. */
export function boundRows(cfg: TheoryConfig, experts: readonly Float32Array[], states: Float32Array, spec: PolicySpec, rng: Rng): BoundRow[] {
  const rows: BoundRow[] = [];
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
export function randomPolicyAxioms(cfg: TheoryConfig, bed: Testbed, states: Float32Array, spec: PolicySpec, rng: Rng): AxiomRow[] {
  const thetas = Array.from({ length: cfg.policies }, () => initParams(spec, rng, initConfig({ outputScale: cfg.outputScale })));
  const batches = thetas.map((th) => rolloutOne(th, [cfg.type], cfg.episodes, bed.dyn, spec, rng));
  const M = thetas.length;
  return [
    axiomRow('random', 'd_P', policyMetricMatrix(thetas, states, spec), M),
    axiomRow('random', 'd_E', equivalenceMetricMatrix(thetas, batches, spec).D, M),
    axiomRow('random', 'P', trajectoryDivergenceMatrix(thetas, batches, spec), M),
  ];
}

/** Decision states (mask = 1) of a batch, [n, 2]. */
export function decisionStateList(batch: TrajectoryBatch): Float32Array {
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
export function equivalenceRows(cfg: EquivalencePairConfig, bed: Testbed, states: Float32Array, spec: PolicySpec, rng: Rng): EquivalenceRow[] {
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
  const rows: EquivalenceRow[] = [];
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
