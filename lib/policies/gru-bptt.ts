/**
 * Backpropagation through time for the lab's GRU (lib/policies/gru.ts, same parameter
 * layout and gate convention) in plain typed-array math: a forward pass that keeps the
 * gates of every step, and one backward loop.
 *
 * Why: `gruSequenceTf` costs about a dozen tfjs calls per time step forward and twice
 * that backward; at 25-50 µs a call, BPTT over tens to hundreds of steps takes far longer
 * than the arithmetic. A loss computed in tfjs from the states hs takes hs as an input of
 * `tf.grads`, which returns dL/dhs; `gruBackward` carries it on to dL/dtheta (the chain
 * rule by hand, no tfjs custom op: `tf.customGrad` keeps one tensor per call in tfjs
 * 4.22). Used by Meta-Q-Learning's context encoder (lib/algos/td3.ts) and by RL²'s
 * recurrent policy (lib/policies/recurrent-softmax.ts).
 *
 * Sequences may start from given states h0 and may be padded: a mask m[b, t] = 0 keeps
 * h_t = h_{t-1}, as in `gruSequenceTf`. `gruBackprop` also returns dL/dh0 and dL/dxs.
 */
import { gruOffsets, gruParamCount, GruSpec, packGru } from './gru';

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * What the typed-array forward over a batch of sequences keeps for the backward pass.
 *
 * | Field | Shape      | Meaning                                             |
 * |-------|------------|-----------------------------------------------------|
 * | xs    | [B, T, I]  | inputs                                              |
 * | h0    | [B, H]     | initial states                                      |
 * | mask  | [B, T]     | 1 = step taken, 0 = skipped (h_t = h_{t-1})         |
 * | hs    | [B, T, H]  | h_t, the state after input t                        |
 * | r, z, n | [B, T, H] | gates and candidate of each taken step            |
 * | ghn   | [B, T, H]  | h_{t-1} Wh_n + bh_n (the reset gate multiplies it)   |
 */
export interface GruTape {
  spec: GruSpec;
  B: number;
  T: number;
  xs: Float64Array;
  h0: Float64Array;
  mask: Uint8Array;
  hs: Float64Array;
  r: Float64Array;
  z: Float64Array;
  n: Float64Array;
  ghn: Float64Array;
}

/**
 * A whole batch of sequences, typed-array math, keeping what `gruBackward` needs.
 * @param xs [B, T, I]
 * @param h0 [B, H], or null for zeros
 * @param mask [B, T] optional: 0 skips the step (h_t = h_{t-1})
 */
export function gruForwardTape(theta: ArrayLike<number>, spec: GruSpec, xs: ArrayLike<number>, B: number, T: number,
  h0: ArrayLike<number> | null = null, mask: ArrayLike<number> | null = null): GruTape {
  const p = packGru(theta, spec);
  const { inputSize: I, hiddenSize: H } = spec;
  const H3 = 3 * H;
  if (xs.length !== B * T * I) throw new RangeError(`gruForwardTape: xs has ${xs.length} entries, expected B*T*I = ${B}*${T}*${I}`);
  if (h0 !== null && h0.length !== B * H) throw new RangeError(`gruForwardTape: h0 has ${h0.length} entries, expected B*H = ${B}*${H}`);
  if (mask !== null && mask.length !== B * T) throw new RangeError(`gruForwardTape: mask has ${mask.length} entries, expected B*T = ${B}*${T}`);
  const tape: GruTape = {
    spec, B, T, xs: Float64Array.from(xs), h0: h0 === null ? new Float64Array(B * H) : Float64Array.from(h0),
    mask: mask === null ? new Uint8Array(B * T).fill(1) : Uint8Array.from(mask, (v) => (v ? 1 : 0)),
    hs: new Float64Array(B * T * H), r: new Float64Array(B * T * H), z: new Float64Array(B * T * H), n: new Float64Array(B * T * H), ghn: new Float64Array(B * T * H),
  };
  const { wx, wh, bx, bh, gx, gh } = p;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const bt = b * T + t, out = bt * H;
      const prev = t === 0 ? tape.h0 : tape.hs, po = t === 0 ? b * H : out - H;
      if (!tape.mask[bt]) {
        for (let j = 0; j < H; j++) tape.hs[out + j] = prev[po + j];
        continue;
      }
      gx.set(bx);
      gh.set(bh);
      for (let i = 0; i < I; i++) {
        const v = tape.xs[bt * I + i];
        if (v === 0) continue;
        const row = i * H3;
        for (let j = 0; j < H3; j++) gx[j] += v * wx[row + j];
      }
      for (let k = 0; k < H; k++) {
        const v = prev[po + k];
        if (v === 0) continue;
        const row = k * H3;
        for (let j = 0; j < H3; j++) gh[j] += v * wh[row + j];
      }
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[j] + gh[j]);
        const z = sigmoid(gx[H + j] + gh[H + j]);
        const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
        tape.r[out + j] = r;
        tape.z[out + j] = z;
        tape.n[out + j] = n;
        tape.ghn[out + j] = gh[2 * H + j];
        tape.hs[out + j] = (1 - z) * n + z * prev[po + j];
      }
    }
  }
  return tape;
}

