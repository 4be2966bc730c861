import * as assert from 'assert';
import { check, ConfigError, mergeConfig } from '../lib/core/config';

describe('config', () => {
  const defaults = { a: 1, nested: { b: 2, c: [1, 2] } };

  it('merges nested overrides over defaults without touching the defaults', () => {
    const c = mergeConfig('test config', defaults, { nested: { b: 5 } });
    assert.deepStrictEqual(c, { a: 1, nested: { b: 5, c: [1, 2] } });
    assert.strictEqual(defaults.nested.b, 2);
  });

  it('rejects an unknown field, naming it and listing the known ones', () => {
    assert.throws(() => mergeConfig('test config', defaults, { nested: { typo: 1 } } as never),
      (e: Error) => e instanceof ConfigError && /test config: "nested.typo" is not a known setting \(known: b, c\)/.test(e.message));
  });

  it('field checks name the config and the field and say what was expected', () => {
    assert.throws(() => check.positive('particle config', 'stepSize', -1), /particle config: "stepSize" must be a finite number > 0, got -1/);
    assert.throws(() => check.positiveInt('x', 'horizon', 0), /"horizon" must be an integer > 0, got 0/);
    assert.throws(() => check.oneOf('x', 'method', 'camel', ['caml', 'maml']), /"method" must be one of "caml", "maml", got "camel"/);
    assert.strictEqual(check.inRange('x', 'gamma', 0.99, 0, 1), 0.99);
  });
});
