/**
 * Multi-layer perceptrons over flat parameters: the networks of the off-policy methods
 * (SAC/PEARL's actor, critics, value net and context encoder; TD3/MQL's actor and critics).
 *
 * A network is plain data: its weights are one flat Float32Array `theta`, and an
 * `MlpLayout` names the blocks in it. Copying, averaging, Polyak updates, Adam and
 * sending to worker threads are loops over that array. Two forward passes compute the
 * same function:
 *
 * - `mlpTf(layout, w, x)`: functional tfjs ops on per-block tensors `w` (from
 *   `uploadMlp`), for gradients. Hidden layers are one fused MatMul+bias+ReLU kernel each
 *   (`tf.fused.matMul`), so a 3-layer net costs 3 kernels forward. Separate networks are
 *   separate chains: the wasm backend's batched MatMul (rank 3, batch > 1) is about 10x
 *   slower than plain MatMuls of the same size, and its fused MatMul takes only rank-1
 *   biases, so stacking twin critics into one batched MatMul does not pay there.
 * - `mlpForward(layout, theta, x, n)`: plain typed-array math for rollouts (a tfjs call
 *   costs 25-50 µs, far more than a 2-64-64-4 forward pass on a few rows).
 *
 * Layout of theta, row-major, layer by layer (inputs I, hidden sizes H1..HL, output O):
 *
 * | block | shape      | init                                   |
 * |-------|------------|----------------------------------------|
 * | W1    | [I, H1]    | U(-1/sqrt(I), 1/sqrt(I))               |
 * | b1    | [H1]       | biasInit (rlkit: 0.1)                  |
 * | ...   |            |                                        |
 * | Wout  | [HL, O]    | U(-outInit, outInit) (rlkit: 3e-3)     |
 * | bout  | [O]        | U(-outInit, outInit)                   |
 *
 * The initialisation follows rlkit, the code base of PEARL (fan-in uniform hidden
 * weights, hidden biases 0.1, a near-zero last layer, so first Q-values and action means
 * are close to 0).
 */
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../core/rng';
import { int, Resolved, resolver, section, z } from '../core/schema';
import { tf } from '../core/tf';

export const mlpSchema = section({
  input: int.positive().describe('input size I'),
  hidden: z.array(int.positive()).min(1).describe('hidden layer sizes H1..HL (ReLU)'),
  output: int.positive().describe('output size O (linear)'),
});
/** Sizes of one MLP. */
export type MlpSpec = Resolved<typeof mlpSchema>;
export const mlpSpec = resolver('mlp spec', mlpSchema);

/** One named block of theta. */
export interface MlpBlock {
  /** "W1", "b1", ..., "W3", "b3" (the last pair is the output layer). */
  name: string;
  /** [rows, cols] for weights, [cols] for biases. */
  shape: number[];
  offset: number;
  size: number;
}

export interface MlpLayout {
  spec: MlpSpec;
  /** Layer sizes [I, H1, ..., HL, O]. */
  sizes: number[];
  /** W1, b1, W2, b2, ... in theta order. */
  blocks: MlpBlock[];
  /** Number of parameters (length of theta). */
  size: number;
}

export function mlpLayout(spec: MlpSpec): MlpLayout {
  const sizes = [spec.input, ...spec.hidden, spec.output];
  const blocks: MlpBlock[] = [];
  let offset = 0;
  for (let l = 1; l < sizes.length; l++) {
    const w = sizes[l - 1] * sizes[l];
    blocks.push({ name: `W${l}`, shape: [sizes[l - 1], sizes[l]], offset, size: w });
    offset += w;
    blocks.push({ name: `b${l}`, shape: [sizes[l]], offset, size: sizes[l] });
    offset += sizes[l];
  }
  return { spec, sizes, blocks, size: offset };
}

export interface MlpInit {
  /** Hidden biases start here (rlkit: 0.1). */
  biasInit: number;
  /** Output weights and biases ~ U(-outInit, outInit) (rlkit: 3e-3). */
  outInit: number;
}

export const RLKIT_INIT: MlpInit = { biasInit: 0.1, outInit: 3e-3 };

