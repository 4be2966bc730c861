import * as assert from 'assert';
import { dynamics, EntityType, N_ACTIONS, particleConfig, pureRemapping, RIGHT, step as discreteStep, UP } from '../lib/envs/particle';
import { buttonAction, halfAxisParts, step } from '../lib/envs/particle-continuous';
import { testbed, testbedConfig } from '../lib/envs/testbed';
import { Rng } from '../lib/core/rng';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

describe('continuous personalized testbed', () => {
  const cfg = particleConfig();

  it('splits an action into its four half-axis parts (left, right, down, up), clipping to [-1, 1]', () => {
    assert.deepStrictEqual(Array.from(halfAxisParts([0.3, -0.5, -2, 1.5])), [0, 0.3, 0.5, 0, 1, 0, 0, 1]);
  });

  it('makes exactly the discrete move for a unit action along an axis, for every entity type and button, with the same random stream', () => {
    const bed = testbed(testbedConfig());
    const nT = bed.types.length;
    const B = nT * N_ACTIONS;
    const typeOf = new Int32Array(B), buttons = new Uint8Array(B), actions = new Float64Array(2 * B);
    const s = new Float64Array(2 * B);
    const start = new Rng(3);
    for (let i = 0; i < nT; i++) {
      for (let a = 0; a < N_ACTIONS; a++) {
        const b = i * N_ACTIONS + a;
        typeOf[b] = i;
        buttons[b] = a;
        [actions[2 * b], actions[2 * b + 1]] = buttonAction(a);
        s[2 * b] = start.uniform(-1, 1);
        s[2 * b + 1] = start.uniform(-1, 1);
      }
    }
    const d = discreteStep(bed.dyn, typeOf, s, buttons, null, new Rng(11));
    const c = step(bed.dyn, typeOf, s, actions, null, new Rng(11));
    assert.deepStrictEqual(Array.from(c.state), Array.from(d.state));
    assert.deepStrictEqual(Array.from(c.reward), Array.from(d.reward));
    assert.deepStrictEqual(Array.from(c.done), Array.from(d.done));
    // the types do differ in how they move for the same button (tasks differ in their dynamics)
    const moves = new Set(Array.from({ length: nT }, (_, i) => (c.state[2 * (i * N_ACTIONS + RIGHT)] - s[2 * (i * N_ACTIONS + RIGHT)]).toFixed(6)));
    assert.ok(moves.size > 6);
  });

  it('moves a diagonal action by the sum of its parts, each scaled by its size', () => {
    // perm: right -> up, up -> left; drift 0.4 on right (sideways along the left normal of up, (-1, 0))
    const t: EntityType = { id: 0, latent: 0, variant: 0, perm: [2, 3, 1, 0], drift: [0, 0.4, 0, 0.2], spread: [0, 0, 0, 0] };
    const dyn = dynamics([t], cfg);
    const r = step(dyn, new Int32Array([0]), new Float64Array([0, 0]), [0.5, 0.25], null, new Rng(0));
    // right part 0.5: 0.5 * 0.05 * ((0, 1) + 0.4 (-1, 0)) = (-0.01, 0.025)
    // up part 0.25: up -> left (-1, 0), left normal (0, -1): 0.25 * 0.05 * ((-1, 0) + 0.2 (0, -1)) = (-0.0125, -0.0025)
    close(r.state[0], -0.0225);
    close(r.state[1], 0.0225);
    close(r.reward[0], -((1.0225) ** 2 + (0.9775) ** 2));
  });

  it('scales the sideways noise with the part and draws only for non-zero parts', () => {
    const t: EntityType = { id: 0, latent: 0, variant: 0, perm: [0, 1, 2, 3], drift: [0, 0, 0, 0], spread: [0, 0.5, 0, 0] };
    const dyn = dynamics([t], cfg);
    const rng = new Rng(5), ref = new Rng(5);
    const r = step(dyn, new Int32Array([0, 0]), new Float64Array(4), [0, 0, 0.5, 0], null, rng);
    // row 0: no action, no move, no draw; row 1: half right with noise 0.5 * 0.05 * 0.5 * u along (0, 1)
    assert.deepStrictEqual(Array.from(r.state.slice(0, 2)), [0, 0]);
    const u = 2 * ref.random() - 1;
    close(r.state[2], 0.025);
    close(r.state[3], 0.5 * 0.05 * 0.5 * u);
    assert.strictEqual(rng.random(), ref.random());
  });

  it('keeps finished particles in place and rejects NaN actions and mismatched shapes naming the row', () => {
    const dyn = dynamics([pureRemapping([0, 1, 2, 3])], cfg);
    const r = step(dyn, new Int32Array([0]), new Float64Array([0.2, 0.3]), [1, 1], new Uint8Array([0]), new Rng(0));
    assert.deepStrictEqual(Array.from(r.state), [0.2, 0.3]);
    assert.strictEqual(r.done[0], 1);
    assert.throws(() => step(dyn, new Int32Array([0]), new Float64Array(2), [NaN, 0], null, new Rng(0)), /row 0 is NaN/);
    assert.throws(() => step(dyn, new Int32Array([0]), new Float64Array(2), [1, 0, 0, 0], null, new Rng(0)), /actions 2/);
    assert.throws(() => buttonAction(UP + 1), /0\.\.3/);
  });
});