/**
 * Backpropagation through time by hand, typed-array math: given dL/dh_t for every step
 * (dhs [B, T, H], the loss's direct dependence on each state), the gradient of L with
 * respect to the flat parameters, the initial states and the inputs. Per taken step, in
 * reverse (a = pre-activation, dh the total gradient reaching h_t):
 *
 *   dn = dh (1 - z);  dz = dh (h_{t-1} - n);  da_n = dn (1 - n^2)
 *   da_r = da_n ghn r (1 - r);  da_z = dz z (1 - z)
 *   dgx = [da_r, da_z, da_n];   dgh = [da_r, da_z, da_n r]
 *   dWx += x_t^T dgx;  dbx += dgx;  dWh += h_{t-1}^T dgh;  dbh += dgh
 *   dh_{t-1} = dh z + dgh Wh^T;  dx_t = dgx Wx^T
 *
 * and dh_{t-1} = dh at a skipped step. test/gru.test.ts and test/gru-bptt.test.ts check
 * it against tfjs' autodiff of `gruSequenceTf` and against finite differences.
 * @returns dtheta [3H(I+H+2)], dh0 [B, H], dxs [B, T, I]
 */
export function gruBackprop(theta: ArrayLike<number>, tape: GruTape, dhs: ArrayLike<number>): { dtheta: Float64Array; dh0: Float64Array; dxs: Float64Array } {
  const { spec, B, T } = tape;
  const { inputSize: I, hiddenSize: H } = spec;
  const H3 = 3 * H;
  if (dhs.length !== B * T * H) throw new RangeError(`gruBackprop: dhs has ${dhs.length} entries, expected B*T*H = ${B}*${T}*${H}`);
  const p = packGru(theta, spec), o = gruOffsets(spec);
  const dtheta = new Float64Array(gruParamCount(spec));
  const dh0 = new Float64Array(B * H), dxs = new Float64Array(B * T * I);
  const dh = new Float64Array(H), dgx = new Float64Array(H3), dgh = new Float64Array(H3), dprev = new Float64Array(H);
  for (let b = 0; b < B; b++) {
    dh.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const bt = b * T + t, at = bt * H;
      for (let j = 0; j < H; j++) dh[j] += dhs[at + j];
      if (!tape.mask[bt]) continue; // h_t = h_{t-1}: dh passes through unchanged
      const prev = t === 0 ? tape.h0 : tape.hs, po = t === 0 ? b * H : at - H;
      for (let j = 0; j < H; j++) {
        const r = tape.r[at + j], z = tape.z[at + j], n = tape.n[at + j];
        const dn = dh[j] * (1 - z);
        const dz = dh[j] * (prev[po + j] - n);
        const dan = dn * (1 - n * n);
        const dar = dan * tape.ghn[at + j] * r * (1 - r);
        const daz = dz * z * (1 - z);
        dgx[j] = dar;
        dgx[H + j] = daz;
        dgx[2 * H + j] = dan;
        dgh[j] = dar;
        dgh[H + j] = daz;
        dgh[2 * H + j] = dan * r;
        dprev[j] = dh[j] * z;
      }
      for (let i = 0; i < I; i++) {
        const v = tape.xs[bt * I + i], row = i * H3;
        let dx = 0;
        for (let j = 0; j < H3; j++) {
          dtheta[o.wx + row + j] += v * dgx[j];
          dx += p.wx[row + j] * dgx[j];
        }
        dxs[bt * I + i] = dx;
      }
      for (let k = 0; k < H; k++) {
        const v = prev[po + k], row = k * H3;
        let d = 0;
        for (let j = 0; j < H3; j++) {
          dtheta[o.wh + row + j] += v * dgh[j];
          d += p.wh[row + j] * dgh[j];
        }
        dprev[k] += d;
      }
      for (let j = 0; j < H3; j++) {
        dtheta[o.bx + j] += dgx[j];
        dtheta[o.bh + j] += dgh[j];
      }
      dh.set(dprev);
    }
    for (let j = 0; j < H; j++) dh0[b * H + j] = dh[j];
  }
  return { dtheta, dh0, dxs };
}

/**
 * Gradient of a loss with respect to theta, given dL/dh_t for every step (the
 * parameters-only form of `gruBackprop`).
 * @param dhs [B, T, H] dL/dh_t (the loss's direct dependence on each output)
 * @returns dL/dtheta in the gru.ts layout
 */
export function gruBackward(theta: ArrayLike<number>, spec: GruSpec, tape: GruTape, dhs: ArrayLike<number>): Float32Array {
  if (spec.inputSize !== tape.spec.inputSize || spec.hiddenSize !== tape.spec.hiddenSize) {
    throw new RangeError(`gruBackward: the tape was recorded with I = ${tape.spec.inputSize}, H = ${tape.spec.hiddenSize}, not I = ${spec.inputSize}, H = ${spec.hiddenSize}`);
  }
  return Float32Array.from(gruBackprop(theta, tape, dhs).dtheta);
}
