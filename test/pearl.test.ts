import * as assert from 'assert';
import { initPearl, metaTest, pearlConfig, pearlStep, pearlUpdate, sampleMetaBatch } from '../lib/algos/pearl';
import { learnersOf, pearlGrads } from '../lib/algos/pearl-grads';
import { pearlGradsAutodiff } from '../lib/algos/pearl-autodiff';
import { Rng } from '../lib/core/rng';
import { tf } from '../lib/core/tf';
import { pointNavConfig } from '../lib/envs/point-nav';
import { config as experimentConfig, sizes, unit } from '../lib/experiments/pearl';
import { EncoderSpec, encoderLayout, klToUnit, posteriorTf, productOfGaussians, RunningPosterior, softplus } from '../lib/policies/context-encoder';
import { initMlp, uploadMlp } from '../lib/policies/mlp';

/** A PEARL config small enough for unit tests. */
const tiny = (over: Record<string, unknown> = {}) => pearlConfig({
  sac: { hidden: [16, 16], discount: 0.9, rewardScale: 100 }, encoderHidden: [16], metaBatch: 3, batchSize: 5, contextBatch: 4,
  initialSteps: 40, tasksPerIteration: 2, stepsPrior: 20, stepsPosterior: 20, trainSteps: 3, klWeight: 0.7, ...over,
});

describe('PEARL context encoder', () => {
  it('multiplies Gaussian factors in closed form: N(1, 1) x N(3, 1) is N(2, 1/2), N(0, 4) x N(5, 1) is N(4, 4/5)', () => {
    const a = productOfGaussians([1, 0, 3, 5], [1, 4, 1, 1], 2, 2);
    assert.ok(Math.abs(a.mu[0] - 2) < 1e-12 && Math.abs(a.var[0] - 0.5) < 1e-12);
    assert.ok(Math.abs(a.mu[1] - 4) < 1e-12 && Math.abs(a.var[1] - 0.8) < 1e-12);
    // the product's density is proportional to the pointwise product of the factors' densities
    const logN = (x: number, m: number, v: number) => -0.5 * Math.log(2 * Math.PI * v) - ((x - m) ** 2) / (2 * v);
    const diff = (x: number) => logN(x, 1, 1) + logN(x, 3, 1) - logN(x, 2, 0.5);
    assert.ok(Math.abs(diff(-1.3) - diff(2.7)) < 1e-12);
  });

  it('computes the KL of a Gaussian to the unit prior by hand', () => {
    // KL(N(1, 2) || N(0, 1)) = (2 + 1 - 1 - ln 2) / 2
    assert.ok(Math.abs(klToUnit([1], [2]) - (2 - Math.log(2)) / 2) < 1e-12);
    assert.strictEqual(klToUnit([0, 0], [1, 1]), 0);
  });

  it('gives the same posterior in tfjs (batched over tasks), from the running sums, and from the factors', () => {
    const spec: EncoderSpec = { input: 5, hidden: [8], latent: 3, probabilistic: true };
    const layout = encoderLayout(spec), rng = new Rng(1);
    const phi = initMlp(layout, rng, { biasInit: 0.1, outInit: 0.5 });
    const T = 2, M = 6, ctx = Float32Array.from({ length: T * M * 5 }, () => rng.normal());
    const tfPost = tf.tidy(() => {
      const p = posteriorTf(spec, layout, uploadMlp(layout, phi), tf.tensor2d(ctx, [T * M, 5]), T);
      return { mu: p.mu.dataSync().slice(), v: p.var!.dataSync().slice() };
    });
    for (let t = 0; t < T; t++) {
      const run = new RunningPosterior(spec);
      run.add(layout, phi, ctx.subarray(t * M * 5, t * M * 5 + (M / 2) * 5), M / 2);
      run.add(layout, phi, ctx.subarray(t * M * 5 + (M / 2) * 5, (t + 1) * M * 5), M / 2);
      const q = run.posterior();
      for (let j = 0; j < 3; j++) {
        assert.ok(Math.abs(q.mu[j] - tfPost.mu[t * 3 + j]) < 1e-4, `task ${t} mean ${j}`);
        assert.ok(Math.abs(q.var[j] - tfPost.v[t * 3 + j]) < 1e-4 * (1 + q.var[j]), `task ${t} variance ${j}`);
      }
    }
    // with no context the posterior is the prior: N(0, I), or z = 0 for the deterministic variant
    assert.deepStrictEqual(Array.from(new RunningPosterior(spec).posterior().var), [1, 1, 1]);
    assert.deepStrictEqual(Array.from(new RunningPosterior({ ...spec, probabilistic: false }).posterior().var), [0, 0, 0]);
    assert.ok(Math.abs(softplus(0) - Math.LN2) < 1e-12 && Math.abs(softplus(50) - 50) < 1e-12);
  });
});

