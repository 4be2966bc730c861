import * as assert from 'assert';
import { dynamics, particleConfig, pureRemapping } from '../lib/envs/particle';
import { constantPolicy, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { endPositions, episodeReturns, oracleRollout, rollout, rolloutOne, rolloutPaired, rowsFor, sliceBatch, summaryByType, visitedStates } from '../lib/policies/rollout';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('rollouts', () => {
  const bed = testbed(testbedConfig());
  const spec = PAPER_POLICY;
  const theta = initParams(spec, new Rng(0));

  it('returns typed batches of the documented shapes', () => {
    const b = rolloutOne(theta, [0, 5, 23], 4, bed.dyn, spec, new Rng(1));
    const T = 100;
    assert.strictEqual(b.B, 12);
    assert.strictEqual(b.states.length, 12 * (T + 1) * 2);
    assert.strictEqual(b.actions.length, 12 * T);
    assert.strictEqual(b.rewards.length, 12 * T);
    assert.strictEqual(b.mask.length, 12 * T);
    assert.deepStrictEqual(Array.from(b.typeOf), [0, 0, 0, 0, 5, 5, 5, 5, 23, 23, 23, 23]);
    assert.strictEqual(b.states[0], 0);
    assert.strictEqual(b.states[1], 0);
  });

  it('is deterministic: same seed, identical trajectories; other seed, other trajectories', () => {
    const a = rolloutOne(theta, [0, 7], 3, bed.dyn, spec, new Rng(11));
    const b = rolloutOne(theta, [0, 7], 3, bed.dyn, spec, new Rng(11));
    const c = rolloutOne(theta, [0, 7], 3, bed.dyn, spec, new Rng(12));
    assert.deepStrictEqual(a, b);
    assert.notDeepStrictEqual(a.states, c.states);
  });

  it('masks steps after the goal and keeps the final state', () => {
    // Start one step left of the target; "right" always: the episode ends after one step.
    const near = particleConfig({ start: [0.955, 1] });
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], near);
    const b = rolloutOne(constantPolicy(spec, [-50, 50, -50, -50]), [0], 2, dyn, spec, new Rng(2));
    assert.deepStrictEqual(Array.from(b.lengths), [1, 1]);
    assert.strictEqual(b.mask[0], 1);
    assert.strictEqual(b.mask[1], 0);
    assert.ok(Math.abs(b.rewards[0] + 0.005 * 0.005) < 1e-9);
    assert.strictEqual(b.rewards[1], 0);
    assert.deepStrictEqual(Array.from(endPositions(b)).map((x) => Number(x.toFixed(4))), [1.005, 1, 1.005, 1]);
    assert.strictEqual(visitedStates(b, 0).length, 4);
  });

  it('drives each row with its own policy and type', () => {
    const right = constantPolicy(spec, [-50, 50, -50, -50]), up = constantPolicy(spec, [-50, -50, -50, 50]);
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], particleConfig({ horizon: 3 }));
    const b = rolloutPaired([right, up], [0, 0], 1, dyn, spec, new Rng(3));
    assert.deepStrictEqual(Array.from(endPositions(b)).map((x) => Number(x.toFixed(6))), [0.15, 0, 0, 0.15]);
    // Hand-computed return of "right" x3: -(0.95^2+1) - (0.9^2+1) - (0.85^2+1)
    assert.ok(Math.abs(episodeReturns(b)[0] + (0.9025 + 0.81 + 0.7225 + 3)) < 1e-5);
  });

  it('lets a greedy oracle reach the target of a default particle in 40 steps of 0.05', () => {
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], particleConfig());
    const b = oracleRollout(new Int32Array([0]), dyn, new Rng(0));
    assert.strictEqual(b.lengths[0], 40);
    assert.strictEqual(summaryByType(b)[0].reachedTarget, 1);
  });

  it('slices rows out of a batch and lays rows out type-major', () => {
    const b = rolloutOne(theta, [1, 2], 3, bed.dyn, spec, new Rng(4));
    const s = sliceBatch(b, 3, 6);
    assert.deepStrictEqual(Array.from(s.typeOf), [2, 2, 2]);
    assert.deepStrictEqual(s.states, b.states.slice(3 * 101 * 2, 6 * 101 * 2));
    assert.deepStrictEqual(Array.from(rowsFor([4, 9], 2, true).policyOf), [0, 0, 1, 1]);
  });

  it('rejects rows that point at a missing type or policy', () => {
    assert.throws(() => rollout([theta], new Int32Array([0]), new Int32Array([24]), bed.dyn, spec, new Rng(0)), /typeOf\[0\] = 24 is not a type index/);
    assert.throws(() => rollout([theta], new Int32Array([1]), new Int32Array([0]), bed.dyn, spec, new Rng(0)), /policyOf\[0\] = 1 is not a policy index/);
  });
});
