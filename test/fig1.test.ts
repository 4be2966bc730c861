import * as assert from 'assert';
import { adaptationConfig, adaptToType } from '../lib/adaptation';
import { fig1Config, fig1Sizes, fig1Unit, METHODS } from '../lib/fig1';
import { constantPolicy, initParams, PAPER_POLICY } from '../lib/policy';
import { Rng } from '../lib/rng';
import { testbed, testbedConfig } from '../lib/testbed';

describe('Figures 1-2 experiment', () => {
  const tiny = fig1Config({
    ...fig1Sizes('quick').config,
    iterations: 3,
    queryTypes: [3, 11],
    testbed: { particle: { horizon: 25 } },
    K: 3,
    caml: { n: 2, k: 2, K: 3, divergence: { samples: 32 } },
    maml: { K: 3 },
    reptile: { innerUpdates: 2, K: 3 },
    adaptation: { updates: 2, evalEpisodes: 2, K: 3, initEpisodes: 4 },
  });

  for (const method of METHODS) {
    it(`${method}: a tiny-budget run trains, adapts to every query type and records every update`, () => {
      const t = fig1Unit({ ...tiny, methods: [method] }, 0);
      const updates = [...new Set(t.eval.map((r) => r.update))];
      assert.deepStrictEqual(updates, [0, 1, 2]);
      assert.deepStrictEqual([...new Set(t.eval.map((r) => r.query))], [3, 11]);
      assert.strictEqual(t.eval.length, 2 * 3 * 2);
      for (const r of t.eval) assert.ok(Number.isFinite(r.return as number) && Number.isFinite(r.endX as number));
      if (method === 'caml') assert.ok(t.medoids.length > 0 && t.medoids.every((m) => ![3, 11].includes(m.type as number)));
      if (method !== 'random') assert.ok(t.training.length > 0);
    });
  }

  it('gives each method the same rows whether or not other methods run', () => {
    const alone = fig1Unit({ ...tiny, methods: ['reptile'] }, 1).eval;
    const together = fig1Unit({ ...tiny, methods: ['random', 'reptile'] }, 1).eval.filter((r) => r.method === 'reptile');
    assert.deepStrictEqual(together, alone);
  });

  it('adaptation spends the initialization period on choosing among several initializations only', () => {
    const bed = testbed(testbedConfig());
    const good = constantPolicy(PAPER_POLICY, [0, 0, 0, 0]);
    const cfg = adaptationConfig({ updates: 1, evalEpisodes: 3 });
    const one = adaptToType([good], 3, cfg, bed.dyn, PAPER_POLICY, new Rng(0));
    assert.deepStrictEqual(one.points.map((p) => p.episodesUsed), [0, 10]);
    const several = adaptToType([good, initParams(PAPER_POLICY, new Rng(1))], 3, cfg, bed.dyn, PAPER_POLICY, new Rng(0));
    assert.deepStrictEqual(several.points.map((p) => p.episodesUsed), [10, 20]);
    assert.strictEqual(several.bandit!.counts.reduce((a, b) => a + b, 0), 10);
  });

  it('rejects an unknown method name from a config file, and bad query types', () => {
    const fromFile = JSON.parse('{"methods": ["caml", "camel"]}');
    assert.throws(() => fig1Config(fromFile), /fig1 config: "methods\[1\]" must be one of "caml", "joint", .* got "camel"/);
    assert.throws(() => fig1Config({ queryTypes: [3, 3] }), /"queryTypes" must not repeat a type/);
    assert.throws(() => fig1Config({ queryTypes: [30] }), /"queryTypes" must be a non-empty list of integers in \[0, 23\]/);
    assert.throws(() => fig1Config({ caml: { k: 4, n: 2 } }), /fig1 config caml: "k" must be at most n/);
  });
});
