/**
 * Exact t-SNE (van der Maaten & Hinton 2008) on a precomputed distance matrix: the map of
 * paper 000's Figure 4, where the 24 policies are placed by their pairwise divergences.
 *
 * No maintained npm package takes a precomputed matrix *and* a seed: tsne-js (2016) takes
 * raw data, Karpathy's tsnejs and its forks take distances but draw from the unseeded global generator, and
 * @thi.ng/tsne is ESM-only (this lab compiles to CommonJS). At n = 24 the exact O(n^2)
 * method costs microseconds per iteration, so it is written out here, following the
 * t-SNE paper's Algorithm 1 and Sec. 3.4. Comments cite its lines as "t-SNE Alg. 1, l.N",
 * counted l.1 compute p_{j|i}, l.2 set p_ij, l.3 sample Y(0), l.4 for t = 1..T,
 * l.5 compute q_ij, l.6 compute the gradient, l.7 update Y(t):
 *
 *   input affinities: p_{j|i} = exp(-beta_i d_ij) / sum_{k != i} exp(-beta_i d_ik), d = D^power,
 *                     beta_i found by binary search so that 2^{H(P_i)} = perplexity
 *                     (H in bits; here ln(perplexity) in nats), p_ij = (p_{j|i} + p_{i|j}) / 2n
 *   output affinities: q_ij = (1 + |y_i - y_j|^2)^{-1} / sum_{k != l} (1 + |y_k - y_l|^2)^{-1}
 *   gradient:         dC/dy_i = 4 sum_j (p_ij - q_ij)(y_i - y_j)(1 + |y_i - y_j|^2)^{-1}
 *   update:           Y(t) = Y(t-1) + eta * gains * (-grad) + alpha(t) (Y(t-1) - Y(t-2))
 *
 * with early exaggeration (p_ij multiplied by `earlyExaggeration` for the first
 * `exaggerationIters` iterations), momentum alpha(t) = `momentum` then `finalMomentum`
 * after `momentumSwitch` iterations, and Jacobs' (1988) adaptive gains as in the authors'
 * reference implementation (gain + 0.2 when the gradient's sign flips against the last
 * step, gain * 0.8 otherwise, floored at `minGain`). Y(0) ~ N(0, initStd^2 I) from the rng.
 *
 * Interface: `tsneInit` (affinities + random start) returns a state; `tsneStep` advances
 * it by one iteration and returns {iteration, kl}, so a notebook can redraw the map while
 * it runs; `tsne` runs all `iterations`.
 *
 * References
 * - M. Zhang, "Characterizing Policy Divergence for Personalized Meta-Reinforcement Learning", arXiv:2010.04816, 2020, App. 6.3 and Figure 4.
 * - L. van der Maaten and G. Hinton, Visualizing data using t-SNE, JMLR 9 (2008) 2579-2605.
 * - R. A. Jacobs, Increased rates of convergence through learning rate adaptation,
 *   Neural Networks 1 (1988) 295-307.
 */
import { int, num, Resolved, resolver, section } from '../core/schema';
import { checkDistanceMatrix, DistanceInput } from './grouping';
import { Rng } from '../core/rng';

export const tsneSchema = section({
  dim: int.positive().default(2).describe('dimension of the embedding (2 for a map)'),
  perplexity: num.min(1).default(5).describe('target perplexity (effective number of neighbours) of every p_{.|i}; clamped at init to (n - 1)/3 (Rtsne\'s limit)'),
  distancePower: num.positive().default(2).describe('power on the distances in the input affinities, p_{j|i} ~ exp(-beta_i D_ij^power): 2 = Gaussian on distances (the paper); 1 when D already behaves like a squared distance (a JS divergence)'),
  iterations: int.min(0).default(1000).describe('gradient-descent iterations run by `tsne` (paper: 1000)'),
  learningRate: num.positive().default(100).describe('learning rate eta (paper: 100)'),
  earlyExaggeration: num.positive().default(4).describe('factor on P during early exaggeration (paper: 4)'),
  exaggerationIters: int.min(0).default(50).describe('number of early-exaggeration iterations (paper: 50)'),
  momentum: num.min(0).max(1).default(0.5).describe('momentum alpha(t) before momentumSwitch (paper: 0.5)'),
  finalMomentum: num.min(0).max(1).default(0.8).describe('momentum alpha(t) from momentumSwitch on (paper: 0.8)'),
  momentumSwitch: int.min(0).default(250).describe('iteration at which the momentum switches (paper: 250)'),
  minGain: num.min(0).max(1).default(0.01).describe('floor of the adaptive gains'),
  initStd: num.positive().default(1e-2).describe('standard deviation of the Gaussian initial embedding (paper: N(0, 1e-4 I), i.e. 1e-2)'),
});
export type TsneConfig = Resolved<typeof tsneSchema>;
export const tsneConfig = resolver('tsne config', tsneSchema);
export const TSNE_DEFAULTS: TsneConfig = tsneConfig();

