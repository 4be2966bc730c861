/**
 * TD3's data and per-row math in plain typed arrays (td3.ts is the update): batches of
 * whole episodes, the GRU context inputs and contexts z_t = h_{t-1}, the clipped double-Q
 * target with target policy smoothing (Fujimoto, van Hoof & Meger, ICML 2018, eq. 10 and
 * 15), the row weights w = valid * beta and MQL's proximal term (Fakoor et al., ICLR 2020).
 */

/**
 * E episodes of T steps; row (e, t) is at e T + t. Steps after an episode's end have
 * valid = 0 (their values are zeros).
 */
export interface EpisodeBatch {
  E: number;
  T: number;
  /** s_t [E, T, S] */
  obs: Float32Array;
  /** a_t [E, T, A] */
  action: Float32Array;
  /** r_t [E, T] */
  reward: Float32Array;
  /** s_{t+1} [E, T, S] */
  next: Float32Array;
  /** 1 where the episode ended at this step by reaching the goal [E, T] (the horizon is not an end for the target) */
  done: Float32Array;
  /** 1 for real steps [E, T] */
  valid: Float32Array;
  /** task id of each episode [E] */
  task: Int32Array;
}

/** The GRU inputs x_t = (a_t, r_t, s_t) of a batch, [E, T, A + 1 + S]. */
export function contextInputs(b: EpisodeBatch, S: number, A: number): Float32Array {
  const I = A + 1 + S, N = b.E * b.T;
  const xs = new Float32Array(N * I);
  for (let k = 0; k < N; k++) {
    for (let j = 0; j < A; j++) xs[k * I + j] = b.action[k * A + j];
    xs[k * I + A] = b.reward[k];
    for (let j = 0; j < S; j++) xs[k * I + A + 1 + j] = b.obs[k * S + j];
  }
  return xs;
}

/** Contexts of every row from GRU states hs [E, T, C] (state after input t): z_t = hs[t - 1], z_0 = 0. */
export function currentContexts(hs: ArrayLike<number>, E: number, T: number, C: number): Float32Array {
  const z = new Float32Array(E * T * C);
  for (let e = 0; e < E; e++) {
    for (let t = 1; t < T; t++) {
      const dst = (e * T + t) * C, src = (e * T + t - 1) * C;
      for (let j = 0; j < C; j++) z[dst + j] = hs[src + j];
    }
  }
  return z;
}

/** Target policy smoothing (TD3 eq. 15): clip(mu' + clip(sigma eps, -c, c), -1, 1), elementwise. */
export function smoothTargetAction(mu: ArrayLike<number>, eps: ArrayLike<number>, sigma: number, c: number): Float32Array {
  const out = new Float32Array(mu.length);
  for (let i = 0; i < mu.length; i++) {
    const noise = Math.max(-c, Math.min(c, sigma * eps[i]));
    out[i] = Math.max(-1, Math.min(1, mu[i] + noise));
  }
  return out;
}

/** Clipped double-Q target (TD3 eq. 10): y = r + gamma (1 - d) min(q1', q2'). */
export function td3Target(r: ArrayLike<number>, done: ArrayLike<number>, q1: ArrayLike<number>, q2: ArrayLike<number>, gamma: number): Float32Array {
  const y = new Float32Array(r.length);
  for (let i = 0; i < r.length; i++) y[i] = r[i] + gamma * (1 - done[i]) * Math.min(q1[i], q2[i]);
  return y;
}

/** The proximal term lambda/2 ||theta - ref||^2 and its gradient lambda (theta - ref). */
export function proximalTerm(theta: Float32Array, ref: Float32Array, lambda: number): { value: number; grad: Float32Array } {
  if (theta.length !== ref.length) throw new RangeError(`proximalTerm: theta has ${theta.length} values, ref ${ref.length}`);
  const grad = new Float32Array(theta.length);
  let s = 0;
  for (let i = 0; i < theta.length; i++) {
    const d = theta[i] - ref[i];
    s += d * d;
    grad[i] = lambda * d;
  }
  return { value: 0.5 * lambda * s, grad };
}

/** Rows of several [N, width] arrays side by side, [N, sum of widths]. */
export function concatRows(parts: { data: ArrayLike<number>; width: number }[], N: number): Float32Array {
  const W = parts.reduce((s, p) => s + p.width, 0);
  const out = new Float32Array(N * W);
  for (let k = 0; k < N; k++) {
    let o = k * W;
    for (const p of parts) {
      for (let j = 0; j < p.width; j++) out[o + j] = p.data[k * p.width + j];
      o += p.width;
    }
  }
  return out;
}

/** w_k = valid_k beta_k (beta = 1 when null), [E T]. */
export function rowWeights(b: EpisodeBatch, beta: Float32Array | null): Float32Array {
  const N = b.E * b.T, w = new Float32Array(N);
  for (let k = 0; k < N; k++) w[k] = b.valid[k] * (beta ? beta[k] : 1);
  return w;
}

/** z_t = h_{t-1}: dL/dh_{t-1} = dL/dz_t (z_0 = 0 has no parameter behind it), [E, T, C]. */
export function shiftContextGrad(dz: ArrayLike<number>, E: number, T: number, C: number): Float32Array {
  const dhs = new Float32Array(E * T * C);
  for (let e = 0; e < E; e++) for (let t = 1; t < T; t++) for (let j = 0; j < C; j++) dhs[(e * T + t - 1) * C + j] = dz[(e * T + t) * C + j];
  return dhs;
}
