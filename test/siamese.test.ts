import * as assert from 'assert';
import { initConfig, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { rolloutOne, sliceBatch, TrajectoryBatch } from '../lib/policies/rollout';
import { embedTasks, siameseFeatureConfig, siameseFeatureDim, labelledPairs, pairLabels, siameseInit, siameseParamCount, siameseScoreMatrix, siameseSpec, siameseStep, siameseTrainConfig, siameseTrainInit, SiameseTraining, transitionFeatures } from '../lib/divergence/siamese';
import { accuracyAt, rocCurve } from '../lib/divergence/classification';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';

const DIRS = [[-1, 0], [1, 0], [0, -1], [0, 1]];

/**
 * A toy task of n transitions: random states and actions; action a moves along
 * DIRS[perm[a]] plus Gaussian noise. Tasks with the same perm are of the same class.
 */
function toyTask(perm: number[], n: number, rng: Rng): Float32Array {
  const x = new Float32Array(n * 8);
  for (let k = 0; k < n; k++) {
    const a = rng.int(4), d = DIRS[perm[a]];
    x.set([rng.uniform(-1, 2), rng.uniform(-1, 2), 0, 0, 0, 0, d[0] + 0.3 * rng.normal(), d[1] + 0.3 * rng.normal()], k * 8);
    x[k * 8 + 2 + a] = 1;
  }
  return x;
}

describe('Siamese task metric f_phi (paper 001, Sec. II, Alg. 1 l.11-16)', () => {
  const spec = siameseSpec();

  it('lays phi out as W1, b1, W2, b2, W3, b3, w4, b4', () => {
    // 8*64 + 64 + 64*16 + 16 + 32*16 + 16 + 16 + 1
    assert.strictEqual(siameseParamCount(spec), 512 + 64 + 1024 + 16 + 512 + 16 + 16 + 1);
    assert.strictEqual(siameseInit(spec, new Rng(0)).length, siameseParamCount(spec));
    assert.throws(() => siameseSpec({ embed: 0 }), /siamese spec: "embed" must be an integer > 0, got 0/);
  });

  it('turns a batch into transition features (s, onehot(a), deltaScale (s\' - s)) over the valid steps', () => {
    const batch: TrajectoryBatch = {
      B: 1, T: 3,
      states: Float32Array.from([0, 0, 0.05, 0, 0.05, 0.05, 0.05, 0.05]),
      actions: Uint8Array.from([1, 3, 0]), rewards: new Float32Array(3), mask: Uint8Array.from([1, 1, 0]),
      lengths: Int32Array.from([2]), typeOf: new Int32Array(1), policyOf: new Int32Array(1),
    };
    const x = transitionFeatures(batch, siameseFeatureConfig());
    assert.strictEqual(siameseFeatureDim(siameseFeatureConfig()), 8);
    const round = Array.from(x, (v) => Math.round(v * 1e5) / 1e5);
    assert.deepStrictEqual(round, [0, 0, 0, 1, 0, 0, 1, 0, 0.05, 0, 0, 0, 0, 1, 0, 1]);
  });

  it('outputs values in [0, 1], symmetric in its two arguments', () => {
    const rng = new Rng(1);
    const phi = siameseInit(spec, rng.split());
    const tasks = Array.from({ length: 6 }, (_, k) => toyTask(k % 2 ? [0, 1, 2, 3] : [1, 0, 3, 2], 20 + 7 * k, rng));
    const F = siameseScoreMatrix(phi, tasks, spec);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        assert.ok(F[i * 6 + j] >= 0 && F[i * 6 + j] <= 1);
        assert.ok(Math.abs(F[i * 6 + j] - F[j * 6 + i]) < 1e-7, `f(${i},${j}) = ${F[i * 6 + j]}, f(${j},${i}) = ${F[j * 6 + i]}`);
      }
    }
    // Swapping the arguments of separate calls gives the same score.
    const ab = siameseScoreMatrix(phi, [tasks[0]], spec, [tasks[3]]), ba = siameseScoreMatrix(phi, [tasks[3]], spec, [tasks[0]]);
    assert.ok(Math.abs(ab[0] - ba[0]) < 1e-7);
    assert.ok(Math.abs(ab[0] - F[3]) < 1e-6);
  });

  it('embeds a task independently of the order of its transitions (mean pooling)', () => {
    const rng = new Rng(2);
    const phi = siameseInit(spec, rng.split());
    const x = toyTask([0, 1, 2, 3], 30, rng);
    const rev = new Float32Array(x.length);
    for (let k = 0; k < 30; k++) rev.set(x.subarray(k * 8, k * 8 + 8), (29 - k) * 8);
    const [e1, e2] = [embedTasks(phi, [x], spec), embedTasks(phi, [rev], spec)];
    e1.forEach((v, i) => assert.ok(Math.abs(v - e2[i]) < 1e-5));
  });

  it('labels pairs from the epsilon threshold on a distance matrix (strictly below = same class)', () => {
    const D = [
      0, 0.1, 0.5,
      0.1, 0, 0.3,
      0.5, 0.3, 0,
    ];
    const L = pairLabels(D, 3, 0.3);
    assert.deepStrictEqual(Array.from(L), [1, 1, 0, 1, 1, 0, 0, 0, 1]);
    const pairs = labelledPairs(L, 3);
    assert.deepStrictEqual([Array.from(pairs.i), Array.from(pairs.j), Array.from(pairs.label)], [[0, 0, 1], [1, 2, 2], [1, 0, 0]]);
    assert.deepStrictEqual(Array.from(labelledPairs(L, 3, [2, 0]).label), [0]);
    assert.throws(() => pairLabels(D, 3, 0), /pairLabels: "epsilon" must be a finite number > 0, got 0/);
  });

  it('computes accuracy at a threshold and the ROC curve with its AUC by hand', () => {
    const scores = [0.9, 0.8, 0.7, 0.6], labels = [1, 0, 1, 0];
    const a = accuracyAt(scores, labels, 0.75);
    assert.deepStrictEqual([a.tp, a.fp, a.tn, a.fn, a.accuracy, a.balancedAccuracy], [1, 1, 1, 1, 0.5, 0.5]);
    const roc = rocCurve(scores, labels);
    assert.deepStrictEqual(roc.fpr, [0, 0, 0.5, 0.5, 1]);
    assert.deepStrictEqual(roc.tpr, [0, 0.5, 0.5, 1, 1]);
    assert.strictEqual(roc.auc, 0.75);
    // Ties count one half: all scores equal gives AUC 1/2.
    assert.strictEqual(rocCurve([0.3, 0.3, 0.3], [1, 0, 0]).auc, 0.5);
    assert.throws(() => rocCurve([0.1, 0.2], [1, 1]), /needs both positive and negative labels/);
  });

  it('training reduces the cross-entropy on a toy separable problem and generalises to held-out tasks', () => {
    const rng = new Rng(3);
    const perms = [[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1]];
    // 5 tasks per class for training, 2 per class held out.
    const group = Array.from({ length: 21 }, (_, k) => k % 3);
    const tasks = group.map((g) => toyTask(perms[g], 120, rng));
    const same = new Uint8Array(21 * 21).map((_, k) => (group[Math.floor(k / 21)] === group[k % 21] ? 1 : 0));
    const train = labelledPairs(same, 21, [...Array(15).keys()]);
    const cfg = siameseTrainConfig({ transitionsPerTask: 48, adam: { lr: 1e-2 } });
    let s: SiameseTraining = siameseTrainInit(siameseInit(spec, rng.split()));
    const losses: number[] = [];
    let last = { accuracy: 0, balancedAccuracy: 0 };
    for (let k = 0; k < 60; k++) {
      const r = siameseStep(s, tasks, train, spec, cfg, rng);
      s = r.state;
      losses.push(r.metrics.loss);
      last = r.metrics;
    }
    assert.strictEqual(s.step, 60);
    const first = losses.slice(0, 5).reduce((a, b) => a + b) / 5, end = losses.slice(-5).reduce((a, b) => a + b) / 5;
    assert.ok(end < 0.3 * first, `loss ${first.toFixed(3)} -> ${end.toFixed(3)}`);
    assert.ok(last.balancedAccuracy > 0.9, `train balanced accuracy ${last.balancedAccuracy}`);
    // Held-out tasks 15..20 against each other and against training tasks.
    const F = siameseScoreMatrix(s.phi, tasks, spec);
    const scores: number[] = [], labels: number[] = [];
    for (let i = 15; i < 21; i++) for (let j = 0; j < i; j++) {
      scores.push(F[i * 21 + j]);
      labels.push(same[i * 21 + j]);
    }
    assert.ok(rocCurve(scores, labels).auc > 0.95, `held-out AUC ${rocCurve(scores, labels).auc}`);
  });

  it('tells latent groups of the testbed apart from random-policy rollouts, on held-out entity types', () => {
    const bed = testbed(testbedConfig());
    const rng = new Rng(4);
    // Latent groups 0 and 1 (types 0..7), 4 episodes each: variants 0-2 train, variant 3 held out.
    const types = [0, 1, 2, 3, 4, 5, 6, 7];
    const theta = initParams(PAPER_POLICY, rng.split(), initConfig({ outputScale: 0.01 }));
    const batch = rolloutOne(theta, types, 4, bed.dyn, PAPER_POLICY, rng.split());
    const tasks = types.map((_, i) => transitionFeatures(sliceBatch(batch, 4 * i, 4 * i + 4)));
    const latent = types.map((t) => bed.types[t].latent);
    const same = new Uint8Array(64).map((_, k) => (latent[Math.floor(k / 8)] === latent[k % 8] ? 1 : 0));
    const train = labelledPairs(same, 8, [0, 1, 2, 4, 5, 6]);
    const cfg = siameseTrainConfig({ transitionsPerTask: 64, adam: { lr: 1e-2 } });
    let s = siameseTrainInit(siameseInit(spec, rng.split()));
    for (let k = 0; k < 60; k++) s = siameseStep(s, tasks, train, spec, cfg, rng).state;
    const F = siameseScoreMatrix(s.phi, tasks, spec);
    // Held-out types 3 and 7 against all others.
    const scores: number[] = [], labels: number[] = [];
    for (const i of [3, 7]) for (let j = 0; j < 8; j++) if (j !== i) {
      scores.push(F[i * 8 + j]);
      labels.push(same[i * 8 + j]);
    }
    const acc = accuracyAt(scores, labels, 0.5);
    assert.ok(rocCurve(scores, labels).auc > 0.9, `held-out AUC ${rocCurve(scores, labels).auc}`);
    assert.ok(acc.balancedAccuracy >= 0.9, `held-out balanced accuracy ${acc.balancedAccuracy}, scores ${scores.map((v) => v.toFixed(2))}`);
  });

  it('leaks no tfjs tensors across repeated training steps and evaluations', () => {
    const rng = new Rng(5);
    const tasks = [0, 1, 2, 3].map((k) => toyTask(k % 2 ? [0, 1, 2, 3] : [1, 0, 3, 2], 30, rng));
    const pairs = labelledPairs(Uint8Array.from([1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1]), 4);
    const cfg = siameseTrainConfig({ transitionsPerTask: 16 });
    let s = siameseTrainInit(siameseInit(spec, rng.split()));
    s = siameseStep(s, tasks, pairs, spec, cfg, rng).state;
    const before = tf.memory().numTensors;
    for (let k = 0; k < 10; k++) {
      s = siameseStep(s, tasks, pairs, spec, cfg, rng).state;
      siameseScoreMatrix(s.phi, tasks, spec);
      embedTasks(s.phi, tasks, spec);
    }
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('rejects bad settings and inputs, naming the field', () => {
    assert.throws(() => siameseTrainConfig({ transitionsPerTask: 0 }), /siamese training config: "transitionsPerTask" must be an integer > 0, got 0/);
    assert.throws(() => siameseTrainConfig({ threshold: 1 }), /"threshold" must be a finite number in \(0, 1\), got 1/);
    assert.throws(() => siameseTrainConfig({ adam: { lr: -1 } }), /"adam.lr" must be a finite number > 0/);
    assert.throws(() => siameseScoreMatrix(new Float32Array(3), [new Float32Array(8)], spec), /phi must be a Float32Array of 2161 parameters, got 3/);
    assert.throws(() => embedTasks(siameseInit(spec, new Rng(0)), [new Float32Array(5)], spec), /task 0 must hold at least one transition of 8 features/);
  });
});
