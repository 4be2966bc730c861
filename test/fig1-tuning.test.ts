import * as assert from 'assert';
import { Row } from '../lib/core/row';
import * as fig1 from '../lib/experiments/fig1';
import { plan, Tuning, TUNED_PATHS, withChosen } from '../lib/experiments/fig1-tuning';
import { chooseSetting as choose, settingScores as scores, SweepResult } from '../lib/experiments/sweep';
import { budgetTable, choiceTable, describeChoice, tuningFigure } from '../lib/report/fig1-tuning';
import { camlRank, describeEqualExperience, fig1Figure, rewardAt, verdictsAlong } from '../lib/report/fig1';
import { testbed, testbedConfig } from '../lib/envs/testbed';

describe('Figure 1 tuning', () => {
  for (const scale of ['quick', 'paper'] as const) {
    it(`gives every method the same budget and tunes on support types only (${scale})`, () => {
      const p = plan(scale);
      const sizes = [...new Set(Object.values(p.spaces).map((s) => s!.length))];
      assert.strictEqual(sizes.length, 1, 'every method tries the same number of settings');
      assert.deepStrictEqual(Object.keys(p.spaces).sort(), fig1.METHODS.filter((m) => m !== 'random').sort());
      for (const [m, points] of Object.entries(p.spaces)) {
        for (const pt of points!) assert.deepStrictEqual(Object.keys(pt), TUNED_PATHS[m as fig1.MethodName], `${m} sweeps its own paths`);
      }
      assert.ok(p.validationTypes.every((t) => !p.queryTypes.includes(t)), 'validation types are support types');
      const cfg = fig1.config(p.base);
      assert.deepStrictEqual(cfg.queryTypes, p.validationTypes);
      assert.deepStrictEqual(cfg.heldOutTypes, p.queryTypes);
      assert.deepStrictEqual(cfg.protocols, ['equal-experience']);
      // Fig. 1's own query types at this scale are the ones held out.
      assert.deepStrictEqual(p.queryTypes, fig1.config(fig1.sizes(scale).config).queryTypes);
    });
  }

  it('never trains a tuning run on the query types or the validation types', () => {
    const p = plan('quick');
    const cfg = fig1.config({ ...p.base, iterations: 6, methods: ['caml', 'joint', 'reptile'], caml: { n: 2, k: 2, divergence: { samples: 32 } }, testbed: { particle: { horizon: 25 } }, adaptation: { updates: 1, evalEpisodes: 2 } });
    const t = fig1.unit(cfg, 0);
    const trained = new Set(t.training.map((r) => Number(r.type)).filter((x) => x >= 0));
    assert.ok(trained.size > 0);
    for (const x of [...p.queryTypes, ...p.validationTypes]) assert.ok(!trained.has(x), `type ${x} was trained on`);
    assert.deepStrictEqual([...new Set(t.eval.map((r) => r.query))], p.validationTypes);
  });

  it('scores a setting by its mean return per seed and chooses the best mean over seeds', () => {
    // Two settings x two seeds x two rows each; lr 0.1 has mean -10, lr 0.01 has mean -20.
    const rows: Row[] = [0.1, 0.01].flatMap((lr) => [0, 1].flatMap((seed) => [0, 1].map((i) => ({ 'caml.vpg.adam.lr': lr, seed, update: i, return: (lr === 0.1 ? -10 : -20) + (i === 0 ? 1 : -1) + seed }))));
    const s = scores(rows, ['caml.vpg.adam.lr']);
    assert.deepStrictEqual(s.map((r) => [r['caml.vpg.adam.lr'], r.seed, r.score]), [[0.1, 0, -10], [0.1, 1, -9], [0.01, 0, -20], [0.01, 1, -19]]);
    assert.deepStrictEqual(choose(s, ['caml.vpg.adam.lr']), { 'caml.vpg.adam.lr': 0.1 });
  });

  it('applies the chosen settings over Fig. 1\'s overrides', () => {
    const o = withChosen({ iterations: 12, maml: { K: 3 } }, { maml: { 'maml.alpha': 0.3, 'maml.adam.lr': 0.003 }, joint: { 'joint.vpg.adam.lr': 0.03 } });
    const cfg = fig1.config(o);
    assert.deepStrictEqual([cfg.iterations, cfg.maml.K, cfg.maml.alpha, cfg.maml.adam.lr, cfg.joint.vpg.adam.lr, cfg.pretrainSame.vpg.adam.lr], [12, 3, 0.3, 0.003, 0.03, 0.01]);
  });

  it('reports the budget, the choice against the default, and grid edges', () => {
    const p = plan('quick');
    const mk = (m: fig1.MethodName, best: number): Row[] => p.spaces[m]!.flatMap((pt, i) => [0, 1].map((seed) => ({ ...pt, seed, score: i === best ? -5 + seed : -50 + seed })));
    const t: Tuning = { plan: { ...p, seeds: [0, 1] }, sweeps: {}, scores: {}, chosen: {} };
    for (const m of ['caml', 'maml'] as const) {
      t.scores[m] = mk(m, m === 'caml' ? 1 : 3);
      t.chosen[m] = choose(t.scores[m]!, TUNED_PATHS[m] as string[]);
      t.sweeps[m] = { points: p.spaces[m]!, runs: [{ config: fig1.config(p.base) }] } as unknown as SweepResult<fig1.Fig1Config>;
    }
    assert.deepStrictEqual(t.chosen.caml, { 'caml.vpg.adam.lr': 0.01 });
    assert.deepStrictEqual(t.chosen.maml, { 'maml.alpha': 0.3, 'maml.adam.lr': 0.03 });
    assert.deepStrictEqual(budgetTable(t).map((r) => [r.method, r.settings, r.seeds, r.units]), [['CAML', 4, 2, 8], ['MAML', 4, 2, 8]]);
    const choice = choiceTable(t);
    assert.deepStrictEqual(choice[0], { method: 'CAML', chosen: 'VPG step size = 0.01', 'score (chosen)': '-4.50 [-10.85, 1.85]', default: 'VPG step size = 0.01', 'score (default)': '-4.50 [-10.85, 1.85]' });
    assert.strictEqual(choice[1]['score (default)'], '-49.50 [-55.85, -43.15]');
    const text = describeChoice(t);
    assert.match(text, /^Each of the 2 trained methods tried 4 settings of its own step sizes over 2 seed\(s\), adapting to validation types 2 with the query types 3, 11, 19 held out\. CAML kept Fig\. 1's default\. Changed: MAML \(inner alpha = 0\.3, meta step size = 0\.03\)\./);
    assert.match(text, /At the edge of the grid, so a better value may lie beyond it: MAML's inner alpha \(0\.3, the largest tried\); MAML's meta step size \(0\.03, the largest tried\)\.$/);
    const fig = tuningFigure(t);
    const stars = fig.data.filter((d) => (d.marker as { symbol?: string } | undefined)?.symbol === 'star');
    assert.strictEqual(stars.length, 3, 'one star per panel: CAML lr, MAML alpha, MAML meta step');
    assert.deepStrictEqual([stars[0].x, stars[0].y], [[0.01], [-4.5]]);
  });
});

describe('Figure 1 at equal experience', () => {
  // Two seeds, one query type; CAML and random init under both protocols.
  // equal-experience: both used 10, 20 episodes at updates 0, 1; CAML -100 then -60, random -80 then -70 (+ seed).
  // bandit-only: CAML as above; random used 0, 10 episodes: -150 then -80 (+ seed).
  const row = (protocol: string, method: string, update: number, episodesUsed: number, ret: number, seed: number) => ({ seed, method, protocol, query: 3, update, episodesUsed, episode: 0, return: ret + (method === 'caml' ? seed : 2 * seed), endX: 0, endY: 0 });
  const rows = [0, 1].flatMap((seed) => [
    row('equal-experience', 'caml', 0, 10, -100, seed), row('equal-experience', 'caml', 1, 20, -60, seed),
    row('equal-experience', 'random', 0, 10, -80, seed), row('equal-experience', 'random', 1, 20, -70, seed),
    row('bandit-only', 'caml', 0, 10, -100, seed), row('bandit-only', 'caml', 1, 20, -60, seed),
    row('bandit-only', 'random', 0, 0, -150, seed), row('bandit-only', 'random', 1, 10, -80, seed),
  ]);
  const equal = rows.filter((r) => r.protocol === 'equal-experience'), banditOnly = rows.filter((r) => r.protocol === 'bandit-only');

  it('compares methods at the same number of episodes of the query type', () => {
    assert.deepStrictEqual(verdictsAlong(equal), [{ 'CAML against': 'random init', 10: 'loses', 20: 'wins' }]);
    assert.deepStrictEqual(rewardAt(equal, 'episodesUsed', 20).map((r) => [r.method, r.reward, r.CAML]), [['CAML', '-59.50 [-65.85, -53.15]', undefined], ['random init', '-69.00 [-81.71, -56.29]', 'wins']]);
    assert.deepStrictEqual(camlRank(equal, 'episodesUsed', 10), { rank: 2, of: 2 });
    assert.deepStrictEqual(camlRank(banditOnly, 'update', 1), { rank: 1, of: 2 });
  });

  it('writes the verdict sentences from the rows', () => {
    assert.strictEqual(describeEqualExperience(equal, banditOnly),
      'With equal experience (every method has used the same episodes of the query type), CAML ranks 2nd at 10, 1st at 20 episodes, among the 2 methods that never trained on the query type. ' +
      'Elsewhere the verdict depends on the budget: against random init it wins at 20; loses at 10 episodes. ' +
      'In the bandit-only reading (only the methods that choose or adapt with it spend the initialization period), CAML ranks 1st of 2 after one update, having used 20 episodes of the query type where the others used 10.');
  });

  it('groups the methods CAML beats, ties with or loses to at every budget', () => {
    const worse = equal.map((r) => (r.method === 'random' ? { ...r, return: r.return - 100 } : r));
    assert.match(describeEqualExperience(worse, banditOnly), /At every number of episodes \(10 to 20\), CAML beats random init\. In the bandit-only/);
  });

  it('draws Fig. 1 against episodes of the query type used', () => {
    const fig = fig1Figure(equal, testbed(testbedConfig()), ['caml', 'random'], { x: 'episodesUsed' });
    const caml = fig.data.find((d) => d.name === 'CAML' && d.mode === 'lines+markers') as { x: number[] };
    assert.deepStrictEqual(caml.x, [10, 20]);
    assert.strictEqual((fig.layout!.xaxis as { title: { text: string } }).title.text, 'episodes of the query type used');
  });
});
