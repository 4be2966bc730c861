import * as assert from 'assert';
import { ConfigError } from '../lib/core/config';
import {
  dynamics, EntityType, latentRemappings, particleConfig, population, populationConfig, pureRemapping,
  resetState, RIGHT, step, UP,
} from '../lib/envs/particle';
import { Rng } from '../lib/core/rng';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('particle testbed', () => {
  const cfg = particleConfig();

  it('moves a default particle one step right and rewards -||s\' - (1,1)||^2', () => {
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], cfg);
    const r = step(dyn, new Int32Array([0]), resetState(cfg, 1), new Uint8Array([RIGHT]), null, new Rng(0));
    close(r.state[0], 0.05);
    close(r.state[1], 0);
    close(r.reward[0], -(0.95 * 0.95 + 1));
    assert.strictEqual(r.done[0], 0);
  });

  it('remaps "right" to "up" and adds the fixed sideways drift along the left normal', () => {
    // perm: left->down, right->up, down->right, up->left; drift 0.4 on "right".
    const t: EntityType = { id: 0, latent: 0, variant: 0, perm: [2, 3, 1, 0], drift: [0, 0.4, 0, 0], spread: [0, 0, 0, 0] };
    const r = step(dynamics([t], cfg), new Int32Array([0]), new Float64Array([0, 0]), new Uint8Array([RIGHT]), null, new Rng(0));
    // up = (0, 1); its left normal is (-1, 0): 0.05 * ((0, 1) + 0.4 (-1, 0)) = (-0.02, 0.05)
    close(r.state[0], -0.02);
    close(r.state[1], 0.05);
  });

  it('reproduces the paper\'s example: "right" becomes (0.42, -1) in step units', () => {
    const t: EntityType = { id: 0, latent: 0, variant: 0, perm: [0, 2, 1, 3], drift: [0, 0.42, 0, 0], spread: [0, 0, 0, 0] };
    const d = dynamics([t], cfg);
    close(d.meanDx[RIGHT] / cfg.stepSize, 0.42, 1e-12);
    close(d.meanDy[RIGHT] / cfg.stepSize, -1, 1e-12);
  });

  it('adds uniform sideways noise of half-width spread * stepSize, one draw per live particle', () => {
    const t: EntityType = { id: 0, latent: 0, variant: 0, perm: [0, 1, 2, 3], drift: [0, 0, 0, 0], spread: [0, 0.5, 0, 0] };
    const rng = new Rng(9), copy = new Rng(9);
    const r = step(dynamics([t], cfg), new Int32Array([0, 0]), new Float64Array(4), new Uint8Array([RIGHT, RIGHT]), null, rng);
    for (let b = 0; b < 2; b++) {
      const u = 2 * copy.random() - 1;
      close(r.state[2 * b], 0.05);
      close(r.state[2 * b + 1], 0.05 * 0.5 * u);
    }
  });

  it('steps particles of different types in one batched call', () => {
    const types = [pureRemapping([0, 1, 2, 3], 0, 0), pureRemapping([1, 0, 3, 2], 1, 1)];
    const r = step(dynamics(types, cfg), new Int32Array([0, 1]), new Float64Array(4), new Uint8Array([UP, UP]), null, new Rng(0));
    assert.deepStrictEqual(Array.from(r.state), [0, 0.05, 0, -0.05]);
  });

  it('ends the episode within goalRadius of the target and freezes particles that are not live', () => {
    const near = particleConfig({ start: [0.955, 1] });
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], near);
    const r = step(dyn, new Int32Array([0, 0]), resetState(near, 2), new Uint8Array([RIGHT, RIGHT]), new Uint8Array([1, 0]), new Rng(0));
    assert.deepStrictEqual(Array.from(r.done), [1, 1]);
    close(r.state[0], 1.005);
    close(r.state[2], 0.955);
    assert.strictEqual(r.reward[1], 0);
  });

  describe('population', () => {
    const types = population(populationConfig(), new Rng(2020));

    it('has 24 types in 6 latent groups of 4 variants, ordered by group', () => {
      assert.strictEqual(types.length, 24);
      types.forEach((t, i) => {
        assert.strictEqual(t.id, i);
        assert.strictEqual(t.latent, Math.floor(i / 4));
        assert.strictEqual(t.variant, i % 4);
      });
    });

    it('shares one complete remapping within a group, and groups need different button pairs for (1, 1)', () => {
      const pairs = new Set<string>();
      for (let g = 0; g < 6; g++) {
        const members = types.filter((t) => t.latent === g);
        for (const m of members) assert.deepStrictEqual(m.perm, members[0].perm);
        assert.deepStrictEqual([...members[0].perm].sort(), [0, 1, 2, 3]);
        pairs.add([members[0].perm.indexOf(RIGHT), members[0].perm.indexOf(UP)].sort().join());
      }
      assert.strictEqual(pairs.size, 6);
    });

    it('gives every variant its own variance while keeping the cardinal direction', () => {
      for (const t of types) {
        for (let a = 0; a < 4; a++) assert.ok(Math.abs(t.drift[a]) + t.spread[a] < 1);
      }
      const g0 = types.filter((t) => t.latent === 0).map((t) => t.drift.join());
      assert.strictEqual(new Set(g0).size, 4);
    });

    it('is plain data drawn from the seed: same seed, same population; other seed, other population', () => {
      assert.deepStrictEqual(population(populationConfig(), new Rng(2020)), types);
      assert.notDeepStrictEqual(population(populationConfig(), new Rng(2021)), types);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(types)), types);
    });

    it('falls back to distinct ordered pairs, then distinct permutations, beyond 6 groups', () => {
      const perms = latentRemappings(24, new Rng(1));
      assert.strictEqual(new Set(perms.map((p) => p.join())).size, 24);
    });
  });

  describe('bad input', () => {
    it('rejects a non-positive step size, naming the field', () => {
      assert.throws(() => particleConfig({ stepSize: 0 }), (e: Error) => e instanceof ConfigError && /particle config: "stepSize" must be a finite number > 0, got 0/.test(e.message));
    });

    it('rejects horizon 0', () => {
      assert.throws(() => particleConfig({ horizon: 0 }), /"horizon" must be an integer > 0, got 0/);
    });

    it('rejects a remapping that is not a permutation', () => {
      const bad: EntityType = { id: 3, latent: 0, variant: 0, perm: [1, 1, 2, 3], drift: [0, 0, 0, 0], spread: [0, 0, 0, 0] };
      assert.throws(() => dynamics([bad], cfg), /entity type 0: "perm" must be a permutation of \[0, 1, 2, 3\], got \[1,1,2,3\]/);
    });

    it('rejects variance that would flip the cardinal direction', () => {
      assert.throws(() => populationConfig({ maxDrift: 0.6, maxSpread: 0.5 }), /"maxDrift" plus maxSpread must be < 1/);
      const bad: EntityType = { id: 0, latent: 0, variant: 0, perm: [0, 1, 2, 3], drift: [0.7, 0, 0, 0], spread: [0.4, 0, 0, 0] };
      assert.throws(() => dynamics([bad], cfg), /"drift\[0\]" \|drift\| \+ spread must be < 1/);
    });

    it('rejects unknown settings', () => {
      assert.throws(() => particleConfig({ stepsize: 1 } as never), /"stepsize" is not a known setting/);
    });
  });
});