/**
 * The optimisation state (advanced in place by `tsneStep`).
 *
 * | Field     | Shape      | Description                                         |
 * |-----------|------------|-----------------------------------------------------|
 * | P         | [n, n]     | symmetric input affinities p_ij (sum 1)             |
 * | betas     | [n]        | precision beta_i of each conditional p_{.|i}        |
 * | Y         | [n, dim]   | current embedding                                   |
 * | velocity  | [n, dim]   | last update Y(t) - Y(t-1)                           |
 * | gains     | [n, dim]   | adaptive per-coordinate gains                       |
 */
export interface TsneState {
  n: number;
  dim: number;
  P: Float64Array;
  betas: Float64Array;
  Y: Float64Array;
  velocity: Float64Array;
  gains: Float64Array;
  /** Iterations done. */
  iteration: number;
  /** The perplexity actually used (after clamping against n). */
  perplexity: number;
  config: TsneConfig;
}

/** Smallest p_ij kept (as in the reference implementation), so that log(p/q) stays finite. */
const P_FLOOR = 1e-12;

/**
 * t-SNE Alg. 1, l.1 "compute pairwise affinities p_{j|i} with perplexity Perp": binary search on
 * beta_i for each row of d (= D^power). Returns the conditional rows [n, n] and the betas.
 */
function conditionalAffinities(d: Float64Array, n: number, perplexity: number): { Pc: Float64Array; betas: Float64Array } {
  const Pc = new Float64Array(n * n), betas = new Float64Array(n);
  const target = Math.log(perplexity);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Shift by the smallest distance: exp never overflows and the nearest term is 1.
    let dmin = Infinity, dmean = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      dmin = Math.min(dmin, d[i * n + j]);
      dmean += d[i * n + j] / (n - 1);
    }
    let beta = dmean - dmin > 0 ? 1 / (dmean - dmin) : 1, lo = 0, hi = Infinity;
    for (let it = 0; it < 200; it++) {
      let Z = 0, sdp = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const e = Math.exp(-beta * (d[i * n + j] - dmin));
        row[j] = e;
        Z += e;
        sdp += e * (d[i * n + j] - dmin);
      }
      // Entropy of p_{.|i} in nats: H = ln Z + beta <d - dmin>_p.
      const H = Math.log(Z) + (beta * sdp) / Z;
      for (let j = 0; j < n; j++) Pc[i * n + j] = j === i ? 0 : row[j] / Z;
      if (Math.abs(H - target) < 1e-5) break;
      if (H > target) {
        lo = beta; // too flat: sharpen
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = (beta + lo) / 2;
      }
    }
    betas[i] = beta;
  }
  return { Pc, betas };
}

/**
 * Affinities P and the random initial embedding (t-SNE Alg. 1, l.1-3).
 * @param D [n, n] distance matrix (checked: square, symmetric, finite, >= 0, zero diagonal), n >= 2
 * @param rng draws Y(0) (n * dim normals)
 */
