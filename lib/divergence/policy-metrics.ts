/**
 * Policy metrics of paper 001 (Zahed, "Policy Metrics for Hindsight MAML", Sec. IV), the
 * symmetric-KL bounds on the Jensen-Shannon divergence, and their closed forms for
 * diagonal Gaussians (continuous actions).
 *
 * J is the Jensen-Shannon divergence (natural log, `jensen.ts`); sqrt(J) is a metric on
 * distributions (Endres & Schindelin 2003). With it the paper defines three distances
 * between policies pi_theta, pi_phi of one MDP:
 *
 *   Def. 2  d_P(pi_theta, pi_phi) = E_{s ~ q_S}  [ sqrt J(pi_theta(s), pi_phi(s)) ]      q_S > 0 on all of S
 *   Def. 3  d_E([pi_theta], [pi_phi]) = E_{s ~ q_S'} [ sqrt J(...) ]                     S' = states both policies reach
 *   Def. 4  P(pi_theta, pi_phi) = E_{tau ~ p_theta}[ sum_{s in tau} sqrt J ] + E_{tau ~ p_phi}[ sum_{s in tau} sqrt J ]
 *
 * d_P is a metric on policies but separates policies that behave identically (they may
 * differ in states neither ever visits); d_E is a metric on behaviour classes (Def. 1)
 * but needs S'; P needs only trajectories of the two policies, is 0 for equivalent
 * policies and > 0 otherwise, but is not a metric (no triangle inequality).
 *
 * Estimators used here (all plain typed-array math after one batched forward pass, `batchedActionProbs`):
 *
 * - d_P: q_S is the uniform distribution on a box of states (`sampleStates`); the mean of
 *   sqrt J over n fixed samples is itself a (pseudo)metric, so the sampled matrix obeys
 *   the triangle inequality exactly, not just in expectation.
 *
 * - d_E: see equivalence-metric.ts (Def. 3 needs the states both policies reach).
 *
 * - P: the expectation over p_theta is the mean over rollouts of pi_theta, the sum over
 *   s in tau runs over the decision states s_0 .. s_{L-1} of the trajectory (the states
 *   at which an action is drawn, as in Def. 1's tau in (S x A)^H; the final state s_L
 *   carries no decision). With that convention P = 0 exactly for an equivalent pair.
 *
 * References: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note) (Sec. II, III, IV: Def. 1-4 and
 * the two bounds). D. M. Endres, J. E. Schindelin, "A new metric for probability
 * distributions", IEEE Trans. Inf. Theory 49(7), 2003. G. E. Crooks, "Inequalities
 * between the Jensen-Shannon and Jeffreys divergences", technical note, 2008.
 */
import { int, Resolved, resolver, section, vec2 } from '../core/schema';
import { jsSpan } from './jensen';
import { batchedActionProbs, paramCount, PolicySpec } from '../policies/softmax-mlp';
import { Rng } from '../core/rng';
import { TrajectoryBatch } from '../policies/rollout';

// ---------------------------------------------------------------------------------------
// States for q_S (Def. 2)
// ---------------------------------------------------------------------------------------

/**
 * Def. 2 needs q_S(s) > 0 on every state; on the unbounded plane we take q_S uniform on a
 * box. The default [-1, 2]^2 covers where particles go from the origin toward (1, 1)
 * within the horizon under good and random policies of the default testbed.
 */
export const stateSampleSchema = section({
  n: int.positive().default(1024).describe('number of states n drawn from q_S'),
  lo: vec2.default([-1, -1]).describe('lower corner [x, y] of the box q_S is uniform on'),
  hi: vec2.default([2, 2]).describe('upper corner [x, y] of the box'),
}).superRefine((c, ctx) => {
  if (!(c.hi[0] > c.lo[0] && c.hi[1] > c.lo[1])) ctx.addIssue({ code: 'custom', path: ['hi'], message: `must exceed "lo" in both coordinates, got lo ${JSON.stringify(c.lo)} and hi ${JSON.stringify(c.hi)}` });
});
export type StateSampleConfig = Resolved<typeof stateSampleSchema>;
export const stateSampleConfig = resolver('state sample config', stateSampleSchema);
export const STATE_SAMPLE_DEFAULTS: StateSampleConfig = stateSampleConfig();

