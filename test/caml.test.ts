import * as assert from 'assert';
import { runBandit, banditConfig } from '../lib/algos/bandit';
import { camlConfig, camlInit, camlStep, CamlState } from '../lib/algos/caml';
import { initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { reptileConfig, reptileIteration, reptileMove } from '../lib/algos/reptile';
import { Rng } from '../lib/core/rng';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('CAML (Algorithm 2)', () => {
  const bed = testbed(testbedConfig({ particle: { horizon: 30 } }));
  const spec = PAPER_POLICY;
  const cfg = camlConfig({ k: 2, n: 3, K: 4, divergence: { samples: 64 } });
  const support = [0, 1, 4, 5, 8, 9];

  function run(iterations: number): CamlState[] {
    let s = camlInit(initParams(spec, new Rng(0)));
    const rng = new Rng(1);
    const states: CamlState[] = [];
    for (let i = 0; i < iterations; i++) {
      s = camlStep(s, support, cfg, bed.dyn, spec, rng).state;
      states.push(s);
    }
    return states;
  }

  let states: CamlState[] = [];
  before(() => {
    states = run(7);
  });

  it('reclusters exactly every n saved policies, starting after the first n', () => {
    assert.deepStrictEqual(states.map((s) => s.clusterings), [0, 0, 1, 1, 1, 2, 2]);
    assert.deepStrictEqual(states.map((s) => s.pending.length), [1, 2, 0, 1, 2, 0, 1]);
  });

  it('keeps exactly k medoids, each one of the candidates: old medoids, pending policies and the new one', () => {
    let prev = camlInit(initParams(spec, new Rng(0)));
    for (const s of states) {
      if (s.clusterings > prev.clusterings) {
        assert.strictEqual(s.medoids.length, 2);
        for (const m of s.medoids) {
          const candidate = [...prev.medoids, ...prev.pending].some((c) => c.theta === m.theta) || m.iteration === s.iteration;
          assert.ok(candidate, `medoid saved at iteration ${m.iteration} was not a candidate`);
          assert.ok(support.includes(m.type) && m.latent === bed.types[m.type].latent);
        }
      }
      prev = s;
    }
  });

  it('starts new policies from theta before the first clustering and from a medoid after it', () => {
    let s = camlInit(initParams(spec, new Rng(0)));
    const rng = new Rng(1);
    const from: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = camlStep(s, support, cfg, bed.dyn, spec, rng);
      from.push(r.info.fromMedoid);
      s = r.state;
    }
    assert.deepStrictEqual(from.slice(0, 3), [-1, -1, -1]);
    assert.ok(from.slice(3).every((f) => f >= 0 && f < 2));
  });

  it('rejects k > n and K = 0 with a clear error', () => {
    assert.throws(() => camlConfig({ k: 5, n: 3 }), /caml config: "k" must be at most n .* got k = 5 > n = 3/);
    assert.throws(() => camlConfig({ K: 0 }), /caml config: "K" must be an integer > 0, got 0/);
  });
});

describe('bandit (CAML evaluation)', () => {
  const rigged = (arm: number) => [-100, -20, -60][arm];

  it('picks the arm with the highest mean reward on a rigged set of arms', () => {
    for (const strategy of ['sample', 'ucb'] as const) {
      const r = runBandit(3, 10, rigged, banditConfig({ strategy }), new Rng(0));
      assert.strictEqual(r.choice, 1, strategy);
      assert.strictEqual(r.counts.reduce((a, b) => a + b, 0), 10);
    }
  });

  it('samples arms evenly under the paper\'s strategy and keeps cumulative rewards', () => {
    const r = runBandit(3, 10, rigged, banditConfig(), new Rng(1));
    assert.ok(Math.max(...r.counts) - Math.min(...r.counts) <= 1);
    r.totals.forEach((t, i) => assert.strictEqual(t, rigged(i) * r.counts[i]));
  });

  it('UCB spends most pulls on the best arm once it is clear', () => {
    const noisy = new Rng(2);
    const r = runBandit(3, 60, (a) => rigged(a) + 5 * noisy.normal(), banditConfig({ strategy: 'ucb', scale: 20 }), new Rng(3));
    assert.ok(r.counts[1] > 30, `counts ${r.counts}`);
  });

  it('rejects an unknown strategy naming the field', () => {
    assert.throws(() => banditConfig({ strategy: 'greedy' as never }), /"strategy" must be one of "sample", "ucb", got "greedy"/);
  });
});

describe('Reptile', () => {
  it('moves the initialization toward the adapted weights by exactly the fraction epsilon', () => {
    const theta = new Float32Array([0, 1, -2]), adapted = new Float32Array([1, 3, 2]);
    assert.deepStrictEqual(Array.from(reptileMove(theta, adapted, 0.25)), [0.25, 1.5, -1]);
    assert.deepStrictEqual(Array.from(reptileMove(theta, adapted, 1)), [1, 3, 2]);
  });

  it('runs one iteration of inner VPG updates on a sampled support type', () => {
    const bed = testbed(testbedConfig({ particle: { horizon: 30 } }));
    const theta = initParams(PAPER_POLICY, new Rng(0));
    const r = reptileIteration(theta, [2, 6], reptileConfig({ innerUpdates: 2, K: 4 }), bed.dyn, PAPER_POLICY, new Rng(1));
    assert.ok([2, 6].includes(r.type));
    assert.notDeepStrictEqual(r.theta, theta);
  });

  it('rejects a single inner update (Reptile needs K > 1 steps)', () => {
    assert.throws(() => reptileConfig({ innerUpdates: 1 }), /"innerUpdates" must be an integer in \[2, 1000\], got 1/);
  });
});
