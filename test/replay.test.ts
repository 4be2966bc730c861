import * as assert from 'assert';
import { actionProbs, initConfig, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { actionLogProbs, adaptedLoss, bufferTasks, concatBatches, replayConfig, replayInit, replayOffer, replaySample, replayVpgConfig, replayVpgGradient, replayVpgUpdate, similarTasks } from '../lib/algos/hindsight-replay';
import { effectiveSampleSize, importanceConfig, importanceWeights } from '../lib/algos/importance';
import { Rng } from '../lib/core/rng';
import { meanReturn, rolloutOne, sliceBatch } from '../lib/policies/rollout';
import { siameseInit, siameseScoreMatrix, siameseSpec, transitionFeatures } from '../lib/divergence/siamese';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';
import { advantages, newLearner, vpgGradient } from '../lib/algos/vpg';

describe('replay buffer and importance-weighted VPG (paper 001, Alg. 1 l.9-10, Sec. II)', () => {
  const spec = PAPER_POLICY;
  const bed = testbed(testbedConfig());
  const random = initParams(spec, new Rng(0));
  const other = initParams(spec, new Rng(1), initConfig({ outputScale: 2 }));

  it('defines the loss of line 9 as the negative mean return', () => {
    const b = rolloutOne(random, [0, 1], 3, bed.dyn, spec, new Rng(2));
    assert.strictEqual(adaptedLoss(b), -meanReturn(b));
    assert.ok(adaptedLoss(b) > 100, `a near-uniform policy's loss ${adaptedLoss(b)}`);
  });

  it('stores tau\' only when its loss is below delta, with the behaviour log-probabilities, evicting the oldest past capacity', () => {
    const rng = new Rng(3);
    const drivers = [other, random, other, random];
    const taus = drivers.map((theta, task) => rolloutOne(theta, [task], 2, bed.dyn, spec, rng));
    const losses = taus.map(adaptedLoss);
    const delta = [...losses].sort((a, b) => a - b)[2]; // exactly two batches lie below it
    const cfg = replayConfig({ delta, capacity: 1 });
    let buf = replayInit();
    const kept: number[] = [];
    taus.forEach((tau, task) => {
      const r = replayOffer(buf, tau, task, drivers[task], spec, cfg);
      assert.strictEqual(r.accepted, losses[task] < delta);
      assert.strictEqual(r.loss, losses[task]);
      if (r.accepted) kept.push(task);
      buf = r.buffer;
    });
    assert.deepStrictEqual([buf.offered, buf.accepted, kept.length], [4, 2, 2]);
    // Capacity 1: only the newest accepted batch survives.
    assert.strictEqual(buf.entries.length, 1);
    const e = buf.entries[0];
    assert.deepStrictEqual([e.task, e.seq], [kept[1], 1]);
    const p = actionProbs(drivers[e.task], e.batch.states.subarray(0, 2), spec);
    assert.ok(Math.abs(e.behaviourLogProb[0] - Math.log(p[e.batch.actions[0]])) < 1e-6);
    assert.throws(() => replayConfig({ capacity: 0 }), /replay config: "capacity" must be an integer > 0, got 0/);
  });

  it('concatenates batches row by row', () => {
    const a = rolloutOne(random, [0], 2, bed.dyn, spec, new Rng(5)), b = rolloutOne(other, [3], 3, bed.dyn, spec, new Rng(6));
    const c = concatBatches([a, b]);
    assert.strictEqual(c.B, 5);
    assert.deepStrictEqual(sliceBatch(c, 0, 2), a);
    assert.deepStrictEqual(sliceBatch(c, 2, 5), b);
  });

  it('weights equal 1 (and ESS = 1) when the behaviour and target policies are the same, for every kind', () => {
    const b = rolloutOne(other, [0, 5], 4, bed.dyn, spec, new Rng(7));
    const lp = actionLogProbs(other, b, spec);
    for (const ratio of ['trajectory', 'perDecision'] as const) {
      for (const weighting of ['clipped', 'selfNormalized'] as const) {
        const w = importanceWeights(lp, lp, b.mask, b.B, b.T, importanceConfig({ ratio, weighting }));
        for (let k = 0; k < b.B * b.T; k++) assert.strictEqual(w.w[k], b.mask[k] ? 1 : 0, `${ratio}/${weighting} at ${k}`);
        assert.strictEqual(w.ess, 1);
        assert.strictEqual(w.meanLogRatio, 0);
        assert.strictEqual(w.n, b.lengths.reduce((s, v) => s + v, 0));
      }
    }
  });

  it('computes trajectory and per-decision weights, clipped and self-normalised, by hand', () => {
    // Row 0: rho = 2, 0.5, 3. Row 1: rho = 1, 4, then the episode is over.
    const rho = [2, 0.5, 3, 1, 4, 1];
    const mask = [1, 1, 1, 1, 1, 0];
    const lt = rho.map(Math.log), lb = rho.map(() => 0);
    const w = (ratio: 'trajectory' | 'perDecision', weighting: 'clipped' | 'selfNormalized', clip = 10) =>
      Array.from(importanceWeights(lt, lb, mask, 2, 3, importanceConfig({ ratio, weighting, clip })).w, (v) => Math.round(v * 1e9) / 1e9);
    assert.deepStrictEqual(w('trajectory', 'clipped'), [3, 3, 3, 4, 4, 0]);
    assert.deepStrictEqual(w('perDecision', 'clipped', 2.5), [2, 1, 2.5, 1, 2.5, 0]);
    // Per step t, divide by the mean over rows running at t: t=0 {2, 1}, t=1 {1, 4}, t=2 {3}.
    assert.deepStrictEqual(w('perDecision', 'selfNormalized'), [1.333333333, 0.4, 1, 0.666666667, 1.6, 0]);
    assert.deepStrictEqual(w('trajectory', 'selfNormalized'), [0.857142857, 0.857142857, 1, 1.142857143, 1.142857143, 0]);
    const r = importanceWeights(lt, lb, mask, 2, 3, importanceConfig({ ratio: 'perDecision', weighting: 'clipped', clip: 2.5 }));
    assert.ok(Math.abs(r.ess - 81 / (5 * 18.5)) < 1e-12);
    assert.strictEqual(r.maxWeight, 2.5);
    assert.ok(Math.abs(r.meanLogRatio - Math.log(2 * 0.5 * 3 * 1 * 4) / 5) < 1e-12);
  });

  it('self-normalises without overflow over long horizons', () => {
    const T = 100, lt = new Float64Array(2 * T).fill(Math.log(50)), lb = new Float64Array(2 * T);
    lt.fill(Math.log(60), T); // row 1 is always a bit more likely under the target
    const r = importanceWeights(lt, lb, new Uint8Array(2 * T).fill(1), 2, T, importanceConfig({ ratio: 'trajectory' }));
    // ln w differs by 100 ln(1.2) ~ 18.2 between rows: row 0 gets ~2e-8 of the mass.
    assert.ok(Number.isFinite(r.w[0]) && r.w[0] > 0 && r.w[0] < 1e-7 && Math.abs(r.w[T] - 2) < 1e-6);
    assert.ok(Math.abs(r.ess - 0.5) < 1e-6);
  });

  it('ESS lies in [1/n, 1]: 1 for equal weights, 1/n when one weight carries everything', () => {
    const rng = new Rng(8);
    for (let k = 0; k < 200; k++) {
      const n = 1 + rng.int(30);
      const w = Array.from({ length: n }, () => (rng.random() < 0.3 ? 0 : Math.exp(3 * rng.normal())));
      if (w.every((v) => v === 0)) w[0] = 1;
      const e = effectiveSampleSize(w);
      assert.ok(e >= 1 / n - 1e-12 && e <= 1, `n = ${n}: ESS ${e}`);
    }
    assert.strictEqual(effectiveSampleSize([0.7, 0.7, 0.7, 0.7]), 1);
    assert.strictEqual(effectiveSampleSize([0, 5, 0, 0]), 1 / 4);
    assert.strictEqual(effectiveSampleSize([0, 0]), 0);
    assert.throws(() => effectiveSampleSize([1, -1]), /weight 1 is -1/);
  });

  it('samples only trajectories of the eligible tasks, at most k, reproducibly', () => {
    const cfg = replayConfig({ delta: 1e9 });
    let buf = replayInit();
    const rng = new Rng(9);
    for (const task of [2, 5, 2, 7]) buf = replayOffer(buf, rolloutOne(other, [task], 3, bed.dyn, spec, rng), task, other, spec, cfg).buffer;
    assert.deepStrictEqual(bufferTasks(buf), [2, 5, 7]);
    const s = replaySample(buf, [2, 7], 4, new Rng(10))!;
    assert.strictEqual(s.batch.B, 4);
    assert.ok(Array.from(s.task).every((t) => t === 2 || t === 7));
    assert.ok(Array.from(s.batch.typeOf).every((t, r) => t === s.task[r]));
    assert.deepStrictEqual(replaySample(buf, [2, 7], 4, new Rng(10)), s);
    assert.strictEqual(replaySample(buf, [5], 10, new Rng(11))!.batch.B, 3);
    assert.strictEqual(replaySample(buf, [4], 3, new Rng(11)), null);
    // The stored behaviour log-probabilities travel with each sampled row.
    const lp = actionLogProbs(other, s.batch, spec);
    lp.forEach((v, k) => assert.ok(Math.abs(v - s.behaviourLogProb[k]) < 1e-6));
  });

  it('filters buffered tasks by the Siamese score against the new task', () => {
    const cfg = replayConfig({ delta: 1e9 });
    let buf = replayInit();
    const rng = new Rng(12);
    for (const task of [1, 9, 17]) buf = replayOffer(buf, rolloutOne(random, [task], 2, bed.dyn, spec, rng), task, random, spec, cfg).buffer;
    const sSpec = siameseSpec();
    const phi = siameseInit(sSpec, new Rng(13));
    const fresh = transitionFeatures(rolloutOne(random, [2], 2, bed.dyn, spec, rng));
    const r = similarTasks(buf, fresh, phi, sSpec, 0.5);
    const direct = siameseScoreMatrix(phi, [fresh], sSpec, buf.entries.map((e) => transitionFeatures(e.batch)));
    assert.deepStrictEqual(r.tasks, [1, 9, 17]);
    r.scores.forEach((v, k) => assert.ok(Math.abs(v - direct[k]) < 1e-6));
    assert.deepStrictEqual(r.similar, r.tasks.filter((_, k) => r.scores[k] >= 0.5));
    assert.deepStrictEqual(similarTasks(buf, fresh, phi, sSpec, 0).similar, [1, 9, 17]);
  });

  it('equals plain VPG on the concatenated batch when target = behaviour, and on the on-policy batch without replay', () => {
    const cfg = replayVpgConfig();
    const on = rolloutOne(other, [4], 4, bed.dyn, spec, new Rng(14));
    let buf = replayInit();
    buf = replayOffer(buf, rolloutOne(other, [5], 3, bed.dyn, spec, new Rng(15)), 5, other, spec, replayConfig({ delta: 1e9 })).buffer;
    const sample = replaySample(buf, [5], 3, new Rng(16))!;
    const g = replayVpgGradient(other, on, sample, cfg, spec);
    const ref = vpgGradient(other, advantages(concatBatches([on, sample.batch]), cfg.vpg.gamma), spec);
    assert.deepStrictEqual(g.grad, ref.grad);
    assert.strictEqual(g.loss, ref.loss);
    assert.strictEqual(g.weights!.ess, 1);
    const plain = replayVpgGradient(other, on, null, cfg, spec);
    assert.deepStrictEqual(plain.grad, vpgGradient(other, advantages(on, cfg.vpg.gamma), spec).grad);
    // A different target policy changes the weights, and with them the gradient.
    const g2 = replayVpgGradient(random, on, sample, cfg, spec);
    assert.ok(g2.weights!.ess < 1 && g2.weights!.meanLogRatio !== 0);
  });

  it('leaks no tfjs tensors across repeated importance-weighted updates', () => {
    const cfg = replayVpgConfig({ importance: { ratio: 'trajectory', weighting: 'clipped', clip: 2 } });
    let buf = replayInit();
    buf = replayOffer(buf, rolloutOne(other, [6], 4, bed.dyn, spec, new Rng(17)), 6, other, spec, replayConfig({ delta: 1e9 })).buffer;
    const rng = new Rng(18);
    let learner = newLearner(random);
    const update = () => {
      const on = rolloutOne(learner.theta, [6], 4, bed.dyn, spec, rng);
      const r = replayVpgUpdate(learner, on, replaySample(buf, [6], 4, rng), cfg, spec);
      assert.ok(Number.isFinite(r.stats.loss) && r.stats.ess > 0 && r.stats.ess <= 1 && r.stats.nReplay > 0);
      learner = r.learner;
    };
    update();
    const before = tf.memory().numTensors;
    for (let k = 0; k < 10; k++) update();
    assert.strictEqual(tf.memory().numTensors, before);
    assert.notDeepStrictEqual(learner.theta, random);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => importanceConfig({ ratio: 'episode' as never }), /importance config: "ratio" must be one of "trajectory", "perDecision", got "episode"/);
    assert.throws(() => importanceConfig({ clip: 0 }), /"clip" must be a finite number > 0, got 0/);
    assert.throws(() => replayVpgConfig({ replayWeight: -1 }), /replay vpg config: "replayWeight" must be a finite number >= 0, got -1/);
    assert.throws(() => replayVpgConfig({ vpg: { gamma: 2 } }), /replay vpg config: "vpg.gamma" must be a finite number in \[0, 1\], got 2/);
  });
});