/** n states s ~ q_S = U(box), [n, 2]; two draws per state from `rng`. */
export function sampleStates(cfg: StateSampleConfig, rng: Rng): Float32Array {
  const s = new Float32Array(cfg.n * 2);
  for (let k = 0; k < cfg.n; k++) {
    s[2 * k] = rng.uniform(cfg.lo[0], cfg.hi[0]);
    s[2 * k + 1] = rng.uniform(cfg.lo[1], cfg.hi[1]);
  }
  return s;
}

// ---------------------------------------------------------------------------------------
// sqrt J between rows of two [N, A] probability arrays
// ---------------------------------------------------------------------------------------

/** sqrt J(p[n, :], q[n, :]) for one row n. */
export function sqrtJsRow(p: ArrayLike<number>, q: ArrayLike<number>, n: number, A: number): number {
  return Math.sqrt(jsSpan(p, n * A, q, n * A, A));
}

/** Sum over rows n in [from, to) of sqrt J(p[n], q[n]). */
function sumSqrtJs(p: ArrayLike<number>, q: ArrayLike<number>, from: number, to: number, A: number): number {
  let s = 0;
  for (let n = from; n < to; n++) s += sqrtJsRow(p, q, n, A);
  return s;
}

// ---------------------------------------------------------------------------------------
// Def. 2: the policy metric d_P
// ---------------------------------------------------------------------------------------