describe('PEARL (Alg. 1, Alg. 2)', () => {
  for (const probabilistic of [true, false]) {
    it(`computes by explicit backpropagation the gradient tfjs autodiff gives (${probabilistic ? 'probabilistic' : 'deterministic'} context)`, () => {
      const s = initPearl(tiny({ probabilistic }), new Rng(2));
      pearlStep(s);
      // push the critics' output layers away from their tiny init so the policy path matters
      const rng = new Rng(3);
      for (const l of [s.sac.q1, s.sac.q2]) for (let i = l.theta.length - 17; i < l.theta.length; i++) l.theta[i] = rng.normal();
      const mb = sampleMetaBatch(s, new Rng(4));
      const a = pearlGrads(s, mb), b = pearlGradsAutodiff(s, mb);
      let o = 0;
      for (const [name, l] of ['policy', 'Q1', 'Q2', 'V', 'encoder'].map((n, i) => [n, learnersOf(s)[i]] as const)) {
        let scale = 0;
        for (let i = 0; i < l.theta.length; i++) scale = Math.max(scale, Math.abs(b.grad[o + i]));
        for (let i = 0; i < l.theta.length; i++) {
          assert.ok(Math.abs(a.grad[o + i] - b.grad[o + i]) <= 1e-4 * (1 + scale), `${name} gradient ${i}: ${a.grad[o + i]} vs ${b.grad[o + i]}`);
        }
        if (name === 'encoder') assert.ok(scale > 0, 'the encoder gets a gradient');
        o += l.theta.length;
      }
      const am = a.metrics!;
      for (const k of Object.keys(am) as (keyof typeof am)[]) assert.ok(Math.abs(am[k] - b.metrics[k]) <= 1e-3 * (1 + Math.abs(b.metrics[k])), k);
    });
  }

  it('leaks no tensors over many updates', () => {
    const s = initPearl(tiny(), new Rng(5));
    pearlStep(s);
    const rng = new Rng(6);
    pearlUpdate(s, sampleMetaBatch(s, rng));
    const before = tf.memory().numTensors;
    for (let k = 0; k < 150; k++) pearlUpdate(s, sampleMetaBatch(s, rng));
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('keeps per-task buffers: initial pool for every training goal, encoder buffer refreshed for sampled tasks', () => {
    const cfg = tiny();
    const s = initPearl(cfg, new Rng(7));
    const info = pearlStep(s);
    assert.strictEqual(s.rlBuffers.length, 80);
    // 80 goals x 40 initial steps, then 2 tasks x (20 prior + 20 posterior)
    assert.strictEqual(info.envSteps, 80 * 40 + 2 * 40);
    const refreshed = s.encBuffers.filter((b) => b.size === 40).length, initial = s.encBuffers.filter((b) => b.size === 40 && b.added === 80).length;
    assert.strictEqual(refreshed, 80);
    assert.strictEqual(initial, 2);
    assert.strictEqual(info.gradSteps, 3);
  });

  it('meta-tests with K trajectories per held-out goal: prior z first, then the posterior of all context so far', () => {
    const s = initPearl(tiny({ eval: { trajectories: 4, priorTrajectories: 2 } }), new Rng(8));
    const r = metaTest(s, new Rng(9));
    assert.strictEqual(r.n, 20);
    assert.strictEqual(r.K, 4);
    assert.strictEqual(r.positions.length, 20 * 4 * 20 * 2);
    for (let i = 0; i < r.n * r.K; i++) {
      assert.ok(r.sparse[i] >= 0 && r.sparse[i] <= 20);
      assert.ok(r.dense[i] <= 0);
    }
  });

  it('rejects bad settings naming the field', () => {
    assert.throws(() => pearlConfig({ latent: 0 }), /pearl config: "latent" must be an integer > 0, got 0/);
    assert.throws(() => pearlConfig({ sac: { rewardScale: -1 } }), /"sac.rewardScale" must be a finite number > 0, got -1/);
    assert.throws(() => pearlConfig({ env: { goalRadius: 0 } }), /"env.goalRadius" must be a finite number > 0, got 0/);
    assert.throws(() => pointNavConfig({ goalRadius: -0.2 }), /"goalRadius"/);
    assert.throws(() => pearlConfig({ tasksPerIteration: 90 }), /"tasksPerIteration" must be at most env.trainGoals \(80\)/);
    assert.throws(() => experimentConfig({ pathGoal: 20 }), /"pathGoal" must be a held-out goal index in \[0, 19\]/);
  });

  it('runs the experiment end to end on a tiny budget (meta-training, meta-testing, both protocols)', () => {
    const cfg = experimentConfig(sizes('quick').config);
    const t = unit(cfg, 0);
    const K = cfg.pearl.eval.trajectories;
    assert.strictEqual(t.curve.length, (cfg.iterations + 1) * K);
    assert.strictEqual(t.losses.length, cfg.iterations);
    assert.strictEqual(t.final.length, 2 * cfg.finalRepeats * 20 * K);
    assert.strictEqual(t.paths.length, K * 20);
    assert.deepStrictEqual([...new Set(t.final.map((r) => r.protocol))].length, 2);
    for (const r of t.curve) assert.ok(Number.isFinite(r.return as number) && (r.method === 'PEARL'));
    const d = unit(experimentConfig({ ...sizes('quick').config, pearl: { ...sizes('quick').config.pearl, probabilistic: false } }), 0);
    assert.strictEqual(d.curve[0].method, 'deterministic context');
  });
});