export function tsneInit(D: DistanceInput, cfg: TsneConfig | undefined, rng: Rng): TsneState {
  const config = cfg ?? TSNE_DEFAULTS;
  const { n, D: dist } = checkDistanceMatrix(D, 'tsne');
  if (n < 2) throw new RangeError(`tsne: needs at least 2 items, got ${n}`);
  const perplexity = Math.max(1, Math.min(config.perplexity, (n - 1) / 3));
  const d = dist.map((x) => Math.pow(x, config.distancePower));
  // t-SNE Alg. 1, l.1-2: conditional affinities, then p_ij = (p_{j|i} + p_{i|j}) / 2n.
  const { Pc, betas } = conditionalAffinities(d, n, perplexity);
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) P[i * n + j] = Math.max((Pc[i * n + j] + Pc[j * n + i]) / (2 * n), P_FLOOR);
    }
  }
  // t-SNE Alg. 1, l.3: Y(0) ~ N(0, initStd^2 I).
  const dim = config.dim;
  const Y = new Float64Array(n * dim);
  for (let k = 0; k < Y.length; k++) Y[k] = config.initStd * rng.normal();
  return {
    n, dim, P, betas, Y,
    velocity: new Float64Array(n * dim),
    gains: new Float64Array(n * dim).fill(1),
    iteration: 0, perplexity, config,
  };
}

export interface TsneStepInfo {
  /** Iterations done after this step. */
  iteration: number;
  /** KL(P || Q) (un-exaggerated P) at the embedding this step started from. */
  kl: number;
}

/** One gradient-descent iteration (t-SNE Alg. 1, l.4-7); advances `s` in place. */
export function tsneStep(s: TsneState): TsneStepInfo {
  const { n, dim, P, Y, velocity, gains, config } = s;
  const t = s.iteration;
  const exaggeration = t < config.exaggerationIters ? config.earlyExaggeration : 1;
  const alpha = t < config.momentumSwitch ? config.momentum : config.finalMomentum;
  // t-SNE Alg. 1, l.5: low-dimensional affinities, num_ij = (1 + |y_i - y_j|^2)^{-1}, q_ij = num_ij / Z.
  const num = new Float64Array(n * n);
  let Z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let r2 = 0;
      for (let k = 0; k < dim; k++) {
        const u = Y[i * dim + k] - Y[j * dim + k];
        r2 += u * u;
      }
      const v = 1 / (1 + r2);
      num[i * n + j] = num[j * n + i] = v;
      Z += 2 * v;
    }
  }
  // t-SNE Alg. 1, l.6: gradient dC/dy_i = 4 sum_j (p_ij - q_ij) num_ij (y_i - y_j); also KL(P || Q).
  const grad = new Float64Array(n * dim);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const q = Math.max(num[i * n + j] / Z, 1e-300);
      const p = P[i * n + j];
      kl += p * Math.log(p / q);
      const f = 4 * (exaggeration * p - q) * num[i * n + j];
      for (let k = 0; k < dim; k++) grad[i * dim + k] += f * (Y[i * dim + k] - Y[j * dim + k]);
    }
  }
  // t-SNE Alg. 1, l.7 with adaptive gains (Jacobs 1988): grow where the gradient turns against the last step.
  for (let k = 0; k < n * dim; k++) {
    const g = (grad[k] > 0) !== (velocity[k] > 0) ? gains[k] + 0.2 : gains[k] * 0.8;
    gains[k] = Math.max(g, config.minGain);
    velocity[k] = alpha * velocity[k] - config.learningRate * gains[k] * grad[k];
    Y[k] += velocity[k];
  }
  // Centre the map (t-SNE's cost is translation invariant).
  for (let k = 0; k < dim; k++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += Y[i * dim + k] / n;
    for (let i = 0; i < n; i++) Y[i * dim + k] -= m;
  }
  s.iteration = t + 1;
  return { iteration: s.iteration, kl };
}

/** A copy of the current embedding, [n, dim]. */
export function tsneEmbedding(s: TsneState): Float64Array {
  return s.Y.slice();
}

export interface TsneResult {
  /** Final embedding [n, dim]. */
  embedding: Float64Array;
  /** KL(P || Q) at the start of every iteration, [iterations]. */
  klHistory: number[];
  /** The perplexity actually used. */
  perplexity: number;
  config: TsneConfig;
}

/**
 * t-SNE of a precomputed distance matrix: `tsneInit`, then `iterations` of `tsneStep`.
 * @param D [n, n] distance matrix
 * @param rng draws the initial embedding
 */
export function tsne(D: DistanceInput, cfg: TsneConfig | undefined, rng: Rng): TsneResult {
  const s = tsneInit(D, cfg, rng);
  const klHistory: number[] = [];
  for (let it = 0; it < s.config.iterations; it++) klHistory.push(tsneStep(s).kl);
  return { embedding: tsneEmbedding(s), klHistory, perplexity: s.perplexity, config: s.config };
}
