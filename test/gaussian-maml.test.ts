import * as assert from 'assert';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { goalReward, goalRewards } from '../lib/envs/nav-tasks';
import { goalSplit, pointNavConfig, reset, step } from '../lib/envs/point-nav';
import { gaussianAdapt, gaussianMamlConfig, gaussianMamlInit, gaussianMamlMetaGradient, gaussianMamlMetaLoss, gaussianMamlStep } from '../lib/algos/gaussian-maml';
import { gaussianSgdStep, gaussianVpgGradient, navAdvantages, NavSamples } from '../lib/algos/gaussian-vpg';
import { foldInputs, oneHot } from '../lib/policies/condition';
import {
  GaussianSpec, gaussianInitConfig, gaussianLogDensity, gaussianLogProbTf, gaussianMeans, gaussianMeanTf, initGaussian, packedGaussianMean, packGaussian,
} from '../lib/policies/gaussian-mlp';
import { navRewards, rolloutNavOne } from '../lib/policies/nav-rollout';

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('Gaussian policy', () => {
  const spec: GaussianSpec = { obsDim: 2, hidden: 5, actDim: 2 };
  const theta = initGaussian(spec, new Rng(1), gaussianInitConfig({ outputScale: 1, logSigma: -0.3 }));

  it('log-density in tfjs equals the written-out normal density', () => {
    const obs = [0.2, -0.4, 1.1, 0.5], acts = [0.3, -1.2, 2.0, 0.1];
    const lp = tf.tidy(() => gaussianLogProbTf(tf.tensor1d(theta), tf.tensor2d(obs, [2, 2]), tf.tensor2d(acts, [2, 2]), spec).dataSync());
    const mu = gaussianMeans(theta, obs, spec);
    for (let n = 0; n < 2; n++) {
      const ref = gaussianLogDensity(acts.slice(2 * n, 2 * n + 2), mu.slice(2 * n, 2 * n + 2), [-0.3, -0.3]);
      assert.ok(Math.abs(lp[n] - ref) < 1e-4, `row ${n}: ${lp[n]} vs ${ref}`);
    }
  });

  it('typed-array means, the packed rollout pass and the tfjs mean agree', () => {
    const obs = [0.2, -0.4, 1.1, 0.5, -0.7, 0.9];
    const plain = gaussianMeans(theta, obs, spec);
    const viaTf = tf.tidy(() => gaussianMeanTf(tf.tensor1d(theta), tf.tensor2d(obs, [3, 2]), spec).dataSync());
    const p = packGaussian(theta, spec);
    for (let n = 0; n < 3; n++) {
      const m = packedGaussianMean(p, obs[2 * n], obs[2 * n + 1]);
      for (let a = 0; a < 2; a++) {
        assert.ok(Math.abs(plain[2 * n + a] - viaTf[2 * n + a]) < 1e-5);
        assert.ok(Math.abs(plain[2 * n + a] - m[a]) < 1e-5);
      }
    }
  });

  it('folding a one-hot skill into the hidden bias computes the skill-conditioned policy', () => {
    const cspec: GaussianSpec = { obsDim: 5, hidden: 4, actDim: 2 };
    const th = initGaussian(cspec, new Rng(2), gaussianInitConfig({ outputScale: 1, logSigma: 0.1 }));
    for (let z = 0; z < 3; z++) {
      const folded = foldInputs(th, 5, 4, oneHot(z, 3));
      const s = [0.3, -0.8];
      const full = gaussianMeans(th, [...s, ...oneHot(z, 3)], cspec);
      const small = gaussianMeans(folded, s, { obsDim: 2, hidden: 4, actDim: 2 });
      assert.ok(maxRelErr(small, full) < 1e-6, `skill ${z}`);
      assert.deepStrictEqual(Array.from(folded.slice(-2)), Array.from(th.slice(-2)), 'log sigma copied');
    }
  });
});

describe('goal rewards of point navigation', () => {
  it('equal the rewards of the env step at the next state', () => {
    const cfg = pointNavConfig();
    const goal: [number, number] = [0.3, 0.9];
    const s = reset(3);
    const a = [1, 1, 1, 9, -0.2, 0.4];
    const r = step(cfg, s, a, [...goal, ...goal, ...goal]);
    const dense = goalReward(cfg, goal, 'dense')(r.state), sparse = goalReward(cfg, goal, 'sparse')(r.state);
    for (let b = 0; b < 3; b++) {
      assert.ok(Math.abs(dense[b] - r.dense[b]) < 1e-6);
      assert.ok(Math.abs(sparse[b] - r.sparse[b]) < 1e-6);
    }
  });
});

