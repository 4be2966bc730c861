import * as assert from 'assert';
import type * as TF from '@tensorflow/tfjs';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { readFlat, uploadMlp } from '../lib/policies/mlp';
import { adamStepEach, flatSize, learner, softUpdate } from '../lib/algos/off-policy';
import { adamConfig } from '../lib/core/adam';
import { mlpLayout, mlpSpec } from '../lib/policies/mlp';
import { initSac, SacBatch, sacConfig, sacGradsTf, SacInputs, sacLossesTf, sacNets, SacState, sacUpdate } from '../lib/algos/sac';

function fixedBatch(rng: Rng, N: number): SacBatch {
  const obs = Float32Array.from({ length: 2 * N }, () => rng.uniform(-1, 1));
  const action = Float32Array.from({ length: 2 * N }, () => rng.uniform(-1, 1));
  const next = obs.map((v, i) => v + 0.1 * action[i]);
  const reward = Float32Array.from({ length: N }, (_, i) => -Math.hypot(next[2 * i] - 0.5, next[2 * i + 1] - 0.5));
  return { obs, action, reward, next, done: new Float32Array(N) };
}

describe('SAC (the off-policy toolkit)', () => {
  const cfg = sacConfig({ hidden: [32, 32], discount: 0.9, rewardScale: 10 });

  it('soft-updates a target by hand: 0.9 * target + 0.1 * source', () => {
    const target = Float32Array.from([1, 2, 3]);
    softUpdate(target, Float32Array.from([11, 12, 13]), 0.1);
    assert.deepStrictEqual(Array.from(target), [2, 3, 4].map(Math.fround));
    assert.throws(() => softUpdate(target, new Float32Array(2), 0.1), /target has 3 values, source 2/);
  });

  it('takes one Adam step per learner on its slice of the flat gradient, with its own step size', () => {
    const layout = mlpLayout(mlpSpec({ input: 1, hidden: [1], output: 1 })); // 4 parameters
    const a = learner(layout, new Float32Array(4).fill(1), 0.1), b = learner(layout, new Float32Array(4).fill(1), 0.01);
    assert.strictEqual(flatSize([a, b]), 8);
    // Adam's first step moves every parameter by lr * sign(g) (m_hat = g, v_hat = g^2; eps is negligible)
    adamStepEach([a, b], Float32Array.from([2, -3, 0.5, -4, 1, 1, -1, -1]), adamConfig());
    const close = (x: Float32Array, y: number[]) => x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-6, `${v} vs ${y[i]}`));
    close(a.theta, [0.9, 1.1, 0.9, 1.1]);
    close(b.theta, [0.99, 0.99, 1.01, 1.01]);
  });

  it('computes by explicit backpropagation the gradients tfjs autodiff gives for the same losses', () => {
    const rng = new Rng(1);
    const s = initSac(sacNets(2, 2, [8, 8]), cfg, rng);
    // push the critics' output layers away from their tiny init so the policy path matters
    for (const th of [s.q1.theta, s.q2.theta]) for (let i = th.length - 9; i < th.length; i++) th[i] = rng.normal();
    const b = fixedBatch(rng, 12), N = 12;
    const eps = Float32Array.from({ length: 2 * N }, () => rng.normal());
    tf.tidy(() => {
      const obs = tf.tensor3d(b.obs, [1, N, 2]);
      const x: SacInputs = {
        obs, obsQ: obs, nextObs: tf.tensor3d(b.next, [1, N, 2]), action: tf.tensor3d(b.action, [1, N, 2]),
        reward: tf.tensor3d(b.reward, [1, N, 1]), notDone: tf.tensor3d(new Float32Array(N).fill(1), [1, N, 1]), eps: tf.tensor3d(eps, [1, N, 2]),
      };
      const w = { policy: uploadMlp(s.nets.policy, s.policy.theta), q1: uploadMlp(s.nets.q, s.q1.theta), q2: uploadMlp(s.nets.q, s.q2.theta), v: uploadMlp(s.nets.v, s.v.theta), vTarget: uploadMlp(s.nets.v, s.vTarget) };
      const mine = sacGradsTf(s.nets, w, x, cfg, false);
      const q1Const = w.q1.map((t) => tf.clone(t)), q2Const = w.q2.map((t) => tf.clone(t));
      const counts = [w.policy.length, w.q1.length, w.q2.length, w.v.length];
      const ref = tf.grads((...xs: TF.Tensor[]) => {
        let o = 0;
        const [policy, q1, q2, v] = counts.map((c) => xs.slice(o, (o += c)));
        const L = sacLossesTf(s.nets, { policy, q1, q2, v, q1Const, q2Const, vTarget: w.vTarget }, x, cfg);
        return tf.addN([L.qLoss, L.vLoss, L.piLoss]) as TF.Scalar;
      })([...w.policy, ...w.q1, ...w.q2, ...w.v]);
      const a = readFlat([...mine.policy, ...mine.q1, ...mine.q2, ...mine.v]), r = readFlat(ref);
      let scale = 0;
      for (const v of r) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - r[i]) < 1e-4 * (1 + Math.abs(r[i])), `gradient ${i}: ${a[i]} vs ${r[i]}`);
      assert.ok(scale > 0.1);
    });
  });

  it('lowers the critic loss on a fixed batch', () => {
    const rng = new Rng(2);
    const s: SacState = initSac(sacNets(2, 2, [32, 32]), sacConfig({ ...cfg, qLr: 3e-3, vLr: 3e-3, policyLr: 3e-3 }), rng.split());
    const b = fixedBatch(rng, 64);
    const first = sacUpdate(s, b, sacConfig({ ...cfg, qLr: 3e-3, vLr: 3e-3, policyLr: 3e-3 }), rng).qLoss;
    let last = first;
    for (let k = 0; k < 80; k++) last = sacUpdate(s, b, sacConfig({ ...cfg, qLr: 3e-3, vLr: 3e-3, policyLr: 3e-3 }), rng).qLoss;
    assert.ok(last < 0.2 * first, `critic loss ${first} -> ${last}`);
  });

  it('leaks no tensors over many updates', () => {
    const rng = new Rng(3);
    const s = initSac(sacNets(2, 2, [16]), cfg, rng.split());
    const b = fixedBatch(rng, 16);
    sacUpdate(s, b, cfg, rng);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 200; k++) sacUpdate(s, b, cfg, rng);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('rejects a negative reward scale naming the field', () => {
    assert.throws(() => sacConfig({ rewardScale: -1 }), /sac config: "rewardScale" must be a finite number > 0, got -1/);
    assert.throws(() => sacConfig({ tau: 0 }), /"tau"/);
  });
});
