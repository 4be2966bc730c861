import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import { gruForward, gruInit, gruOffsets, gruParamCount, gruSequenceTf, gruSpec, gruStep, gruStepTf, packGru } from '../lib/policies/gru';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';

describe('GRU cell', () => {
  it('rejects a hidden size of 0 and a fractional input size, naming the field', () => {
    assert.throws(() => gruSpec({ inputSize: 8, hiddenSize: 0 }), /gru spec: "hiddenSize" must be an integer > 0, got 0/);
    assert.throws(() => gruSpec({ inputSize: 1.5, hiddenSize: 4 }), /"inputSize"/);
  });

  it('counts 3H(I + H + 2) parameters in the documented layout', () => {
    const spec = gruSpec({ inputSize: 4, hiddenSize: 6 });
    assert.strictEqual(gruParamCount(spec), 3 * 6 * (4 + 6 + 2));
    assert.deepStrictEqual(gruOffsets(spec), { wx: 0, wh: 72, bx: 72 + 108, bh: 72 + 108 + 18, end: 216 });
    assert.throws(() => packGru(new Float32Array(215), spec), /216 GRU parameters/);
  });

  // I = H = 1. Row 0: x = 0, h = 0.5, only Wh_n = 4 ln 2:
  //   r = z = sigmoid(0) = 1/2, n = tanh(1/2 * 4 ln2 * 1/2) = tanh(ln 2) = 3/5, h' = 0.3 + 0.25 = 0.55.
  // Row 1: x = 1, h = 0, Wx_z = ln 3, Wx_n = ln 2:
  //   z = sigmoid(ln 3) = 3/4, n = tanh(ln 2) = 3/5, h' = 1/4 * 3/5 = 0.15.
  const handSpec = gruSpec({ inputSize: 1, hiddenSize: 1 });
  const handTheta = () => {
    const theta = new Float32Array(gruParamCount(handSpec));
    const o = gruOffsets(handSpec);
    theta[o.wx + 1] = Math.log(3); // Wx_z
    theta[o.wx + 2] = Math.log(2); // Wx_n
    theta[o.wh + 2] = 4 * Math.log(2); // Wh_n
    return theta;
  };

  it('typed-array step matches a hand-computed case', () => {
    const out = gruStep(packGru(handTheta(), handSpec), [0, 1], [0.5, 0], new Float64Array(2));
    assert.ok(Math.abs(out[0] - 0.55) < 1e-6 && Math.abs(out[1] - 0.15) < 1e-6, `got ${Array.from(out)}`);
  });

  it('tfjs step matches the same hand-computed case', () => {
    const out = tf.tidy(() => gruStepTf(tf.tensor1d(handTheta()), handSpec, tf.tensor2d([[0], [1]]), tf.tensor2d([[0.5], [0]])).dataSync());
    assert.ok(Math.abs(out[0] - 0.55) < 1e-6 && Math.abs(out[1] - 0.15) < 1e-6, `got ${Array.from(out)}`);
  });

  it('keeps the state where the mask is 0', () => {
    const out = gruStep(packGru(handTheta(), handSpec), [0, 1], [0.5, 0.2], new Float64Array(2), [1, 0]);
    assert.ok(Math.abs(out[0] - 0.55) < 1e-6);
    assert.strictEqual(out[1], 0.2);
  });

  const spec = gruSpec({ inputSize: 4, hiddenSize: 6 });
  const B = 3, T = 5;
  const rng = new Rng(11);
  const theta = gruInit(spec, rng);
  const xs = Float32Array.from({ length: B * T * spec.inputSize }, () => rng.uniform(-1, 1));
  const h0 = Float32Array.from({ length: B * spec.hiddenSize }, () => rng.uniform(-0.5, 0.5));
  // Row 1 is padded after 3 steps, row 2 skips its second step.
  const mask = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1]);
  const C = Float32Array.from({ length: B * T * spec.hiddenSize }, () => rng.uniform(-1, 1));

  it('tfjs sequence equals the typed-array sequence, masks included', () => {
    const ref = gruForward(theta, spec, xs, B, T, h0, mask);
    const got = tf.tidy(() => gruSequenceTf(tf.tensor1d(theta), spec, tf.tensor3d(xs, [B, T, 4]), tf.tensor2d(h0, [B, 6]), tf.tensor2d(mask, [B, T])).dataSync());
    for (let k = 0; k < ref.length; k++) assert.ok(Math.abs(ref[k] - got[k]) < 1e-5, `entry ${k}: ${ref[k]} vs ${got[k]}`);
    // Padding keeps the state: row 1's states after steps 3 and 4 equal the one after step 2.
    const H = 6, at = (b: number, t: number) => Array.from(ref.slice((b * T + t) * H, (b * T + t + 1) * H));
    assert.deepStrictEqual(at(1, 4), at(1, 2));
    assert.deepStrictEqual(at(2, 1), at(2, 0));
  });

  it('BPTT gradient of the flat parameters matches central finite differences', () => {
    const loss = (th: ArrayLike<number>) => {
      const hs = gruForward(th, spec, xs, B, T, h0, mask);
      let s = 0;
      for (let k = 0; k < hs.length; k++) s += C[k] * hs[k];
      return s;
    };
    const grad = tf.tidy(() => {
      const f = (th: TF.Tensor) => tf.sum(tf.mul(gruSequenceTf(th as TF.Tensor1D, spec, tf.tensor3d(xs, [B, T, 4]), tf.tensor2d(h0, [B, 6]), tf.tensor2d(mask, [B, T])), tf.tensor3d(C, [B, T, 6]))) as TF.Scalar;
      return tf.grad(f)(tf.tensor1d(theta)).dataSync();
    });
    const th = Float64Array.from(theta), eps = 1e-5;
    let worst = 0;
    for (let k = 0; k < th.length; k++) {
      const keep = th[k];
      th[k] = keep + eps;
      const up = loss(th);
      th[k] = keep - eps;
      const down = loss(th);
      th[k] = keep;
      const num = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(num - grad[k]) / (1e-3 + Math.abs(num)));
    }
    assert.ok(worst < 1e-3, `worst relative gradient error ${worst}`);
  });

  it('leaks no tensors over repeated BPTT gradients', () => {
    const once = () => tf.tidy(() => {
      const f = (th: TF.Tensor) => tf.sum(gruSequenceTf(th as TF.Tensor1D, spec, tf.tensor3d(xs, [B, T, 4]), tf.zeros([B, 6]) as TF.Tensor2D)) as TF.Scalar;
      return tf.grad(f)(tf.tensor1d(theta)).dataSync();
    });
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) once();
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
