import * as assert from 'assert';
import { adaptationConfig, adaptToType } from '../lib/algos/adaptation';
import * as fig1 from '../lib/experiments/fig1';
import { camlVerdicts, describeVerdicts, fig1Figure, fig2Figure, medoidFigure, movingAwayShare, rewardAfterUpdate } from '../lib/report/fig1';
import { constantPolicy, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('Figures 1-2 experiment', () => {
  const tiny = fig1.config({
    ...fig1.sizes('quick').config,
    iterations: 3,
    queryTypes: [3, 11],
    testbed: { particle: { horizon: 25 } },
    K: 3,
    caml: { n: 2, k: 2, K: 3, divergence: { samples: 32 } },
    maml: { K: 3 },
    reptile: { innerUpdates: 2, K: 3 },
    adaptation: { updates: 2, evalEpisodes: 2, K: 3, initEpisodes: 4 },
  });

  for (const method of fig1.METHODS) {
    it(`${method}: a tiny-budget run trains, adapts to every query type and records every update`, () => {
      const t = fig1.unit({ ...tiny, methods: [method] }, 0);
      const updates = [...new Set(t.eval.map((r) => r.update))];
      assert.deepStrictEqual(updates, [0, 1, 2]);
      assert.deepStrictEqual([...new Set(t.eval.map((r) => r.query))], [3, 11]);
      assert.deepStrictEqual([...new Set(t.eval.map((r) => r.protocol))], ['equal-experience', 'bandit-only']);
      assert.strictEqual(t.eval.length, 2 * 2 * 3 * 2, 'protocols x queries x updates x episodes');
      // Episodes of the query type used by update 0, 1, 2 (initEpisodes 4, K 3).
      const used = (p: string) => [...new Set(t.eval.filter((r) => r.protocol === p).map((r) => r.episodesUsed))];
      assert.deepStrictEqual(used('equal-experience'), [4, 7, 10]);
      // CAML's bandit and BO-MRL's adaptation spend the period under both protocols.
      const spends = method === 'caml' || method === 'bomrl';
      assert.deepStrictEqual(used('bandit-only'), spends ? [4, 7, 10] : [0, 3, 6]);
      if (spends) {
        // ... with the same random numbers, so both protocols give the same rows.
        const strip = (p: string) => t.eval.filter((r) => r.protocol === p).map(({ protocol: _p, ...r }) => r);
        assert.deepStrictEqual(strip('bandit-only'), strip('equal-experience'));
      }
      for (const r of t.eval) assert.ok(Number.isFinite(r.return as number) && Number.isFinite(r.endX as number));
      if (method === 'caml') assert.ok(t.medoids.length > 0 && t.medoids.every((m) => ![3, 11].includes(m.type as number)));
      if (method !== 'random') assert.ok(t.training.length > 0);
    });
  }

  it('gives each method the same rows whether or not other methods run', () => {
    const alone = fig1.unit({ ...tiny, methods: ['reptile'] }, 1).eval;
    const together = fig1.unit({ ...tiny, methods: ['random', 'reptile'] }, 1).eval.filter((r) => r.method === 'reptile');
    assert.deepStrictEqual(together, alone);
  });

  it('adaptation spends the initialization period on the bandit, or on a first VPG batch of a single initialization unless bandit-only', () => {
    const bed = testbed(testbedConfig());
    const good = constantPolicy(PAPER_POLICY, [0, 0, 0, 0]);
    const cfg = adaptationConfig({ updates: 1, evalEpisodes: 3 });
    const one = adaptToType([good], 3, { ...cfg, initPeriod: 'bandit-only' }, bed.dyn, PAPER_POLICY, new Rng(0));
    assert.deepStrictEqual(one.points.map((p) => p.episodesUsed), [0, 10]);
    const equal = adaptToType([good], 3, cfg, bed.dyn, PAPER_POLICY, new Rng(0));
    assert.strictEqual(cfg.initPeriod, 'equal-experience');
    assert.deepStrictEqual(equal.points.map((p) => p.episodesUsed), [10, 20]);
    const several = adaptToType([good, initParams(PAPER_POLICY, new Rng(1))], 3, cfg, bed.dyn, PAPER_POLICY, new Rng(0));
    assert.deepStrictEqual(several.points.map((p) => p.episodesUsed), [10, 20]);
    assert.strictEqual(several.bandit!.counts.reduce((a, b) => a + b, 0), 10);
  });

  it('rejects an unknown method name from a config file, and bad query types', () => {
    const fromFile = JSON.parse('{"methods": ["caml", "camel"]}');
    assert.throws(() => fig1.config(fromFile), /fig1 config: "methods\[1\]" must be one of "caml", "joint", .* got "camel"/);
    assert.throws(() => fig1.config({ queryTypes: [3, 3] }), /"queryTypes" must not repeat a type/);
    assert.throws(() => fig1.config({ queryTypes: [30] }), /fig1 config: "queryTypes\[0\]" must be a type index in \[0, 23\], got 30/);
    assert.throws(() => fig1.config({ caml: { k: 4, n: 2 } }), /fig1 config: "caml.k" must be at most n \(the policies clustered at l.5\), got k = 4 > n = 2/);
  });

  describe('from saved rows to the figures, tables and verdicts', () => {
    // 3 seeds, CAML and random init, one query type, updates 0-1, two episodes each.
    // CAML after 1 update: -100 + seed; random: -120 + 2 seed -> paired difference 20 - seed.
    const rows = [0, 1, 2].flatMap((seed) => (['caml', 'random'] as const).flatMap((method) => [0, 1].flatMap((update) => [0, 1].map((episode) => ({
      seed, method, protocol: 'bandit-only', query: 3, queryLatent: 0, update, episodesUsed: 10 * (update + 1), episode,
      return: update === 0 ? -200 : method === 'caml' ? -100 + seed : -120 + 2 * seed,
      endX: method === 'caml' ? 0.9 : episode === 0 ? -1 : 0.5, endY: method === 'caml' ? 1 : episode === 0 ? -1 : 0.5,
    })))));

    it('averages episodes within a seed, then gives a t-interval over seeds and CAML\'s paired verdict', () => {
      const t = rewardAfterUpdate(rows, 1);
      assert.deepStrictEqual(t.map((r) => r.method), ['CAML', 'random init']);
      assert.strictEqual(t[0].reward, '-99.00 [-101.5, -96.52]');
      assert.strictEqual(t[1].CAML, 'wins');
      assert.strictEqual(t[1]['CAML minus method'], '19.0 [16.5, 21.5]');
    });

    it('states per query type where CAML wins, ties or loses', () => {
      const v = camlVerdicts(rows, 1);
      assert.deepStrictEqual(v, [{ query: 3, 'random init': 'wins' }]);
      assert.strictEqual(describeVerdicts(v), 'Over 1 comparisons (query type x method), CAML wins 1, ties 0 and loses 0. Wins: random init (type 3).');
      assert.strictEqual(camlVerdicts(rows, 0)[0]['random init'], 'ties');
    });

    it('counts the episodes that end farther from the target than the start', () => {
      const away = movingAwayShare(rows, { start: [0, 0], target: [1, 1] });
      const at = (m: string) => away.find((r) => r.method === m && r.update === 1)!['share moving away'];
      assert.strictEqual(at('CAML'), '0 [0, 0]');
      assert.strictEqual(at('random init'), '0.500 [0.500, 0.500]');
    });

    it('draws one panel per query type, the end positions per method with a slider, and the medoid groups', () => {
      const bed = testbed(testbedConfig());
      const f1 = fig1Figure(rows, bed, ['caml', 'random']);
      assert.strictEqual(f1.data.length, 2 * 2);
      const f2 = fig2Figure(rows, bed, ['caml', 'random']);
      const sliders = f2.layout!.sliders as { steps: { args: [{ visible: boolean[] }] }[] }[];
      assert.strictEqual(sliders[0].steps.length, 2);
      const visible = sliders[0].steps[1].args[0].visible;
      assert.strictEqual(visible.filter(Boolean).length, f2.data.length / 2, 'each step shows its own traces only');
      const med = medoidFigure([{ seed: 0, iteration: 12, latent: 0 }, { seed: 0, iteration: 12, latent: 2 }, { seed: 0, iteration: 24, latent: 2 }], 3);
      assert.deepStrictEqual(med.data.map((t) => t.y), [[1, 0], [0, 0], [1, 1]]);
    });
  });
});