function checkStates(states: Float32Array, spec: PolicySpec, where: string): number {
  const n = states.length / spec.obsDim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${where}: states must be a non-empty [n, ${spec.obsDim}] array, got length ${states.length}`);
  return n;
}

/**
 * d_P(pi_a, pi_b) = 1/n sum_k sqrt J(pi_a(s_k), pi_b(s_k)), s_k ~ q_S (Def. 2).
 * @param states [n, obsDim] samples of q_S (e.g. `sampleStates`)
 */
export function policyMetric(thetaA: Float32Array, thetaB: Float32Array, states: Float32Array, spec: PolicySpec): number {
  const n = checkStates(states, spec, 'policyMetric');
  const [pa, pb] = batchedActionProbs([thetaA, thetaB], states, spec);
  return sumSqrtJs(pa, pb, 0, n, spec.nActions) / n;
}

/**
 * The matrix D[i, j] = d_P(pi_i, pi_j) of M policies on the same n states, with one batched
 * forward pass for all policies. Every entry, the diagonal included, is computed (not
 * mirrored or set), so the axioms can be checked on it.
 * @param thetas M flat parameter vectors
 * @param states [n, obsDim]
 * @returns [M, M] row-major
 */
export function policyMetricMatrix(thetas: readonly Float32Array[], states: Float32Array, spec: PolicySpec): Float64Array {
  const n = checkStates(states, spec, 'policyMetricMatrix');
  const M = thetas.length, A = spec.nActions;
  const probs = batchedActionProbs(thetas, states, spec);
  const D = new Float64Array(M * M);
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) D[i * M + j] = sumSqrtJs(probs[i], probs[j], 0, n, A) / n;
  return D;
}

// ---------------------------------------------------------------------------------------
// Decision states of rollouts (for d_E and P)
// ---------------------------------------------------------------------------------------

/**
 * The decision states of a batch: s_t for every step with mask = 1, row-major.
 *
 * | Field  | Shape   | Description                                  |
 * |--------|---------|----------------------------------------------|
 * | states | [n, 2]  | s_t, in the order (b, t)                     |
 * | row    | [n]     | row b of the batch each state comes from     |
 */
export function decisionStates(batch: TrajectoryBatch): { states: Float32Array; row: Int32Array } {
  const { B, T, mask } = batch;
  let n = 0;
  for (let k = 0; k < B * T; k++) n += mask[k];
  const states = new Float32Array(n * 2), row = new Int32Array(n);
  let i = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (!mask[b * T + t]) continue;
      const k = (b * (T + 1) + t) * 2;
      states[2 * i] = batch.states[k];
      states[2 * i + 1] = batch.states[k + 1];
      row[i] = b;
      i++;
    }
  }
  return { states, row };
}

/**
 * Decision states of M batches pooled into one array so that every policy is evaluated
 * on every state in one forward pass. Policy i's states are rows [offset[i], offset[i+1]).
 */
export function pool(batches: readonly TrajectoryBatch[]): { states: Float32Array; offset: Int32Array } {
  const parts = batches.map((b) => decisionStates(b).states);
  const offset = new Int32Array(parts.length + 1);
  parts.forEach((p, i) => (offset[i + 1] = offset[i] + p.length / 2));
  const states = new Float32Array(offset[parts.length] * 2);
  parts.forEach((p, i) => states.set(p, offset[i] * 2));
  return { states, offset };
}

export function checkBatches(thetas: readonly Float32Array[], batches: readonly TrajectoryBatch[], spec: PolicySpec, where: string): void {
  if (thetas.length !== batches.length) throw new RangeError(`${where}: ${thetas.length} policies but ${batches.length} batches of rollouts`);
  if (spec.obsDim !== 2) throw new RangeError(`${where}: trajectory batches hold 2D states, but spec.obsDim is ${spec.obsDim}`);
  batches.forEach((b, i) => {
    if (b.B < 1) throw new RangeError(`${where}: batch ${i} has no rollouts`);
  });
  const P = paramCount(spec);
  thetas.forEach((t, i) => {
    if (t.length !== P) throw new RangeError(`${where}: policy ${i} has ${t.length} parameters, expected ${P}`);
  });
}

// ---------------------------------------------------------------------------------------
// Def. 4: the policy divergence P
// ---------------------------------------------------------------------------------------

/**
 * P and its two halves. Paper 001 calls P the "Policy Divergence"; it is named
 * `trajectoryDivergence` here (it sums sqrt J along trajectories) to keep it apart from
 * paper 000's `policyDivergence` in divergence.ts, a different quantity.
 */
export interface TrajectoryDivergence {
  /** P = fromA + fromB. */
  P: number;
  /** E_{tau ~ p_A}[sum_{s in tau} sqrt J]: mean over A's rollouts. */
  fromA: number;
  /** E_{tau ~ p_B}[sum_{s in tau} sqrt J]: mean over B's rollouts. */
  fromB: number;
}

/**
 * P(pi_A, pi_B) (Def. 4) from rollouts of each policy on the same MDP.
 * @param batchA rollouts of pi_A; batchB rollouts of pi_B
 */
export function trajectoryDivergence(thetaA: Float32Array, thetaB: Float32Array, batchA: TrajectoryBatch, batchB: TrajectoryBatch,
  spec: PolicySpec): TrajectoryDivergence {
  const D = trajectoryDivergenceParts([thetaA, thetaB], [batchA, batchB], spec);
  // D[i, j] = E_{tau ~ p_i}[sum sqrt J(pi_i, pi_j)]
  const fromA = D[0 * 2 + 1], fromB = D[1 * 2 + 0];
  return { P: fromA + fromB, fromA, fromB };
}

/**
 * H[i, j] = E_{tau ~ p_i}[ sum_{s in tau} sqrt J(pi_i(s), pi_j(s)) ], the half of P
 * estimated from policy i's own rollouts, for all pairs, with one batched forward pass.
 * @returns [M, M] row-major; P[i, j] = H[i, j] + H[j, i]
 */
export function trajectoryDivergenceParts(thetas: readonly Float32Array[], batches: readonly TrajectoryBatch[], spec: PolicySpec): Float64Array {
  checkBatches(thetas, batches, spec, 'trajectoryDivergence');
  const M = thetas.length, A = spec.nActions;
  const { states, offset } = pool(batches);
  const H = new Float64Array(M * M);
  if (states.length === 0) return H;
  const probs = batchedActionProbs(thetas, states, spec);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      H[i * M + j] = sumSqrtJs(probs[i], probs[j], offset[i], offset[i + 1], A) / batches[i].B;
    }
  }
  return H;
}

/**
 * The matrix P[i, j] = P(pi_i, pi_j) (Def. 4) of M policies, batches[i] being rollouts of
 * pi_i on the shared MDP. Symmetric by definition; not a metric (no triangle inequality).
 * @returns [M, M] row-major
 */
export function trajectoryDivergenceMatrix(thetas: readonly Float32Array[], batches: readonly TrajectoryBatch[], spec: PolicySpec): Float64Array {
  const H = trajectoryDivergenceParts(thetas, batches, spec);
  const M = thetas.length;
  const P = new Float64Array(M * M);
  for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) P[i * M + j] = H[i * M + j] + H[j * M + i];
  return P;
}
