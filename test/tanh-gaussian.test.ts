import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { readFlat } from '../lib/policies/mlp';
import { tanhGaussianAct, tanhGaussianLogProb, tanhGaussianTf } from '../lib/policies/tanh-gaussian';

describe('tanh-Gaussian policy', () => {
  it('gives log pi = -log(2 pi)/2 per dimension at u = 0 with mu = 0, sigma = 1 (hand case)', () => {
    assert.ok(Math.abs(tanhGaussianLogProb([0], [0], [0]) + 0.5 * Math.log(2 * Math.PI)) < 1e-12);
    // u = 1, mu = 0.5, log sigma = log 2: N(1; 0.5, 2) and the Jacobian 1 - tanh(1)^2
    const expected = -0.5 * (0.25 / 4) - Math.log(2) - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - Math.tanh(1) ** 2);
    assert.ok(Math.abs(tanhGaussianLogProb([1], [0.5], [Math.log(2)]) - expected) < 1e-12);
  });

  it('is a density on (-1, 1): exp(log pi(a)) integrates to 1 (numeric integral)', () => {
    for (const [mu, ls] of [[0, 0], [0.8, -0.5], [-1.5, 0.7]]) {
      const n = 200000;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const a = -1 + (2 * (i + 0.5)) / n;
        total += Math.exp(tanhGaussianLogProb([Math.atanh(a)], [mu], [ls])) * (2 / n);
      }
      assert.ok(Math.abs(total - 1) < 2e-3, `mu ${mu}, log sigma ${ls}: integral ${total}`);
    }
  });

  it('computes the same actions and log-probabilities in tfjs as the plain reference', () => {
    const rng = new Rng(1);
    const N = 6, A = 2;
    const out = Float32Array.from({ length: N * 2 * A }, () => rng.normal());
    const eps = Float32Array.from({ length: N * A }, () => rng.normal());
    tf.tidy(() => {
      const s = tanhGaussianTf(tf.tensor2d(out, [N, 2 * A]), tf.tensor2d(eps, [N, A]));
      const lp = s.logProb.dataSync(), act = s.action.dataSync();
      for (let r = 0; r < N; r++) {
        const mu = out.subarray(r * 4, r * 4 + 2), ls = out.subarray(r * 4 + 2, r * 4 + 4);
        const u = [0, 1].map((j) => mu[j] + Math.exp(ls[j]) * eps[r * 2 + j]);
        assert.ok(Math.abs(lp[r] - tanhGaussianLogProb(u, mu, ls)) < 1e-4, `row ${r}`);
        for (let j = 0; j < 2; j++) assert.ok(Math.abs(act[r * 2 + j] - Math.tanh(u[j])) < 1e-6);
      }
    });
  });

  it('has gradients in mu and log sigma that match central finite differences', () => {
    const rng = new Rng(2);
    const N = 3, A = 2;
    const out = Float64Array.from({ length: N * 2 * A }, () => 0.7 * rng.normal());
    const eps = Float64Array.from({ length: N * A }, () => rng.normal());
    const c = Float64Array.from({ length: N * A }, () => rng.normal());
    // f = sum_r log pi_r + sum c * a: both outputs of a reparameterised draw
    const f = (o: Float64Array) => {
      let s = 0;
      for (let r = 0; r < N; r++) {
        const mu = o.subarray(r * 4, r * 4 + 2), ls = o.subarray(r * 4 + 2, r * 4 + 4);
        const u = [0, 1].map((j) => mu[j] + Math.exp(ls[j]) * eps[r * 2 + j]);
        s += tanhGaussianLogProb(u, mu, ls) + c[r * 2] * Math.tanh(u[0]) + c[r * 2 + 1] * Math.tanh(u[1]);
      }
      return s;
    };
    const g = tf.tidy(() => readFlat(tf.grads((o: TF.Tensor) => {
      const s = tanhGaussianTf(o as TF.Tensor2D, tf.tensor2d(Float32Array.from(eps), [N, A]));
      return tf.add(tf.sum(s.logProb), tf.sum(tf.mul(s.action, tf.tensor2d(Float32Array.from(c), [N, A]))));
    })([tf.tensor2d(Float32Array.from(out), [N, 2 * A])])));
    for (let i = 0; i < out.length; i++) {
      const h = 1e-6, save = out[i];
      out[i] = save + h;
      const up = f(out);
      out[i] = save - h;
      const down = f(out);
      out[i] = save;
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[i]) < 2e-3 * (1 + Math.abs(fd)), `output ${i}: finite difference ${fd}, gradient ${g[i]}`);
    }
  });

  it('acts with tanh(mu) when deterministic and within [-1, 1] when sampling', () => {
    const out = Float32Array.from([0.5, -2, 0, 0]);
    assert.deepStrictEqual(Array.from(tanhGaussianAct(out, 1, 2, new Rng(0), true)), [Math.tanh(0.5), Math.tanh(-2)].map(Math.fround));
    const a = tanhGaussianAct(Float32Array.from({ length: 400 }, (_, i) => (i % 4 < 2 ? 0.5 : 1)), 100, 2, new Rng(1), false);
    assert.ok(a.every((v) => v >= -1 && v <= 1)); // float32 rounds tanh of large |u| to exactly +-1
    assert.ok(a.some((v) => v < 0) && a.some((v) => v > 0.9));
  });
});
