/**
 * Backpropagation through time for the lab's GRU (lib/policies/gru.ts, same parameter
 * layout and gate convention) in plain typed-array math, and a tfjs op built on it.
 *
 * Why: `gruSequenceTf` costs about a dozen tfjs calls per time step forward and twice
 * that backward; at 25-50 µs a call, BPTT over T = 20 steps takes far longer than the
 * arithmetic (a few hundred thousand multiply-adds at Meta-Q-Learning's sizes). Here the
 * forward pass keeps the gates of every step and the backward pass is one loop. A loss
 * computed in tfjs from the states hs takes hs as an input of `tf.grads`, which returns
 * dL/dhs; `gruBackward` carries it on to dL/dtheta (the chain rule by hand, no tfjs
 * custom op: `tf.customGrad` keeps one tensor per call in tfjs 4.22).
 * test/gru-bptt.test.ts checks both passes against `gruSequenceTf` and finite differences.
 *
 * Backward through one step (h' = (1 - z) n + z h, see gru.ts), given dL/dh':
 *
 *   dn = dh' (1 - z)        dz = dh' (h - n)          da_n = dn (1 - n^2)
 *   dr = da_n gh_n          dgh_n = da_n r            da_z = dz z (1 - z)    da_r = dr r (1 - r)
 *   dgx = [da_r, da_z, da_n] -> dWx += x^T dgx,  dbx += dgx
 *   dgh = [da_r, da_z, dgh_n] -> dWh += h^T dgh,  dbh += dgh
 *   dh = dh' z + dgh Wh^T
 *
 * No masks: sequences here are whole fixed-length episodes (steps after an episode's end
 * only affect contexts that are themselves masked out of the losses).
 */
import { gruOffsets, gruParamCount, GruSpec } from './gru';

/** What the forward pass keeps for the backward pass. */
export interface GruTape {
  B: number;
  T: number;
  /** inputs [B, T, I] */
  xs: Float32Array;
  /** h_t after each step [B, T, H] */
  hs: Float64Array;
  /** gates r, z, n and gh_n = h_{t-1} Wh_n + bh_n, each [B, T, H] */
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  ghn: Float64Array;
}

/**
 * Forward pass over B sequences of T steps from h_0 = 0, keeping the gates.
 * @param theta GRU parameters (gru.ts layout)
 * @param xs [B, T, I]
 */
export function gruForwardTape(theta: ArrayLike<number>, spec: GruSpec, xs: Float32Array, B: number, T: number): GruTape {
  const { inputSize: I, hiddenSize: H } = spec;
  if (theta.length !== gruParamCount(spec)) throw new RangeError(`gruForwardTape: theta must hold ${gruParamCount(spec)} parameters, got ${theta.length}`);
  if (xs.length !== B * T * I) throw new RangeError(`gruForwardTape: xs has ${xs.length} entries, expected B*T*I = ${B}*${T}*${I}`);
  const o = gruOffsets(spec), H3 = 3 * H;
  const N = B * T * H;
  const hs = new Float64Array(N), r = new Float64Array(N), z = new Float64Array(N), n = new Float64Array(N), ghn = new Float64Array(N);
  const gx = new Float64Array(H3), gh = new Float64Array(H3);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const xo = (b * T + t) * I, ho = (b * T + t) * H, po = ho - H; // previous h at po (t > 0)
      for (let j = 0; j < H3; j++) {
        gx[j] = theta[o.bx + j];
        gh[j] = theta[o.bh + j];
      }
      for (let i = 0; i < I; i++) {
        const v = xs[xo + i];
        if (v === 0) continue;
        const row = o.wx + i * H3;
        for (let j = 0; j < H3; j++) gx[j] += v * theta[row + j];
      }
      if (t > 0) {
        for (let k = 0; k < H; k++) {
          const v = hs[po + k];
          if (v === 0) continue;
          const row = o.wh + k * H3;
          for (let j = 0; j < H3; j++) gh[j] += v * theta[row + j];
        }
      }
      for (let j = 0; j < H; j++) {
        const rj = 1 / (1 + Math.exp(-(gx[j] + gh[j])));
        const zj = 1 / (1 + Math.exp(-(gx[H + j] + gh[H + j])));
        const nj = Math.tanh(gx[2 * H + j] + rj * gh[2 * H + j]);
        const hp = t > 0 ? hs[po + j] : 0;
        r[ho + j] = rj;
        z[ho + j] = zj;
        n[ho + j] = nj;
        ghn[ho + j] = gh[2 * H + j];
        hs[ho + j] = (1 - zj) * nj + zj * hp;
      }
    }
  }
  return { B, T, xs, hs, r, z, n, ghn };
}

/**
 * Gradient of a loss with respect to theta, given dL/dh_t for every step.
 * @param dhs [B, T, H] dL/dh_t (the loss's direct dependence on each output)
 * @returns dL/dtheta in the gru.ts layout
 */
export function gruBackward(theta: ArrayLike<number>, spec: GruSpec, tape: GruTape, dhs: ArrayLike<number>): Float32Array {
  const { inputSize: I, hiddenSize: H } = spec;
  const { B, T, xs, hs, r, z, n, ghn } = tape;
  if (dhs.length !== B * T * H) throw new RangeError(`gruBackward: dhs has ${dhs.length} entries, expected B*T*H = ${B}*${T}*${H}`);
  const o = gruOffsets(spec), H3 = 3 * H;
  const g = new Float64Array(gruParamCount(spec));
  const dh = new Float64Array(H), dgx = new Float64Array(H3), dgh = new Float64Array(H3);
  for (let b = 0; b < B; b++) {
    dh.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const ho = (b * T + t) * H, po = ho - H, xo = (b * T + t) * I;
      for (let j = 0; j < H; j++) {
        const d = dh[j] + dhs[ho + j];
        const rj = r[ho + j], zj = z[ho + j], nj = n[ho + j];
        const hp = t > 0 ? hs[po + j] : 0;
        const dn = d * (1 - zj), dz = d * (hp - nj);
        const dan = dn * (1 - nj * nj);
        const dr = dan * ghn[ho + j];
        dgx[j] = dr * rj * (1 - rj);
        dgx[H + j] = dz * zj * (1 - zj);
        dgx[2 * H + j] = dan;
        dgh[j] = dgx[j];
        dgh[H + j] = dgx[H + j];
        dgh[2 * H + j] = dan * rj;
        dh[j] = d * zj; // the direct path; the Wh path is added below
      }
      for (let j = 0; j < H3; j++) {
        g[o.bx + j] += dgx[j];
        g[o.bh + j] += dgh[j];
      }
      for (let i = 0; i < I; i++) {
        const v = xs[xo + i];
        if (v === 0) continue;
        const row = o.wx + i * H3;
        for (let j = 0; j < H3; j++) g[row + j] += v * dgx[j];
      }
      if (t > 0) {
        for (let k = 0; k < H; k++) {
          const v = hs[po + k], row = o.wh + k * H3;
          let acc = 0;
          for (let j = 0; j < H3; j++) {
            g[row + j] += v * dgh[j];
            acc += dgh[j] * theta[row + j];
          }
          dh[k] += acc;
        }
      }
    }
  }
  return Float32Array.from(g);
}