describe('Gaussian MAML', () => {
  // A tiny network keeps the finite differences cheap: 2 -> 4 -> 2 plus log sigma (24 parameters).
  const spec: GaussianSpec = { obsDim: 2, hidden: 4, actDim: 2 };
  const env = pointNavConfig({ horizon: 6 });
  const theta = initGaussian(spec, new Rng(1), gaussianInitConfig({ outputScale: 1, logSigma: -0.5 }));
  const task = goalReward(env, [0.6, 0.8], 'dense');
  let b1: NavSamples, b2: NavSamples, out: NavSamples, t1: Float32Array;
  const alpha = 0.3;
  before(() => {
    const rng = new Rng(2);
    const collect = (th: Float32Array) => {
      const batch = rolloutNavOne(th, 6, env, spec, rng);
      return navAdvantages(batch, navRewards(batch, () => task), 0.9);
    };
    b1 = collect(theta);
    t1 = gaussianSgdStep(theta, b1, spec, alpha);
    b2 = collect(t1);
    out = collect(gaussianSgdStep(t1, b2, spec, alpha));
  });

  // Float32 forward passes: central differences in float64 arithmetic on top of float32
  // losses, eps = 5e-3, give errors around 1e-3 relative; a missing Hessian term is > 5e-2.
  function finiteDifference(inner: NavSamples[], outer: NavSamples): Float32Array {
    const eps = 5e-3, g = new Float32Array(theta.length);
    for (let k = 0; k < theta.length; k++) {
      const p = theta.slice(), m = theta.slice();
      p[k] += eps;
      m[k] -= eps;
      g[k] = (gaussianMamlMetaLoss(p, inner, outer, alpha, spec) - gaussianMamlMetaLoss(m, inner, outer, alpha, spec)) / (2 * eps);
    }
    return g;
  }

  it('second-order meta-gradient matches finite differences (k = 1), log sigma included', () => {
    const { grad } = gaussianMamlMetaGradient(theta, [b1], b2, { alpha, order: 'second' }, spec);
    const fd = finiteDifference([b1], b2);
    assert.ok(maxRelErr(grad, fd) < 0.02, `relative error ${maxRelErr(grad, fd)}`);
    // the log sigma entries are the ones the exp second derivative would break
    assert.ok(Math.abs(grad[grad.length - 1] - fd[fd.length - 1]) < 0.02 * Math.max(...Array.from(fd, Math.abs)));
  });

  it('second-order meta-gradient matches finite differences (k = 2)', () => {
    const { grad } = gaussianMamlMetaGradient(theta, [b1, b2], out, { alpha, order: 'second' }, spec);
    const fd = finiteDifference([b1, b2], out);
    assert.ok(maxRelErr(grad, fd) < 0.02, `relative error ${maxRelErr(grad, fd)}`);
  });

  it('first-order approximation is the outer gradient at the adapted parameters, and differs from the exact one', () => {
    const fo = gaussianMamlMetaGradient(theta, [b1], b2, { alpha, order: 'first' }, spec).grad;
    const atAdapted = gaussianVpgGradient(t1, b2, spec).grad;
    assert.ok(maxRelErr(fo, atAdapted) < 1e-4);
    const so = gaussianMamlMetaGradient(theta, [b1], b2, { alpha, order: 'second' }, spec).grad;
    assert.ok(maxRelErr(fo, so) > 0.05, `the Hessian term matters at alpha = ${alpha} (${maxRelErr(fo, so)})`);
  });

  it('meta-updates on goal tasks and adapts without leaking tensors', () => {
    const cfg = gaussianMamlConfig({ K: 4, metaBatch: 2, innerSteps: 2 });
    const tasks = goalRewards(env, goalSplit(pointNavConfig()).train.slice(0, 6), 'dense');
    let s = gaussianMamlInit(theta);
    const r = new Rng(3);
    s = gaussianMamlStep(s, tasks, cfg, env, spec, r).state;
    const before = tf.memory().numTensors;
    const st = gaussianMamlStep(s, tasks, cfg, env, spec, r);
    const ad = gaussianAdapt(st.state.theta, tasks[0], cfg, 3, 5, env, spec, r);
    assert.strictEqual(tf.memory().numTensors, before);
    assert.strictEqual(st.state.iteration, 2);
    assert.strictEqual(st.info.tasks.length, 2);
    assert.ok(Number.isFinite(st.info.metaLoss) && Number.isFinite(st.info.postReturn));
    assert.strictEqual(ad.returns.length, 4);
    assert.notDeepStrictEqual(st.state.theta, s.theta);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => gaussianMamlConfig({ order: 'third' as never }), /gaussian maml config: "order" must be one of "second", "first", got "third"/);
    assert.throws(() => gaussianMamlConfig({ K: 0 }), /gaussian maml config: "K" must be an integer > 0, got 0/);
    assert.throws(() => gaussianMamlConfig({ alpha: -1 }), /"alpha" must be a finite number > 0, got -1/);
  });
});
