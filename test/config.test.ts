import * as assert from 'assert';
import { check, ConfigError } from '../lib/core/config';
import { fieldDocs, int, num, resolveConfig, section, vec2, withDefaults, z } from '../lib/core/schema';

describe('config schemas', () => {
  const inner = section({ lr: num.positive().default(1e-3).describe('step size'), beta: num.min(0).max(1).default(0.9) });
  const schema = section({
    K: int.positive().default(10).describe('episodes per update'),
    start: vec2.default([0, 0]),
    method: z.enum(['caml', 'maml']).default('caml'),
    opt: withDefaults(inner, { lr: 0.01 }).default({}).describe('optimizer'),
  });

  it('fills every default, nested sections too, without touching the schema', () => {
    assert.deepStrictEqual(resolveConfig('test config', schema, {}), { K: 10, start: [0, 0], method: 'caml', opt: { lr: 0.01, beta: 0.9 } });
    assert.deepStrictEqual(resolveConfig('test config', schema, { opt: { beta: 0.5 } }).opt, { lr: 0.01, beta: 0.5 });
    assert.deepStrictEqual(resolveConfig('test config', schema, undefined).opt, { lr: 0.01, beta: 0.9 });
  });

  it('keeps an embedded section\'s own defaults when the caller overrides another of its fields', () => {
    // zod's plain .default({ lr: 0.01 }) would give lr = 1e-3 here.
    assert.strictEqual(resolveConfig('test config', schema, { opt: { beta: 0.2 } }).opt.lr, 0.01);
    assert.strictEqual(resolveConfig('test config', inner, { beta: 0.2 }).lr, 1e-3);
  });

  it('names the config, the dotted field, what was expected and what was given', () => {
    const bad: [unknown, RegExp][] = [
      [{ K: 0 }, /^test config: "K" must be an integer > 0, got 0$/],
      [{ K: 2.5 }, /"K" must be an integer > 0, got 2.5/],
      [{ K: NaN }, /"K" must be an integer > 0, got NaN/],
      [{ K: '3' }, /"K" must be an integer > 0, got "3"/],
      [{ opt: { lr: -1 } }, /"opt.lr" must be a finite number > 0, got -1/],
      [{ opt: { beta: 2 } }, /"opt.beta" must be a finite number in \[0, 1\], got 2/],
      [{ opt: { lr: Infinity } }, /"opt.lr" must be a finite number > 0, got Infinity/],
      [{ start: [1, NaN] }, /"start\[1\]" must be a finite number, got NaN/],
      [{ method: 'camel' }, /"method" must be one of "caml", "maml", got "camel"/],
      [5, /"\(root\)" must be an object of settings, got 5/],
    ];
    for (const [input, re] of bad) assert.throws(() => resolveConfig('test config', schema, input as never), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(input));
  });

  it('rejects unknown keys, including inherited names and __proto__, listing the known ones', () => {
    for (const key of ['typo', 'toString', 'constructor', '__proto__']) {
      const input = JSON.parse(`{"opt": {"${key}": 1}}`);
      assert.throws(() => resolveConfig('test config', schema, input), new RegExp(`"opt.${key}" is not a known setting \\(known: lr, beta\\)`), key);
    }
  });

  it('lists every field with its default and doc', () => {
    const docs = fieldDocs(schema);
    assert.deepStrictEqual(docs.map((d) => d.field), ['K', 'start', 'method', 'opt.lr', 'opt.beta']);
    assert.deepStrictEqual(docs[0], { field: 'K', default: '10', doc: 'episodes per update' });
    assert.deepStrictEqual(docs[3], { field: 'opt.lr', default: '0.01', doc: 'step size' });
  });

  it('argument checks name the function and the argument', () => {
    assert.throws(() => check.positive('particle config', 'stepSize', -1), /particle config: "stepSize" must be a finite number > 0, got -1/);
    assert.throws(() => check.oneOf('x', 'method', 'camel', ['caml', 'maml']), /"method" must be one of "caml", "maml", got "camel"/);
    assert.strictEqual(check.inRange('x', 'gamma', 0.99, 0, 1), 0.99);
  });
});
