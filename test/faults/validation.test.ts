/**
 * Every public entry validates, or accepts only resolved configs (enforced by type): the
 * resolvers reject bad values and keys that plain objects inherit, cross-field
 * impossibilities fail at validation rather than minutes later, and a hand-written object
 * cannot be passed where a resolved config is expected (checked by the compiler through
 * the `@ts-expect-error` lines below: if the mark on resolved configs were removed, they
 * would no longer be errors and this file would not compile).
 */
import * as assert from 'assert';
import { adamConfig, adamInit, adamStep } from '../../lib/core/adam';
import { vpgConfig } from '../../lib/algos/vpg';
import { dynamics, particleConfig, pureRemapping } from '../../lib/envs/particle';
import * as fig1 from '../../lib/experiments/fig1';
import * as fig4 from '../../lib/experiments/fig4';
import { initConfig, initParams, PAPER_POLICY } from '../../lib/policies/softmax-mlp';
import { Rng } from '../../lib/core/rng';

describe('faults: configs are validated at every entry', () => {
  it('rejects horizon 0 or NaN, a negative step size and a NaN learning rate, naming the field', () => {
    assert.throws(() => particleConfig({ horizon: 0 }), /particle config: "horizon" must be an integer > 0, got 0/);
    assert.throws(() => particleConfig({ horizon: NaN }), /"horizon" must be an integer > 0, got NaN/);
    assert.throws(() => particleConfig({ stepSize: -1 }), /"stepSize" must be a finite number > 0, got -1/);
    assert.throws(() => vpgConfig({ adam: { lr: NaN } }), /"adam\.lr" must be a finite number > 0, got NaN/);
    assert.throws(() => adamConfig({ lr: Infinity }), /"lr" must be a finite number > 0, got Infinity/);
  });

  it('rejects keys that every object inherits: toString, constructor, __proto__', () => {
    assert.throws(() => particleConfig({ toString: 1 } as never), /particle config: "toString" is not a known setting/);
    assert.throws(() => particleConfig({ constructor: 1 } as never), /"constructor" is not a known setting/);
    assert.throws(() => particleConfig(JSON.parse('{"__proto__": {"horizon": 0}}')), /"__proto__" is not a known setting/);
    assert.throws(() => fig1.config({ caml: { hasOwnProperty: 1 } } as never), /fig1 config: "caml\.hasOwnProperty" is not a known setting/);
  });

  it('catches impossible combinations at validation: iterations below CAML\'s n, a repeated method or estimator', () => {
    assert.throws(() => fig1.config({ iterations: 4, caml: { n: 12, k: 2 } }), /fig1 config: "iterations" must be at least caml\.n = 12 \(CAML clusters first after n iterations\), got 4/);
    assert.doesNotThrow(() => fig1.config({ iterations: 4, methods: ['joint'], caml: { n: 12, k: 2 } }));
    assert.throws(() => fig1.config({ methods: ['caml', 'joint', 'caml'] }), /"methods" must not repeat a method/);
    assert.throws(() => fig4.config({ estimators: ['policy', 'policy'] }), /"estimators" must not repeat an estimator/);
  });

  it('library functions take resolved configs only (compile-time check)', () => {
    const rng = new Rng(0);
    const typeErrors = () => {
      // @ts-expect-error: a hand-written particle config has not been checked
      dynamics([pureRemapping([0, 1, 2, 3])], { stepSize: -1, horizon: 0, start: [0, 0], target: [1, 1], goalRadius: 0.1 });
      // @ts-expect-error: nor has a hand-written Adam config
      adamStep(new Float32Array(1), new Float32Array(1), adamInit(1), { lr: NaN, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
      // @ts-expect-error: nor a hand-written initialization
      initParams(PAPER_POLICY, rng, { outputScale: -1 });
    };
    assert.strictEqual(typeof typeErrors, 'function'); // never called: the compiler is the check
    assert.ok(dynamics([pureRemapping([0, 1, 2, 3])], particleConfig({ horizon: 5 })));
    assert.strictEqual(initParams(PAPER_POLICY, rng, initConfig({ outputScale: 0.5 })).length > 0, true);
  });
});
