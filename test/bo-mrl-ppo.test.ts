import * as assert from 'assert';
import { boMrlPpoConfig, boMrlPpoInit, boMrlPpoStep, ppoAdapt, ppoObjective } from '../lib/algos/bo-mrl-ppo';
import { advantages, vpgGradient } from '../lib/algos/vpg';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { rolloutOne } from '../lib/policies/rollout';
import { initConfig, initParams, PolicySpec } from '../lib/policies/softmax-mlp';

describe('BO-MRL with the KL distance on the particle testbed (first-order)', () => {
  // A tiny network keeps the finite differences cheap: 2 -> 3 -> 4 (25 parameters).
  const spec: PolicySpec = { obsDim: 2, hidden: 3, nActions: 4 };
  const bed = testbed(testbedConfig({ particle: { horizon: 15 } }));
  const phi = initParams(spec, new Rng(1), initConfig({ outputScale: 1 }));
  let samples: ReturnType<typeof advantages>;
  before(() => {
    samples = advantages(rolloutOne(phi, [3], 6, bed.dyn, spec, new Rng(2)), 0.9);
  });

  it('the gradient of Alg\'s objective L equals finite differences', () => {
    const theta = phi.map((x, k) => x + 0.1 * Math.sin(k));
    const { grad } = ppoObjective(theta, phi, samples, 0.7, spec);
    const eps = 1e-2;
    let worst = 0, scale = 0;
    for (let k = 0; k < theta.length; k++) {
      const p = theta.slice(), m = theta.slice();
      p[k] += eps;
      m[k] -= eps;
      const fd = (ppoObjective(p, phi, samples, 0.7, spec).value - ppoObjective(m, phi, samples, 0.7, spec).value) / (2 * eps);
      worst = Math.max(worst, Math.abs(fd - grad[k]));
      scale = Math.max(scale, Math.abs(grad[k]));
    }
    assert.ok(worst < 0.02 * scale, `max |difference| ${worst}, scale ${scale}`);
  });

  it('at theta = phi, L is the mean advantage and its gradient is the policy-gradient surrogate\'s', () => {
    const { value, grad } = ppoObjective(phi, phi, samples, 5, spec);
    const meanAdv = samples.advantages.reduce((s, a) => s + a, 0) / samples.advantages.length;
    assert.ok(Math.abs(value - meanAdv) < 1e-5);
    const vpg = vpgGradient(phi, samples, spec).grad; // gradient of -mean(A log pi): the KL term adds nothing at phi
    grad.forEach((g, k) => assert.ok(Math.abs(g + vpg[k]) < 1e-4, `parameter ${k}`));
  });

  it('the inner steps raise L, move less under a larger lambda, and leave phi untouched', () => {
    const copy = phi.slice();
    const small = ppoAdapt(phi, samples, boMrlPpoConfig({ lambda: 0.1, inner: { steps: 20, lr: 0.05 } }), spec);
    const large = ppoAdapt(phi, samples, boMrlPpoConfig({ lambda: 10, inner: { steps: 20, lr: 0.05 } }), spec);
    assert.ok(small.after > small.before);
    const dist = (t: Float32Array) => Math.sqrt(t.reduce((s, x, k) => s + (x - phi[k]) ** 2, 0));
    assert.ok(dist(large.theta) < dist(small.theta), `${dist(large.theta)} vs ${dist(small.theta)}`);
    assert.deepStrictEqual(phi, copy);
  });

  it('meta-training steps leak no tensors', () => {
    const cfg = boMrlPpoConfig({ K: 3, inner: { steps: 3 } });
    let s = boMrlPpoInit(phi);
    const rng = new Rng(3);
    s = boMrlPpoStep(s, [0, 1], cfg, bed.dyn, spec, rng).state;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) s = boMrlPpoStep(s, [0, 1], cfg, bed.dyn, spec, rng).state;
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(s.iteration, 11);
  });

  it('rejects lambda <= 0 and a zero inner step count, naming the field', () => {
    assert.throws(() => boMrlPpoConfig({ lambda: 0 }), /bo-mrl-ppo config: "lambda" must be a finite number > 0, got 0/);
    assert.throws(() => boMrlPpoConfig({ inner: { steps: 0 } }), /"inner.steps" must be an integer > 0, got 0/);
  });
});