/** Fresh weights (see the table in the file comment). */
export function initMlp(layout: MlpLayout, rng: Rng, init: MlpInit = RLKIT_INIT): Float32Array {
  const theta = new Float32Array(layout.size);
  const L = layout.sizes.length - 1;
  for (const b of layout.blocks) {
    const layer = Number(b.name.slice(1));
    const isOut = layer === L;
    if (b.name[0] === 'W') {
      const a = isOut ? init.outInit : 1 / Math.sqrt(b.shape[0]);
      for (let i = 0; i < b.size; i++) theta[b.offset + i] = rng.uniform(-a, a);
    } else if (isOut) {
      for (let i = 0; i < b.size; i++) theta[b.offset + i] = rng.uniform(-init.outInit, init.outInit);
    } else {
      theta.fill(init.biasInit, b.offset, b.offset + b.size);
    }
  }
  return theta;
}

function checkTheta(layout: MlpLayout, theta: Float32Array, where: string): void {
  if (!(theta instanceof Float32Array) || theta.length !== layout.size) {
    throw new RangeError(`${where}: theta must be a Float32Array of ${layout.size} parameters for sizes [${layout.sizes}], got ${theta?.length}`);
  }
}

/**
 * One tensor per block of theta, for the tfjs passes: W_l as [1, in, out] (rank 3, what
 * the wasm MatMul kernels take without reshapes), b_l as [out]. The caller disposes them
 * (or calls this inside tf.tidy).
 */
export function uploadMlp(layout: MlpLayout, theta: Float32Array): TF.Tensor[] {
  checkTheta(layout, theta, 'uploadMlp');
  return layout.blocks.map((b) => tf.tensor(theta.subarray(b.offset, b.offset + b.size), b.shape.length === 2 ? [1, ...b.shape] : b.shape, 'float32'));
}

/**
 * The transposed weights W_l^T as [1, out, in] tensors (transposed in plain JS, then
 * uploaded), for `mlpBackwardTf`'s input gradients: an upload costs less than a Transpose
 * kernel. Biases are not included (index l holds layer l + 1's W^T).
 */
export function uploadMlpT(layout: MlpLayout, theta: Float32Array): TF.Tensor[] {
  checkTheta(layout, theta, 'uploadMlpT');
  const out: TF.Tensor[] = [];
  for (const b of layout.blocks) {
    if (b.shape.length !== 2) continue;
    const [I, O] = b.shape, t = new Float32Array(I * O);
    for (let i = 0; i < I; i++) for (let j = 0; j < O; j++) t[j * I + i] = theta[b.offset + i * O + j];
    out.push(tf.tensor(t, [1, O, I], 'float32'));
  }
  return out;
}

const engine = () => tf.engine();

/** a [1, n, k] x b [1, k, m] -> [1, n, m]: the MatMul kernel itself (no op wrapper, no reshapes). */
export function mm3(a: TF.Tensor, b: TF.Tensor): TF.Tensor3D {
  return engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }) as TF.Tensor3D;
}

/** relu or identity of a [1, n, k] x W [1, k, m] + b [m]: one fused kernel. */
export function fmm3(a: TF.Tensor, W: TF.Tensor, b: TF.Tensor, relu: boolean): TF.Tensor3D {
  return engine().runKernel('_FusedMatMul', { a, b: W, bias: b }, { transposeA: false, transposeB: false, activation: relu ? 'relu' : 'linear', leakyreluAlpha: 0 }) as TF.Tensor3D;
}

/** [1, n, k] -> [1, k, n] */
export function t3(a: TF.Tensor): TF.Tensor3D {
  return tf.transpose(a, [0, 2, 1]) as TF.Tensor3D;
}

/** Rows as a rank-3 tensor [1, N, d] (a free reshape when given [N, d]). */
export function rows3(x: TF.Tensor): TF.Tensor3D {
  if (x.rank === 3 && x.shape[0] === 1) return x as TF.Tensor3D;
  if (x.rank === 2) return tf.reshape(x, [1, x.shape[0], x.shape[1] as number]) as TF.Tensor3D;
  throw new RangeError(`rows3: expected [N, d] or [1, N, d], got [${x.shape}]`);
}

/**
 * One dense layer y = act(x W + b) as a single fused kernel, with a hand-written gradient
 * that transposes explicitly:
 *
 *   dpre = dy * step(y) (ReLU) or dy (linear);   dx = dpre transpose(W);
 *   dW = transpose(x) dpre;                       db = sum_rows dpre
 *
 * Why: tfjs' own MatMul gradient calls MatMul with transposeA / transposeB, which the wasm
 * backend runs on a slow generic path (measured 10-30x slower than a Transpose kernel
 * followed by a plain MatMul at 512 x 64 x 64). First-order only (the off-policy methods
 * need no second derivatives); checked against finite differences in test/mlp.test.ts.
 * @param x [1, N, in]; W [1, in, out]; b [out]
 */
