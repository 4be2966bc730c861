import * as assert from 'assert';
import { dynamics, pureRemapping, PARTICLE_DEFAULTS } from '../lib/envs/particle';
import { identifyRemap, moveLeastSquares, sysidConfig, sysidInit, sysidRollout, sysidSamples, sysidStep, SYSID_FEATURES } from '../lib/algos/sysid';
import { domainRandomisationIteration, jointIteration } from '../lib/algos/joint';
import { Rng } from '../lib/core/rng';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('system identification', () => {
  it('least squares of moves on one-hot actions is the mean move of each action', () => {
    const { M, count } = moveLeastSquares([0, 1, 0], [1, 0, 0, 2, 3, 0]);
    assert.deepStrictEqual(Array.from(M), [2, 0, 0, 2, 0, 0, 0, 0]);
    assert.deepStrictEqual(Array.from(count), [2, 1, 0, 0]);
    assert.throws(() => moveLeastSquares([4], [0, 0]), /actions\[0\] = 4/);
  });

  it('recovers a known remapping and drift exactly from noise-free moves', () => {
    const type = { ...pureRemapping([2, 0, 3, 1]), drift: [0.1, -0.2, 0.3, 0] };
    const dyn = dynamics([type], PARTICLE_DEFAULTS);
    const cfg = sysidConfig();
    const theta = sysidInit(cfg, new Rng(1)).learner.theta;
    const batch = sysidRollout(theta, cfg, Int32Array.from([0, 0]), dyn, new Rng(2));
    for (let b = 0; b < 2; b++) {
      const M = Array.from(batch.features.slice(b * SYSID_FEATURES, (b + 1) * SYSID_FEATURES), (f) => f * PARTICLE_DEFAULTS.stepSize);
      const { perm, drift } = identifyRemap(M, PARTICLE_DEFAULTS.stepSize);
      assert.deepStrictEqual(perm, [2, 0, 3, 1]);
      drift.forEach((d, a) => assert.ok(Math.abs(d - type.drift[a]) < 1e-6, `drift[${a}]: ${d} vs ${type.drift[a]}`));
    }
    // The probe pressed each button once, in turn.
    assert.deepStrictEqual(Array.from(batch.actions.slice(0, 4)), [0, 1, 2, 3]);
  });

  it('reads every population type\'s remapping off one probe despite drift and noise', () => {
    const bed = testbed(testbedConfig());
    const cfg = sysidConfig();
    const theta = sysidInit(cfg, new Rng(1)).learner.theta;
    const batch = sysidRollout(theta, cfg, Int32Array.from(bed.types.map((t) => t.id)), bed.dyn, new Rng(3));
    bed.types.forEach((t, b) => {
      const M = Array.from(batch.features.slice(b * SYSID_FEATURES, (b + 1) * SYSID_FEATURES), (f) => f * 0.05);
      assert.deepStrictEqual(identifyRemap(M, 0.05).perm, t.perm, `type ${t.id}`);
    });
  });

  it('leaves the probe steps out of the policy gradient', () => {
    const bed = testbed(testbedConfig({ particle: { horizon: 10 } }));
    const cfg = sysidConfig({ probeMoves: 6 });
    const batch = sysidRollout(sysidInit(cfg, new Rng(1)).learner.theta, cfg, Int32Array.from([0, 1, 2]), bed.dyn, new Rng(2));
    const samples = sysidSamples(batch, 0.99);
    const expected = Array.from(batch.lengths).reduce((s, l) => s + Math.max(0, l - 6), 0);
    assert.strictEqual(samples.actions.length, expected);
    assert.strictEqual(samples.states.length, expected * (2 + SYSID_FEATURES));
  });

  it('rejects fewer than 4 probing moves, naming the field', () => {
    assert.throws(() => sysidConfig({ probeMoves: 3 }), /sysid config: "probeMoves" must be an integer >= 4, got 3/);
  });

  it('smoke: an update changes the policy and reports a finite return', () => {
    const bed = testbed(testbedConfig({ particle: { horizon: 20 } }));
    const cfg = sysidConfig({ K: 4 });
    const s0 = sysidInit(cfg, new Rng(1));
    const { state, meanReturn } = sysidStep(s0, [0, 5, 9], cfg, bed.dyn, new Rng(2));
    assert.ok(Number.isFinite(meanReturn) && meanReturn < 0);
    assert.strictEqual(state.update, 1);
    assert.ok(state.learner.theta.some((v, i) => v !== s0.learner.theta[i]));
  });
});

describe('domain randomisation', () => {
  it('is joint training under its transfer-learning name', () => {
    assert.strictEqual(domainRandomisationIteration, jointIteration);
  });
});
