/**
 * Checks of paper 001's metric theory on concrete policies: an equivalent-but-unequal
 * policy made from any policy by a hidden unit that fires only where the policy never
 * goes (Sec. IV.A's two-state example, on the flat theta), and the measured violations of
 * the metric axioms by a distance matrix.
 *
 * Reference: A. Zahed, "Policy Metrics for Hindsight MAML" (idea note), Sec. IV.A and Def. 1-4.
 */
import { check } from '../core/config';
import { paramCount, PolicySpec } from '../policies/softmax-mlp';

// ---------------------------------------------------------------------------------------
// Equivalent-but-unequal policies (Sec. IV.A's two-state example, on the flat theta)
// ---------------------------------------------------------------------------------------

/** Where and how `dormantUnitVariant` changes a policy. */
export interface DormantUnit {
  /** Hidden unit j to use; it must be unused by theta (its output weights W2[j, :] all zero). */
  unit: number;
  /** Input weights w (length obsDim): the unit is active where w . s + b > 0. */
  w: readonly number[];
  /** Bias b of the unit. */
  b: number;
  /** Added to the logits per unit of activation: W2[j, :] (length nActions). */
  logits: readonly number[];
}

/**
 * A policy that equals theta wherever w . s + b <= 0 and differs where w . s + b > 0: the
 * flat-theta analogue of Sec. IV.A's two-state example. Hidden unit j (unused by theta) is
 * wired to fire only in that half-plane and to shift the logits there. If no trajectory of
 * pi_theta enters the half-plane, the two policies are equivalent (Def. 1) but unequal:
 * P = d_E = 0 while d_P > 0 for a q_S that covers the half-plane. Layout of theta as in
 * policy.ts: W1 [obsDim, H] at 0, b1 [H] at obsDim*H, W2 [H, A] at obsDim*H + H.
 */
export function dormantUnitVariant(theta: Float32Array, spec: PolicySpec, d: DormantUnit): Float32Array {
  const { obsDim: D, hidden: H, nActions: A } = spec;
  if (theta.length !== paramCount(spec)) throw new RangeError(`dormantUnitVariant: theta has ${theta.length} parameters, expected ${paramCount(spec)}`);
  check.intInRange('dormantUnitVariant', 'unit', d.unit, 0, H - 1);
  if (d.w.length !== D || d.logits.length !== A) {
    throw new RangeError(`dormantUnitVariant: "w" needs ${D} weights and "logits" ${A}, got ${d.w.length} and ${d.logits.length}`);
  }
  const w2 = D * H + H;
  for (let a = 0; a < A; a++) {
    if (theta[w2 + d.unit * A + a] !== 0) {
      throw new RangeError(`dormantUnitVariant: hidden unit ${d.unit} is used by theta (W2[${d.unit}, ${a}] = ${theta[w2 + d.unit * A + a]}); pick an unused unit`);
    }
  }
  const out = theta.slice();
  for (let i = 0; i < D; i++) out[i * H + d.unit] = d.w[i];
  out[D * H + d.unit] = d.b;
  for (let a = 0; a < A; a++) out[w2 + d.unit * A + a] = d.logits[a];
  return out;
}

// ---------------------------------------------------------------------------------------
// Measured violations of the metric axioms
// ---------------------------------------------------------------------------------------

/** How far a matrix of distances is from a metric. */
export interface AxiomViolations {
  /** Number of points M. */
  M: number;
  /** max_i |D[i, i]| (identity: d(x, x) = 0). */
  maxDiagonal: number;
  /** Off-diagonal entries <= tol: pairs the distance cannot tell apart (0 for a metric on distinct points). */
  zeroOffDiagonal: number;
  /** Entries < -tol (non-negativity). */
  negative: number;
  /** max_{i,j} |D[i, j] - D[j, i]| (symmetry). */
  maxAsymmetry: number;
  /** Ordered triples (i, j, k) of distinct points checked for D[i,k] <= D[i,j] + D[j,k]. */
  triangleChecked: number;
  /** Triples with D[i,k] > D[i,j] + D[j,k] + tol. */
  triangleViolations: number;
  /** Largest excess D[i,k] - D[i,j] - D[j,k] over all triples (<= 0 when none is violated). */
  maxTriangleExcess: number;
  /** Largest excess relative to D[i,k]. */
  maxRelativeExcess: number;
  /** The triple [i, j, k] with the largest excess, or null when M < 3. */
  worstTriple: [number, number, number] | null;
}

/**
 * Check the metric axioms on a distance matrix (for the notebook's "measured violations").
 * NaN entries (e.g. d_E with an empty S'_hat) are skipped.
 * @param D [M, M] row-major
 * @param tol slack for rounding
 */
export function metricAxiomViolations(D: ArrayLike<number>, M: number, tol = 1e-9): AxiomViolations {
  if (!Number.isInteger(M) || M < 1 || D.length !== M * M) throw new RangeError(`metricAxiomViolations: D must be an [M, M] matrix, got length ${D.length} for M = ${M}`);
  check.nonNegative('metricAxiomViolations', 'tol', tol);
  let maxDiagonal = 0, zeroOffDiagonal = 0, negative = 0, maxAsymmetry = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < M; j++) {
      const d = D[i * M + j];
      if (Number.isNaN(d)) continue;
      if (d < -tol) negative++;
      if (i === j) maxDiagonal = Math.max(maxDiagonal, Math.abs(d));
      else {
        if (Math.abs(d) <= tol) zeroOffDiagonal++;
        const e = D[j * M + i];
        if (!Number.isNaN(e)) maxAsymmetry = Math.max(maxAsymmetry, Math.abs(d - e));
      }
    }
  }
  let checked = 0, violations = 0, maxExcess = -Infinity, maxRel = -Infinity;
  let worst: [number, number, number] | null = null;
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < M; k++) {
      if (k === i) continue;
      const dik = D[i * M + k];
      for (let j = 0; j < M; j++) {
        if (j === i || j === k) continue;
        const via = D[i * M + j] + D[j * M + k];
        if (Number.isNaN(dik) || Number.isNaN(via)) continue;
        checked++;
        const excess = dik - via;
        if (excess > tol) violations++;
        if (excess > maxExcess) {
          maxExcess = excess;
          worst = [i, j, k];
        }
        if (dik > 0) maxRel = Math.max(maxRel, excess / dik);
      }
    }
  }
  return {
    M, maxDiagonal, zeroOffDiagonal, negative, maxAsymmetry,
    triangleChecked: checked, triangleViolations: violations,
    maxTriangleExcess: checked > 0 ? maxExcess : 0,
    maxRelativeExcess: Number.isFinite(maxRel) ? maxRel : 0,
    worstTriple: worst,
  };
}
