import * as assert from 'assert';
import { gruForward, gruOffsets, gruStep, packGru } from '../lib/policies/gru';
import { inputSize, gruOf, recurrentForward, recurrentInit, recurrentOffsets, RecurrentSpec } from '../lib/policies/recurrent-softmax';
import { rolloutTrials, TrialBatch } from '../lib/policies/trials';
import { normaliseAdvantages, rl2Config, rl2Gradient, rl2GradientTf, rl2Init, rl2Spec, rl2Step, trialAdvantages } from '../lib/algos/rl2';
import { Rng } from '../lib/core/rng';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';

describe('RL²', () => {
  const bed = testbed(testbedConfig({ particle: { horizon: 12 } }));
  const spec: RecurrentSpec = { obsDim: 2, nActions: 4, hidden: 5, headHidden: 6, moveScale: 20 };
  const theta = recurrentInit(spec, new Rng(3), 1);

  it('rejects episodes per trial < 1 and a hidden size of 0, naming the field', () => {
    assert.throws(() => rl2Config({ episodesPerTrial: 0 }), /rl2 config: "episodesPerTrial" must be an integer > 0, got 0/);
    assert.throws(() => rl2Config({ hidden: 0 }), /rl2 config: "hidden" must be an integer > 0, got 0/);
    assert.throws(() => rl2Config({ trialsPerUpdate: 2.5 }), /"trialsPerUpdate"/);
  });

  describe('trials', () => {
    const N = 3, T = 12, L = N * T;
    const batch = rolloutTrials(theta, spec, Int32Array.from([0, 13]), N, bed.dyn, new Rng(4), { recordAfter: [0, T - 1, T, 2 * T] });
    const H = spec.hidden, I = inputSize(spec);
    const hs = gruForward(theta.subarray(0, recurrentOffsets(spec).w1), gruOf(spec), batch.inputs, 2, L, null, batch.mask);
    const memory = (b: number, r: number) => Array.from(batch.memory.slice((b * 4 + r) * H, (b * 4 + r + 1) * H));
    const stateAt = (b: number, slot: number) => Array.from(hs.slice((b * L + slot) * H, (b * L + slot + 1) * H));
    const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-5);

    it('resets the hidden state to zero at the start of every trial', () => {
      // After the first input, every trial's state is GRU(0, phi_0): phi_0 = (start, no action, 0, 0).
      const fresh = gruStep(packGru(theta.subarray(0, recurrentOffsets(spec).w1), gruOf(spec)), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], new Float64Array(H), new Float64Array(H));
      for (const b of [0, 1]) {
        assert.ok(close(memory(b, 0), Array.from(fresh)), `trial ${b}: ${memory(b, 0)} vs ${Array.from(fresh)}`);
        assert.deepStrictEqual(Array.from(batch.inputs.slice(b * L * I, b * L * I + I)), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      }
    });

    it('carries the hidden state across the episodes of a trial', () => {
      for (const b of [0, 1]) {
        assert.ok(batch.mask[b * L + T - 1] === 1 && batch.mask[b * L + 2 * T - 1] === 1, 'episodes ran their full horizon');
        // The state at the first step of episodes 2 and 3 is the continuation of the whole
        // trial's sequence from h = 0, not a fresh GRU(0, phi).
        assert.ok(close(memory(b, 2), stateAt(b, T)) && close(memory(b, 3), stateAt(b, 2 * T)));
        const restart = gruForward(theta.subarray(0, recurrentOffsets(spec).w1), gruOf(spec), batch.inputs.slice((b * L + T) * I, (b * L + T + 1) * I), 1, 1);
        assert.ok(!close(memory(b, 2), Array.from(restart)), 'the state at episode 2 differs from a restart');
        // Episode 2 starts at the start position, with the last action, reward and done = 1 of episode 1.
        const phi = Array.from(batch.inputs.slice((b * L + T) * I, (b * L + T + 1) * I));
        const aLast = batch.actions[b * L + T - 1];
        assert.deepStrictEqual(phi.slice(0, 2), [0, 0]);
        assert.deepStrictEqual(phi.slice(4, 8), [0, 1, 2, 3].map((a) => (a === aLast ? 1 : 0)));
        assert.ok(Math.abs(phi[8] - batch.rewards[b * L + T - 1]) < 1e-6 && phi[9] === 1);
        // The move entries are the previous action's move in step units: at slot 1, s_1 - s_0 = s_1.
        const phi1 = Array.from(batch.inputs.slice((b * L + 1) * I, (b * L + 2) * I));
        assert.ok(Math.abs(phi1[2] - 20 * phi1[0]) < 1e-4 && Math.abs(phi1[3] - 20 * phi1[1]) < 1e-4 && Math.hypot(phi1[2], phi1[3]) > 0.5);
      }
    });

    it('records the log-probabilities and values that the learner recomputes over the whole trial', () => {
      const fwd = recurrentForward(theta, spec, batch.inputs, batch.mask, 2, L);
      for (let k = 0; k < 2 * L; k++) {
        if (!batch.mask[k]) continue;
        assert.ok(Math.abs(fwd.logp[k * 4 + batch.actions[k]] - batch.logp[k]) < 1e-5, `slot ${k}`);
        assert.ok(Math.abs(fwd.values[k] - batch.values[k]) < 1e-5);
      }
    });

    it('sums each episode\'s rewards into its return', () => {
      for (let b = 0; b < 2; b++) {
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let t = 0; t < T; t++) s += batch.rewards[b * L + n * T + t];
          assert.ok(Math.abs(s - batch.returns[b * N + n]) < 1e-4);
        }
      }
    });
  });

  it('computes GAE over a whole trial by hand, skipping padding and crossing episode ends', () => {
    // One trial, L = 4 slots, slot 1 is padding. Valid steps: rewards 1, 2, 4 with values 0.5, 1, 2.
    const b = { B: 1, L: 4, rewards: Float32Array.from([1, 0, 2, 4]), values: Float32Array.from([0.5, 0, 1, 2]), mask: Uint8Array.from([1, 0, 1, 1]) };
    const { adv, targets } = trialAdvantages(b, 0.5, 0.5);
    // delta: step 3: 4 - 2 = 2; step 2: 2 + 0.5*2 - 1 = 2; step 0: 1 + 0.5*1 - 0.5 = 1.
    // A: step 3: 2; step 2: 2 + 0.25*2 = 2.5; step 0: 1 + 0.25*2.5 = 1.625.
    assert.deepStrictEqual(Array.from(adv), [1.625, 0, 2.5, 2]);
    assert.deepStrictEqual(Array.from(targets), [2.125, 0, 3.5, 4]);
    const n = normaliseAdvantages(adv, b.mask);
    assert.strictEqual(n[1], 0);
    assert.ok(Math.abs(n[0] + n[2] + n[3]) < 1e-6);
  });

  describe('the update', () => {
    const cfg = rl2Config({ hidden: 5, headHidden: 6, episodesPerTrial: 2, trialsPerUpdate: 3, clip: 0.1, entropyCoef: 0.05 });
    const collect = rolloutTrials(theta, rl2Spec(cfg), Int32Array.from([0, 5, 9]), 2, bed.dyn, new Rng(8));
    const { adv, targets } = trialAdvantages(collect, cfg.gamma, cfg.lambda, cfg.rewardScale);
    const A = normaliseAdvantages(adv, collect.mask);
    // Parameters moved away from the collecting ones, so that some ratios are clipped.
    const rng = new Rng(9);
    const moved = theta.map((v) => v + rng.uniform(-0.3, 0.3));

    it('hand-written BPTT gradient of the PPO loss equals tfjs autodiff', () => {
      const fast = rl2Gradient(moved, collect, A, targets, cfg);
      const ref = rl2GradientTf(moved, collect, A, targets, cfg);
      for (const k of ['loss', 'policyLoss', 'valueLoss', 'entropy'] as const) assert.ok(Math.abs(fast[k] - ref[k]) < 1e-4 * (1 + Math.abs(ref[k])), `${k}: ${fast[k]} vs ${ref[k]}`);
      let worst = 0;
      for (let i = 0; i < ref.grad.length; i++) worst = Math.max(worst, Math.abs(fast.grad[i] - ref.grad[i]) / (1e-4 + Math.abs(ref.grad[i])));
      assert.ok(worst < 1e-2, `worst relative difference ${worst}`);
    });

    it('gradient of the PPO loss matches finite differences', () => {
      const g = rl2Gradient(moved, collect, A, targets, cfg).grad;
      const o = recurrentOffsets(rl2Spec(cfg)), go = gruOffsets(gruOf(rl2Spec(cfg)));
      const eps = 1e-3;
      for (const k of [go.wx + 3, go.wh + 7, go.bx + 11, go.bh + 2, o.w1 + 1, o.w1 + 70, o.b1 + 3, o.w2 + 5, o.b2, o.wv + 2, o.uv, o.bv]) {
        const p = moved.slice(), m = moved.slice();
        p[k] += eps;
        m[k] -= eps;
        const num = (rl2Gradient(p, collect, A, targets, cfg).loss - rl2Gradient(m, collect, A, targets, cfg).loss) / (2 * eps);
        assert.ok(Math.abs(num - g[k]) < 2e-3 + 2e-2 * Math.abs(num), `parameter ${k}: numeric ${num}, analytic ${g[k]}`);
      }
    });

    it('leaks no tfjs tensors over repeated reference gradients and updates', () => {
      rl2GradientTf(moved, collect, A, targets, cfg);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) rl2GradientTf(moved, collect, A, targets, cfg);
      let s = rl2Init(cfg, new Rng(1));
      for (let i = 0; i < 5; i++) s = rl2Step(s, [0, 1, 2], cfg, bed.dyn, new Rng(i)).state;
      assert.strictEqual(tf.memory().numTensors, before);
    });

    it('smoke: iterations change the parameters and report one mean return per episode of the trial', () => {
      const s0 = rl2Init(cfg, new Rng(1));
      const { state, info } = rl2Step(s0, [0, 1, 2], cfg, bed.dyn, new Rng(2));
      assert.strictEqual(state.iteration, 1);
      assert.strictEqual(info.episodeReturns.length, 2);
      assert.ok(info.episodeReturns.every((r) => Number.isFinite(r) && r < 0));
      assert.ok(state.theta.some((v, i) => v !== s0.theta[i]));
    });
  });

  it('samples the same trials from the same seed', () => {
    const run = (): TrialBatch => rolloutTrials(theta, spec, Int32Array.from([2, 3]), 2, bed.dyn, new Rng(5));
    assert.deepStrictEqual(Array.from(run().actions), Array.from(run().actions));
  });
});
