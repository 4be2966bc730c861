import * as assert from 'assert';
import { innerStep, mamlConfig, mamlInit, mamlMetaGradient, mamlMetaLoss, mamlStep } from '../lib/algos/maml';
import { initConfig, initParams, PolicySpec } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { rolloutOne } from '../lib/policies/rollout';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';
import { advantages, vpgGradient } from '../lib/algos/vpg';

describe('MAML', () => {
  // A tiny network keeps the finite differences cheap: 2 -> 3 -> 4 (25 parameters).
  const spec: PolicySpec = { obsDim: 2, hidden: 3, nActions: 4 };
  const bed = testbed(testbedConfig({ particle: { horizon: 15 } }));
  const theta = initParams(spec, new Rng(1), initConfig({ outputScale: 1 }));
  type Samples = ReturnType<typeof advantages>;
  let b1: Samples, b2: Samples, out: Samples, t1: Float32Array;
  // Batches of the inner steps, collected in a hook (after the backend is chosen).
  before(() => {
    const rng = new Rng(2);
    b1 = advantages(rolloutOne(theta, [3], 6, bed.dyn, spec, rng), 0.9);
    t1 = innerStep(theta, b1, 0.5, spec);
    b2 = advantages(rolloutOne(t1, [3], 6, bed.dyn, spec, rng), 0.9);
    const t2 = innerStep(t1, b2, 0.5, spec);
    out = advantages(rolloutOne(t2, [3], 6, bed.dyn, spec, rng), 0.9);
  });

  function finiteDifference(inner: Samples[], outer: Samples, alpha: number): Float32Array {
    const eps = 5e-3, g = new Float32Array(theta.length);
    for (let k = 0; k < theta.length; k++) {
      const p = theta.slice(), m = theta.slice();
      p[k] += eps;
      m[k] -= eps;
      g[k] = (mamlMetaLoss(p, inner, outer, alpha, spec) - mamlMetaLoss(m, inner, outer, alpha, spec)) / (2 * eps);
    }
    return g;
  }

  function maxRelErr(a: Float32Array, b: Float32Array): number {
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return num / den;
  }

  it('second-order meta-gradient matches finite differences (k = 1 inner step)', () => {
    const { grad } = mamlMetaGradient(theta, [b1], b2, { alpha: 0.5, order: 'second' }, spec);
    const fd = finiteDifference([b1], b2, 0.5);
    assert.ok(maxRelErr(grad, fd) < 0.02, `relative error ${maxRelErr(grad, fd)}`);
  });

  it('second-order meta-gradient matches finite differences (k = 2 inner steps)', () => {
    const { grad } = mamlMetaGradient(theta, [b1, b2], out, { alpha: 0.5, order: 'second' }, spec);
    const fd = finiteDifference([b1, b2], out, 0.5);
    assert.ok(maxRelErr(grad, fd) < 0.02, `relative error ${maxRelErr(grad, fd)}`);
  });

  it('first-order approximation is the outer gradient at the adapted parameters, and differs from the exact one', () => {
    const fo = mamlMetaGradient(theta, [b1], b2, { alpha: 0.5, order: 'first' }, spec).grad;
    const atAdapted = vpgGradient(t1, b2, spec).grad;
    assert.ok(maxRelErr(fo, atAdapted) < 1e-4);
    const so = mamlMetaGradient(theta, [b1], b2, { alpha: 0.5, order: 'second' }, spec).grad;
    assert.ok(maxRelErr(fo, so) > 0.05, `the Hessian term matters at alpha = 0.5 (${maxRelErr(fo, so)})`);
  });

  it('meta-updates a policy on sampled support types without leaking tensors', () => {
    const cfg = mamlConfig({ K: 4, metaBatch: 2, innerSteps: 2 });
    let s = mamlInit(theta);
    const r = new Rng(3);
    s = mamlStep(s, [0, 5, 9], cfg, bed.dyn, spec, r).state;
    const before = tf.memory().numTensors;
    const step = mamlStep(s, [0, 5, 9], cfg, bed.dyn, spec, r);
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(step.state.iteration, 2);
    assert.strictEqual(step.info.types.length, 2);
    assert.ok(Number.isFinite(step.info.metaLoss) && Number.isFinite(step.info.postReturn));
    assert.notDeepStrictEqual(step.state.theta, s.theta);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => mamlConfig({ order: 'third' as never }), /maml config: "order" must be one of "second", "first", got "third"/);
    assert.throws(() => mamlConfig({ K: 0 }), /"K" must be an integer > 0, got 0/);
  });
});