export function denseTf(x: TF.Tensor3D, W: TF.Tensor3D, b: TF.Tensor, relu: boolean): TF.Tensor3D {
  const f = tf.customGrad(((xi: TF.Tensor3D, Wi: TF.Tensor3D, bi: TF.Tensor, save: (ts: TF.Tensor[]) => void) => {
    const y = fmm3(xi, Wi, bi, relu);
    save([xi, Wi, y]);
    return {
      value: y,
      gradFunc: (dy: TF.Tensor3D, saved: TF.Tensor[]) => {
        const [xs, Ws, ys] = saved as [TF.Tensor3D, TF.Tensor3D, TF.Tensor3D];
        const dpre = relu ? tf.mul(dy, tf.step(ys)) : dy;
        return [mm3(dpre, t3(Ws)), mm3(t3(xs), dpre), tf.sum(dpre, [0, 1])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, W, b) as TF.Tensor3D;
}

/**
 * Forward pass in tfjs for tfjs autodiff (the reference for the explicit backward pass):
 * ReLU hidden layers, linear output, one fused kernel per layer (`denseTf`).
 * @param w the block tensors, in layout order (from `uploadMlp`)
 * @param x [N, I] or [1, N, I]
 * @returns [N, O] or [1, N, O], the rank of x
 */
export function mlpTf(layout: MlpLayout, w: readonly TF.Tensor[], x: TF.Tensor): TF.Tensor {
  if (w.length !== layout.blocks.length) throw new RangeError(`mlpTf: expected ${layout.blocks.length} weight tensors, got ${w.length}`);
  if (x.shape[x.rank - 1] !== layout.sizes[0]) throw new RangeError(`mlpTf: input must have ${layout.sizes[0]} columns, got [${x.shape}]`);
  let h = rows3(x);
  const L = layout.sizes.length - 1;
  for (let l = 0; l < L; l++) h = denseTf(h, w[2 * l] as TF.Tensor3D, w[2 * l + 1], l < L - 1);
  return x.rank === 2 ? tf.reshape(h, [h.shape[1], h.shape[2]]) : h;
}

/** A kept [1, 1, n] row of ones per n (bias gradients); created once, never disposed. */
const ONES = new Map<number, TF.Tensor3D>();
export function onesRow(n: number): TF.Tensor3D {
  let t = ONES.get(n);
  if (!t || t.isDisposed) {
    t = tf.keep(tf.ones([1, 1, n]) as TF.Tensor3D);
    ONES.set(n, t);
  }
  return t;
}

/** What `mlpForwardTf` keeps for the backward pass (all [1, N, .]). */
export interface MlpTape {
  /** the input [1, N, I] */
  x: TF.Tensor3D;
  /** post-ReLU activations of the hidden layers, [1, N, H_l] each */
  h: TF.Tensor3D[];
  /** the output [1, N, O] */
  out: TF.Tensor3D;
}

/**
 * Forward pass that keeps its activations, for `mlpBackwardTf` (explicit backpropagation:
 * no gradient tape, no saved-tensor clones, no reshapes: one fused kernel per layer).
 * Rows are rank 3, [1, N, d], the shape the wasm MatMul kernels take as is.
 * @param x [1, N, I]
 */
export function mlpForwardTf(layout: MlpLayout, w: readonly TF.Tensor[], x: TF.Tensor3D): MlpTape {
  if (w.length !== layout.blocks.length) throw new RangeError(`mlpForwardTf: expected ${layout.blocks.length} weight tensors, got ${w.length}`);
  if (x.rank !== 3 || x.shape[0] !== 1 || x.shape[2] !== layout.sizes[0]) {
    throw new RangeError(`mlpForwardTf: input must be [1, N, ${layout.sizes[0]}], got [${x.shape}]`);
  }
  const L = layout.sizes.length - 1;
  const h: TF.Tensor3D[] = [];
  let a = x;
  for (let l = 0; l < L; l++) {
    a = fmm3(a, w[2 * l], w[2 * l + 1], l < L - 1);
    if (l < L - 1) h.push(a);
  }
  return { x, h, out: a };
}

/**
 * Backward pass of `mlpForwardTf`: the gradients of sum(dOut * out) with respect to the
 * weights (in layout order, W as [1, in, out], b as [1, 1, out]) and/or the input. Per
 * layer, from the top:
 *
 *   dpre = dOut (output layer) or dh * step(h) (ReLU);   dW = transpose(a_in) dpre;
 *   db = ones dpre;                                      da_in = dpre transpose(W)
 *
 * Transposes are explicit kernels: the wasm backend runs MatMul with transposeA/B on a
 * slow generic path (10-30x slower at 512 x 64 x 64). Bias gradients are a row of ones
 * times dpre (6x faster there than a sum over rows, which transposes first).
 * `weights: false` skips dW, db (a network read through frozen weights); `input: false`
 * skips the first layer's da_in. `wT` (from `uploadMlpT`) replaces the Transpose kernels
 * of the weights.
 */
export function mlpBackwardTf(
  layout: MlpLayout, w: readonly TF.Tensor[], tape: MlpTape, dOut: TF.Tensor3D,
  want: { weights: boolean; input: boolean }, wT?: readonly TF.Tensor[],
): { dW: TF.Tensor[] | null; dx: TF.Tensor3D | null } {
  const L = layout.sizes.length - 1;
  const dW: TF.Tensor[] = new Array(2 * L);
  let dpre = dOut;
  let dx: TF.Tensor3D | null = null;
  const ones = onesRow(tape.x.shape[1]);
  for (let l = L - 1; l >= 0; l--) {
    const aIn = l === 0 ? tape.x : tape.h[l - 1];
    if (want.weights) {
      dW[2 * l] = mm3(t3(aIn), dpre);
      dW[2 * l + 1] = mm3(ones, dpre);
    }
    if (l > 0 || want.input) {
      const da = mm3(dpre, wT ? wT[l] : t3(w[2 * l]));
      if (l === 0) dx = da;
      else dpre = tf.mul(da, tf.step(tape.h[l - 1])) as TF.Tensor3D;
    }
  }
  return { dW: want.weights ? dW : null, dx };
}

/**
 * Forward pass in plain typed-array math (for rollouts; no tfjs call).
 * @param x [n, I] row-major
 * @returns [n, O] as a new Float32Array
 */
export function mlpForward(layout: MlpLayout, theta: Float32Array, x: ArrayLike<number>, n: number): Float32Array {
  checkTheta(layout, theta, 'mlpForward');
  const sizes = layout.sizes;
  if (x.length !== n * sizes[0]) throw new RangeError(`mlpForward: input must hold ${n} x ${sizes[0]} values, got ${x.length}`);
  const L = sizes.length - 1;
  let input: ArrayLike<number> = x;
  let out = new Float32Array(0);
  for (let l = 0; l < L; l++) {
    const I = sizes[l], O = sizes[l + 1];
    const W = layout.blocks[2 * l].offset, B = layout.blocks[2 * l + 1].offset;
    out = new Float32Array(n * O);
    const acc = new Float64Array(O);
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < O; j++) acc[j] = theta[B + j];
      for (let i = 0; i < I; i++) {
        const v = input[r * I + i];
        if (v === 0) continue;
        const row = W + i * O;
        for (let j = 0; j < O; j++) acc[j] += v * theta[row + j];
      }
      const relu = l < L - 1;
      for (let j = 0; j < O; j++) out[r * O + j] = relu && acc[j] < 0 ? 0 : acc[j];
    }
    input = out;
  }
  return out;
}

/** Concatenate several networks' thetas into one array (the order of `parts`). */
export function concatParams(parts: readonly Float32Array[]): Float32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Read gradient tensors into one flat Float32Array (in the order given), e.g. the
 * gradients of `uploadMlp`'s blocks come back in theta's layout. Does not dispose them.
 */
export function readFlat(ts: readonly TF.Tensor[], out?: Float32Array): Float32Array {
  let n = 0;
  for (const t of ts) n += t.size;
  const flat = out ?? new Float32Array(n);
  if (flat.length !== n) throw new RangeError(`readFlat: output holds ${flat.length} values, the tensors ${n}`);
  let o = 0;
  for (const t of ts) {
    flat.set(t.dataSync() as Float32Array, o);
    o += t.size;
  }
  return flat;
}
