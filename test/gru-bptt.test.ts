import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import { tf } from '../lib/core/tf';
import { Rng } from '../lib/core/rng';
import { gruForward, gruInit, gruSequenceTf, gruSpec } from '../lib/policies/gru';
import { gruBackward, gruForwardTape } from '../lib/policies/gru-bptt';

describe('GRU backpropagation through time in typed arrays', () => {
  const spec = gruSpec({ inputSize: 5, hiddenSize: 7 });
  const B = 3, T = 6;
  const rng = new Rng(4);
  const theta = gruInit(spec, rng);
  const xs = Float32Array.from({ length: B * T * 5 }, () => rng.normal());
  const weights = Float32Array.from({ length: B * T * 7 }, () => rng.normal());
  // L = sum_t w_t . h_t^2, so dL/dh_t = 2 w_t h_t
  const bptt = (th: Float32Array) => {
    const tape = gruForwardTape(th, spec, xs, B, T);
    return gruBackward(th, spec, tape, tape.hs.map((h, i) => 2 * weights[i] * h));
  };

  it('computes the same states as the reference forward pass', () => {
    const hs = gruForwardTape(theta, spec, xs, B, T).hs;
    const ref = gruForward(theta, spec, xs, B, T);
    for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(hs[i] - ref[i]) < 1e-12, `h[${i}] ${hs[i]} != ${ref[i]}`);
  });

  it('gives the gradient of tfjs autodiff through gruSequenceTf for a loss on every step', () => {
    const fast = bptt(theta);
    const ref = tf.tidy(() => tf.grad((th: TF.Tensor) =>
      tf.sum(tf.mul(tf.square(gruSequenceTf(th as TF.Tensor1D, spec, tf.tensor3d(xs, [B, T, 5]), tf.zeros([B, 7]))), tf.tensor3d(weights, [B, T, 7]))),
    )(tf.tensor1d(theta)).dataSync());
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(fast[i] - ref[i]) / (1e-3 + Math.abs(ref[i])));
    assert.ok(worst < 1e-3, `largest relative difference ${worst}`);
  });

  it('agrees with central finite differences of the forward pass', () => {
    const f = (th: Float32Array) => {
      const hs = gruForward(th, spec, xs, B, T);
      let s = 0;
      for (let i = 0; i < hs.length; i++) s += weights[i] * hs[i] * hs[i];
      return s;
    };
    const g = bptt(theta);
    const r = new Rng(8);
    for (let k = 0; k < 25; k++) {
      const i = r.int(theta.length), e = 1e-3;
      const p = Float32Array.from(theta), m = Float32Array.from(theta);
      p[i] += e;
      m[i] -= e;
      const fd = (f(p) - f(m)) / (2 * e);
      assert.ok(Math.abs(fd - g[i]) < 2e-3 * (1 + Math.abs(fd)), `theta[${i}]: finite difference ${fd}, BPTT ${g[i]}`);
    }
  });

  it('rejects mismatched sizes naming the argument', () => {
    assert.throws(() => gruForwardTape(theta.subarray(1), spec, xs, B, T), /theta must hold/);
    assert.throws(() => gruForwardTape(theta, spec, xs, B, T + 1), /xs has/);
    const tape = gruForwardTape(theta, spec, xs, B, T);
    assert.throws(() => gruBackward(theta, spec, tape, new Float32Array(3)), /dhs has 3 entries/);
  });
});
