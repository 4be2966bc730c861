import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import {
  actionProbs, averageParams, batchedActionProbs, constantPolicy, homingPolicy, initConfig, initParams, logProbsTf, logProbsTwiceTf, packPolicy,
  PAPER_POLICY, paramCount, sampleAction,
} from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';

describe('softmax policy', () => {
  const spec = PAPER_POLICY;

  it('has 2*68 + 68 + 68*4 + 4 = 480 parameters in one flat vector', () => {
    assert.strictEqual(paramCount(spec), 480);
    assert.strictEqual(initParams(spec, new Rng(0)).length, 480);
  });

  it('starts near-uniform so that all policies begin practically indistinguishable', () => {
    const p = actionProbs(initParams(spec, new Rng(1)), [0, 0, 1, 1, -2, 3], spec);
    for (const x of p) assert.ok(Math.abs(x - 0.25) < 0.01, `prob ${x}`);
  });

  it('computes softmax(logits) for a constant policy (hand-checkable)', () => {
    // theta is float32, so ln 3 is stored to ~1e-7 relative precision.
    const p = actionProbs(constantPolicy(spec, [0, Math.log(3), 0, 0]), [5, -5], spec);
    [1 / 6, 3 / 6, 1 / 6, 1 / 6].forEach((q, a) => assert.ok(Math.abs(p[a] - q) < 1e-7, `${p[a]} vs ${q}`));
  });

  it('typed-array forward equals the tfjs forward (fast path = reference)', () => {
    const theta = initParams(spec, new Rng(2), initConfig({ outputScale: 1 }));
    const states = new Float32Array([0, 0, 0.3, -0.7, 1.5, 2.0, -1, 0.25]);
    const fast = actionProbs(theta, states, spec);
    const ref = tf.tidy(() => tf.exp(logProbsTf(tf.tensor1d(theta), tf.tensor2d(states, [4, 2]), spec)).dataSync());
    fast.forEach((x, i) => assert.ok(Math.abs(x - ref[i]) < 1e-5, `${x} vs ${ref[i]}`));
    const twice = tf.tidy(() => tf.exp(logProbsTwiceTf(tf.tensor1d(theta), tf.tensor2d(states, [4, 2]), spec)).dataSync());
    twice.forEach((x, i) => assert.ok(Math.abs(x - ref[i]) < 1e-6));
    const batched = batchedActionProbs([theta, theta], states, spec);
    batched[1].forEach((x, i) => assert.ok(Math.abs(x - fast[i]) < 1e-5));
  });

  it('samples actions with the policy\'s probabilities (fused rollout forward)', () => {
    const theta = initParams(spec, new Rng(3), initConfig({ outputScale: 3 }));
    const p = actionProbs(theta, [0.4, 0.6], spec);
    const packed = packPolicy(theta, spec), rng = new Rng(4);
    const counts = [0, 0, 0, 0], n = 40000;
    for (let i = 0; i < n; i++) counts[sampleAction(packed, 0.4, 0.6, rng)]++;
    counts.forEach((c, a) => assert.ok(Math.abs(c / n - p[a]) < 0.01, `action ${a}: ${c / n} vs ${p[a]}`));
  });

  it('homing policy presses right and up at the origin and is uniform at the target', () => {
    const p = actionProbs(homingPolicy(spec, [1, 1], 20), [0, 0, 1, 1], spec);
    assert.ok(p[1] > 0.49 && p[3] > 0.49);
    for (let a = 0; a < 4; a++) assert.ok(Math.abs(p[4 + a] - 0.25) < 1e-9);
  });

  it('twice-differentiable log-probabilities have exact second derivatives (Hessian-vector product = finite difference of the gradient)', () => {
    const theta = initParams(spec, new Rng(5), initConfig({ outputScale: 1 }));
    tf.tidy(() => {
      const s = tf.tensor2d([0.2, 0.1, -0.3, 0.5], [2, 2]);
      const pick = tf.tensor2d([1, 0, 0, 0, 0, 0, 1, 0], [2, 4]);
      const v = tf.randomNormal([480], 0, 1, 'float32', 6);
      const f = (th: TF.Tensor) => tf.sum(tf.mul(logProbsTwiceTf(th as TF.Tensor1D, s, spec), pick)) as TF.Scalar;
      const gv = (th: TF.Tensor) => tf.sum(tf.mul(tf.grad(f)(th), v)) as TF.Scalar;
      const hv = tf.grad(gv)(tf.tensor1d(theta)).dataSync();
      const eps = 1e-2;
      for (const k of [3, 150, 300, 470]) {
        const plus = theta.slice(), minus = theta.slice();
        plus[k] += eps;
        minus[k] -= eps;
        const num = (gv(tf.tensor1d(plus)).dataSync()[0] - gv(tf.tensor1d(minus)).dataSync()[0]) / (2 * eps);
        assert.ok(Math.abs(num - hv[k]) < 2e-2 * Math.max(1, Math.abs(num)), `k=${k}: ${num} vs ${hv[k]}`);
      }
    });
  });

  it('averages parameter vectors element-wise', () => {
    const a = new Float32Array([1, 2]), b = new Float32Array([3, 6]);
    assert.deepStrictEqual(Array.from(averageParams([a, b])), [2, 4]);
    assert.throws(() => averageParams([]), /at least one/);
  });

  it('rejects a parameter vector of the wrong size', () => {
    assert.throws(() => actionProbs(new Float32Array(10), [0, 0], spec), /theta must be a Float32Array of 480 parameters, got 10/);
  });
});
