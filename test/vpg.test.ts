import * as assert from 'assert';
import { initConfig, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { meanReturn, rolloutOne, TrajectoryBatch } from '../lib/policies/rollout';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';
import { trainPerType } from '../lib/algos/train';
import { advantages, looBaseline, newLearner, rewardToGo, vpgConfig, vpgGradient, vpgUpdate } from '../lib/algos/vpg';

function batchOf(rewards: number[][], mask: number[][]): TrajectoryBatch {
  const B = rewards.length, T = rewards[0].length;
  return {
    B, T,
    states: new Float32Array(B * (T + 1) * 2).map((_, i) => (i % 7) * 0.1),
    actions: new Uint8Array(B * T).map((_, i) => i % 4),
    rewards: Float32Array.from(rewards.flat()),
    mask: Uint8Array.from(mask.flat()),
    lengths: Int32Array.from(mask.map((m) => m.reduce((a, b) => a + b, 0))),
    typeOf: new Int32Array(B),
    policyOf: new Int32Array(B),
  };
}

describe('VPG', () => {
  const spec = PAPER_POLICY;

  it('computes discounted reward-to-go by hand', () => {
    const G = rewardToGo(Float32Array.from([1, 2, 3, 4, 0, 0]), Uint8Array.from([1, 1, 1, 1, 0, 0]), 2, 3, 0.5);
    assert.deepStrictEqual(Array.from(G), [2.75, 3.5, 3, 4, 0, 0]);
  });

  it('uses the mean of the *other* running episodes as the baseline (leave-one-out)', () => {
    const G = Float32Array.from([2.75, 3.5, 3, 4, 0, 0, 1, 1, 1]);
    const mask = Uint8Array.from([1, 1, 1, 1, 0, 0, 1, 1, 0]);
    const b = looBaseline(G, mask, 3, 3);
    // t=0: rows 0,1,2 running: row0 -> (4+1)/2, row1 -> (2.75+1)/2, row2 -> (2.75+4)/2
    assert.deepStrictEqual(Array.from(b.slice(0, 1)).concat(b[3], b[6]), [2.5, 1.875, 3.375]);
    // t=1: rows 0 and 2 running: each gets the other's G; t=2: only row 0, baseline 0
    assert.deepStrictEqual([b[1], b[7], b[2], b[4]], [1, 3.5, 0, 0]);
  });

  it('normalises advantages over the valid steps to mean 0 and variance 1', () => {
    const s = advantages(batchOf([[1, 2, 3], [4, 0, 0], [0.5, 1, 2]], [[1, 1, 1], [1, 0, 0], [1, 1, 1]]), 0.9);
    assert.strictEqual(s.actions.length, 7);
    const m = s.advantages.reduce((a, b) => a + b, 0) / 7;
    const v = s.advantages.reduce((a, b) => a + (b - m) ** 2, 0) / 7;
    assert.ok(Math.abs(m) < 1e-6 && Math.abs(v - 1) < 1e-5);
  });

  it('gradient of the surrogate loss matches finite differences', () => {
    const theta = initParams(spec, new Rng(1), initConfig({ outputScale: 1 }));
    const samples = advantages(batchOf([[1, 2, 3], [4, 0, 0], [0.5, 1, 2]], [[1, 1, 1], [1, 0, 0], [1, 1, 1]]), 0.9);
    const { grad, loss } = vpgGradient(theta, samples, spec);
    const eps = 1e-2;
    for (const k of [0, 100, 200, 300, 479]) {
      const p = theta.slice(), m = theta.slice();
      p[k] += eps;
      m[k] -= eps;
      const num = (vpgGradient(p, samples, spec).loss - vpgGradient(m, samples, spec).loss) / (2 * eps);
      assert.ok(Math.abs(num - grad[k]) < 2e-3 + 2e-2 * Math.abs(num), `k=${k}: ${num} vs ${grad[k]} (loss ${loss})`);
    }
  });

  it('measurably improves the return on one entity type within a tiny budget', () => {
    const bed = testbed(testbedConfig());
    const theta0 = initParams(spec, new Rng(2));
    const { thetas } = trainPerType([theta0], [3], 15, 10, vpgConfig(), bed.dyn, spec, new Rng(3));
    const before = meanReturn(rolloutOne(theta0, [3], 40, bed.dyn, spec, new Rng(4)));
    const after = meanReturn(rolloutOne(thetas[0], [3], 40, bed.dyn, spec, new Rng(4)));
    assert.ok(after > before + 30, `return before ${before.toFixed(1)}, after 15 updates ${after.toFixed(1)}`);
  });

  it('leaks no tfjs tensors across repeated updates', () => {
    const bed = testbed(testbedConfig());
    const rng = new Rng(5);
    let learner = newLearner(initParams(spec, rng.split()));
    const cfg = vpgConfig();
    const update = () => {
      const batch = rolloutOne(learner.theta, [0], 10, bed.dyn, spec, rng);
      learner = vpgUpdate(learner, batch, cfg, spec).learner;
    };
    update();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) update();
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('rejects bad settings, naming the field', () => {
    assert.throws(() => vpgConfig({ gamma: 1.5 }), /vpg config: "gamma" must be a finite number in \[0, 1\], got 1.5/);
    assert.throws(() => vpgConfig({ adam: { lr: 0 } }), /vpg config: "adam.lr" must be a finite number > 0, got 0/);
  });
});
