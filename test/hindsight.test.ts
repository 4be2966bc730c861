import * as assert from 'assert';
import { ConfigError } from '../lib/core/config';
import * as hindsight from '../lib/experiments/hindsight';
import { HindsightConfig } from '../lib/experiments/hindsight';
import { algorithm1Pass, reptileMetaIteration } from '../lib/algos/hindsight-maml';
import { randomDistribution, randomDistributionPair } from '../lib/experiments/hindsight-theory';
import {
  axiomsTable, boundsFigure, boundTightness, describeAxioms, describeBounds, describeEquivalence, describeExperts, equivalenceTable,
  expertGroupingTable, expertHeatmapFigure, expertMatrices,
} from '../lib/report/hindsight-metrics';
import {
  adaptationFigure, adaptationQueryFigure, bufferTable, describeReplayEffect, describeSiamese, epsilonFigure, replayEffectTable, replayStatsTable,
  siameseRocFigure, siameseScores, siameseTable, siameseTrainingFigure,
} from '../lib/report/hindsight';
import { initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { replayInit } from '../lib/algos/hindsight-replay';
import { Row } from '../lib/core/row';
import { Rng } from '../lib/core/rng';
import { SeededTablesOf, TablesOf } from '../lib/experiments/tables';

type Tables = TablesOf<typeof hindsight.TABLES>;
type All = SeededTablesOf<typeof hindsight.TABLES>;
import { testbed } from '../lib/envs/testbed';
import { tf } from '../lib/core/tf';

/** A budget that runs every part of the pipeline in about a second. */
const TINY = {
  testbed: { particle: { horizon: 30 } },
  states: { n: 128 },
  theory: { policies: 4, episodes: 2, discretePairs: 60, policyPairs: 60, gaussianPairs: 6, gaussianDraws: 60 },
  equivalence: { episodes: 3 },
  experts: { updates: 2, K: 3, episodes: 2 },
  siamese: { steps: 3, expertEpisodes: 2, probeEpisodes: 2, train: { transitionsPerTask: 16 } },
  // delta accepts every batch, so that every replay arm has data.
  meta: { reptileIterations: 3, reptile: { innerUpdates: 2, K: 3 }, mamlIterations: 2, maml: { K: 3 }, alg1Passes: 1, bufferEpisodes: 2, replay: { delta: 1e9 } },
  adaptation: { updates: 2, K: 3, evalEpisodes: 3, replayK: 3 },
};

const withSeed = (t: Tables, seed: number): All => Object.fromEntries(Object.entries(t).map(([k, rows]) => [k, rows.map((r) => ({ seed, ...r }))])) as All;
const n = (v: unknown) => Number(v);

describe('Hindsight MAML experiments (paper 001, Sec. V)', () => {
  const cfg: HindsightConfig = hindsight.config(TINY);
  // tfjs-using fixtures are computed in a hook, after the root hook has chosen the backend.
  let t0: Tables, t1: Tables, all: All;
  before(() => {
    t0 = hindsight.unit(cfg, 0);
    t1 = hindsight.unit(cfg, 1);
    const a = withSeed(t0, 0), b = withSeed(t1, 1);
    all = Object.fromEntries(Object.keys(a).map((k) => [k, [...a[k as keyof All], ...b[k as keyof All]]])) as All;
  });

  describe('one unit (tiny budget)', () => {
    it('returns every table with one row per item', () => {
      const pairs = (24 * 23) / 2;
      assert.deepStrictEqual(Object.fromEntries(Object.entries(t0).map(([k, v]) => [k, v.length])), {
        axioms: 6, bounds: 60 + 60 + 6, equivalence: 4, experts: pairs, expertTraining: 24 * 3, siamese: 3, pairs, meta: 3 + 18,
        adaptation: 2 * 6 * 4 * 3,
      });
    });

    it('V.1: d_P obeys the metric axioms exactly on both policy sets; no bound is violated', () => {
      for (const r of t0.axioms.filter((x) => x.metric === 'd_P')) {
        assert.strictEqual(r.triangleViolations, 0, `${r.policies}`);
        assert.strictEqual(r.maxDiagonal, 0);
        assert.strictEqual(r.maxAsymmetry, 0);
        assert.ok(n(r.triangleChecked) === n(r.M) * (n(r.M) - 1) * (n(r.M) - 2));
      }
      for (const r of t0.bounds) {
        assert.ok(n(r.js) - 3 * n(r.jsStderr) <= n(r.boundLog) * (1 + 1e-12) + 1e-15, `J ${r.js} > log bound ${r.boundLog}`);
        assert.ok(n(r.boundLog) <= n(r.boundHalfS) * (1 + 1e-12) && n(r.symKl) >= 0);
      }
      assert.deepStrictEqual([...new Set(t0.bounds.map((r) => r.source))], ['discrete', 'policy', 'gaussian']);
    });

    it('V.1: P = d_E = 0 on the equivalent-but-unequal pair from the origin while d_P > 0; P > 0 when p_0 enters the half-plane', () => {
      const at = (pair: string, start: string) => t0.equivalence.find((r) => r.pair === pair && r.start === start)!;
      const eq = at('equivalent, unequal', 'origin');
      assert.strictEqual(eq.P, 0);
      assert.strictEqual(eq.dE, 0);
      assert.strictEqual(eq.statesInRegion, 0);
      assert.strictEqual(eq.maxProbGap, 0);
      assert.ok(n(eq.dP) > 0.05, `d_P ${eq.dP}`);
      const inside = at('equivalent, unequal', 'inside the half-plane');
      assert.ok(n(inside.P) > 1 && n(inside.statesInRegion) > 0);
      assert.strictEqual(inside.dP, eq.dP); // q_S does not depend on p_0
      assert.ok(n(at('different (control)', 'origin').P) > 1);
    });

    it('V.2: expert rows cover every pair once, with the latent groups and query flags of both types', () => {
      for (const r of t0.experts) {
        assert.ok(n(r.i) < n(r.j));
        assert.strictEqual(r.latentI, Math.floor(n(r.i) / 4));
        assert.strictEqual(r.queryI, cfg.queryTypes.includes(n(r.i)));
        assert.ok(n(r.dP) > 0 && n(r.P) > 0 && n(r.dE) >= 0);
      }
      assert.deepStrictEqual(t0.expertTraining.filter((r) => r.type === 5).map((r) => r.update), [0, 1, 2]);
    });

    it('V.3: pair labels are the eps rule on d_P, scores lie in (0, 1), and held-out pairs are those touching a query type', () => {
      for (const r of t0.pairs) {
        assert.strictEqual(r.rule, n(r.dP) < cfg.siamese.epsilon ? 1 : 0);
        assert.ok(n(r.score) > 0 && n(r.score) < 1);
        assert.strictEqual(r.split, cfg.queryTypes.includes(n(r.i)) || cfg.queryTypes.includes(n(r.j)) ? 'held-out' : 'support');
        assert.strictEqual(r.same, r.latentI === r.latentJ ? 1 : 0);
      }
      assert.strictEqual(t0.pairs.filter((r) => r.split === 'support').length, (18 * 17) / 2);
      assert.deepStrictEqual(t0.siamese.map((r) => r.step), [1, 2, 3]);
    });

    it('V.4: every arm starts from the same evaluation episodes; only replay arms replay, with ESS in (0, 1]', () => {
      for (const learner of ['reptile', 'maml']) {
        for (const q of cfg.queryTypes) {
          const start = t0.adaptation.filter((r) => r.learner === learner && r.query === q && r.update === 0).map((r) => r.return);
          assert.strictEqual(start.length, 4);
          assert.ok(start.every((v) => v === start[0]), `${learner}, query ${q}: ${start}`);
        }
      }
      const later = t0.adaptation.filter((r) => n(r.update) >= 1);
      for (const r of later.filter((x) => x.arm === 'none')) {
        assert.strictEqual(r.replayTrajectories, 0);
        assert.ok(Number.isNaN(r.ess));
      }
      const allArm = later.filter((x) => x.arm === 'all');
      assert.ok(allArm.every((r) => n(r.replayTrajectories) > 0 && n(r.replayTrajectories) <= cfg.adaptation.replayK));
      assert.ok(allArm.every((r) => n(r.ess) > 0 && n(r.ess) <= 1));
      for (const r of later.filter((x) => x.arm === 'oracle')) assert.strictEqual(r.eligibleSameGroup, r.eligible);
      assert.ok(t0.meta.every((r) => r.accepted === 1));
      assert.deepStrictEqual(t0.meta.filter((r) => r.learner === 'reptile').map((r) => r.entries), [1, 2, 3]);
      // Algorithm 1 as written offers every support task once per pass, in order.
      const alg1 = t0.meta.filter((r) => r.learner === 'maml');
      assert.deepStrictEqual(alg1.map((r) => r.type), [...Array(24).keys()].filter((t) => !cfg.queryTypes.includes(t)));
    });

    it('is deterministic for a seed and differs between seeds', () => {
      assert.deepStrictEqual(hindsight.unit(cfg, 0), t0);
      assert.notDeepStrictEqual(t1.experts, t0.experts);
    });

    it('leaks no tfjs tensors', () => {
      const small = hindsight.config({ ...TINY, queryTypes: [3], adaptation: { ...TINY.adaptation, arms: ['none', 'siamese'] } });
      hindsight.unit(small, 2);
      const before = tf.memory().numTensors;
      hindsight.unit(small, 3);
      assert.strictEqual(tf.memory().numTensors, before);
    });
  });

  describe('filling R: Reptile with Algorithm 1, l.5-10 inside, and Algorithm 1 as written', () => {
    it('Reptile offers tau\' of the adapted policy to R and moves theta toward it', () => {
      const bed = testbed(cfg.testbed);
      const theta = initParams(PAPER_POLICY, new Rng(1));
      const keepAll = { ...cfg.meta, replay: { ...cfg.meta.replay, delta: 1e9 } };
      const r = reptileMetaIteration({ theta, buffer: replayInit(), iteration: 0 }, [4, 5], keepAll, bed.dyn, PAPER_POLICY, new Rng(2));
      assert.ok(r.offer.type === 4 || r.offer.type === 5);
      assert.deepStrictEqual([r.offer.accepted, r.state.buffer.entries.length, r.state.buffer.entries[0].task, r.state.iteration], [true, 1, r.offer.type, 1]);
      assert.strictEqual(r.offer.loss, r.state.buffer.entries[0].loss);
      assert.notDeepStrictEqual(r.state.theta, theta);
      const none = reptileMetaIteration({ theta, buffer: replayInit(), iteration: 0 }, [4], { ...keepAll, replay: { ...keepAll.replay, delta: -1e9 } }, bed.dyn, PAPER_POLICY, new Rng(2));
      assert.deepStrictEqual([none.offer.accepted, none.state.buffer.entries.length, none.state.buffer.offered], [false, 0, 1]);
    });

    it('one pass of Algorithm 1 offers every support task once, keeping theta fixed', () => {
      const bed = testbed(cfg.testbed);
      const theta = initParams(PAPER_POLICY, new Rng(3));
      const keepAll = { ...cfg.meta, replay: { ...cfg.meta.replay, delta: 1e9 } };
      const r = algorithm1Pass(theta, replayInit(), [2, 9, 14], keepAll, bed.dyn, PAPER_POLICY, new Rng(4));
      assert.deepStrictEqual(r.offers.map((o) => [o.type, o.accepted]), [[2, true], [9, true], [14, true]]);
      assert.deepStrictEqual(r.buffer.entries.map((e) => [e.task, e.batch.B, e.loss]), r.offers.map((o) => [o.type, cfg.meta.bufferEpisodes, o.loss]));
      // delta decides only what is kept: with the same stream, a delta that rejects everything sees the same losses.
      const strict = algorithm1Pass(theta, replayInit(), [2, 9, 14], { ...keepAll, replay: { ...keepAll.replay, delta: -1e9 } }, bed.dyn, PAPER_POLICY, new Rng(4));
      assert.deepStrictEqual([strict.buffer.entries.length, strict.buffer.offered], [0, 3]);
      assert.deepStrictEqual(strict.offers.map((o) => o.loss), r.offers.map((o) => o.loss));
    });
  });

  describe('random distribution pairs for the bound check', () => {
    it('are normalised, strictly positive and reproducible', () => {
      const p = randomDistribution(5, new Rng(3));
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12 && p.every((v) => v > 0));
      const [a, b] = randomDistributionPair(4, new Rng(4));
      assert.ok(Math.abs(b.reduce((x, y) => x + y, 0) - 1) < 1e-12 && a.length === 4);
      assert.deepStrictEqual(randomDistributionPair(4, new Rng(4)), [a, b]);
    });
  });

  describe('figures, tables and sentences from saved rows', () => {
    it('V.1: axioms, bounds and the equivalent pair', () => {
      const ax = axiomsTable(all.axioms);
      assert.strictEqual(ax.length, 6);
      assert.strictEqual(ax[0].seeds, 2);
      assert.match(String(ax.find((r) => r.policies === 'experts' && r.metric === 'd_P')!['triangle violations']), /^0 of 24288 \(0\.00%\)$/);
      assert.strictEqual(describeAxioms(all.axioms).length, 6);
      const fig = boundsFigure(all.bounds);
      assert.strictEqual(fig.data.length, 3 + 3);
      assert.strictEqual((fig.data[0].x as number[]).length, t0.bounds.filter((r) => r.source === 'discrete' && n(r.symKl) > 0).length);
      const tight = boundTightness(all.bounds);
      assert.ok(tight.every((r) => r['J > S/2'] === 0 && r['J > ln(2/(1+e^−S))'] === 0));
      assert.strictEqual(tight.reduce((s, r) => s + n(r.pairs), 0), all.bounds.filter((r) => n(r.symKl) > 0).length);
      assert.match(describeBounds(all.bounds)[0], /J > S\/2 in 0 and J > ln\(2\/\(1\+e\^−S\)\) in 0/);
      assert.strictEqual(equivalenceTable(all.equivalence).length, 4);
      assert.match(describeEquivalence(all.equivalence), /P = 0 exactly in 2 of 2 seeds and d_E = 0 in 2/);
    });

    it('bounds: hand-made rows give the medians and violation counts by hand', () => {
      const rows: Parameters<typeof boundTightness>[0][number][] = [
        { seed: 0, source: 'discrete', js: 0.001, jsStderr: 0, symKl: 0.004, boundHalfS: 0.002, boundLog: 0.002 },
        { seed: 0, source: 'discrete', js: 0.003, jsStderr: 0, symKl: 0.008, boundHalfS: 0.004, boundLog: 0.002 },
        { seed: 0, source: 'gaussian', js: 0.5, jsStderr: 0.01, symKl: 20, boundHalfS: 10, boundLog: 0.49 },
      ];
      const t = boundTightness(rows);
      assert.deepStrictEqual(t.map((r) => [r.source, r['S range'], r.pairs, r['J > S/2'], r['J > ln(2/(1+e^−S))'], r['median J / (S/2)']]), [
        ['discrete', '[0, 0.01)', 2, 0, 1, '0.625'],
        // 0.5 - 3 * 0.01 = 0.47 < 0.49: within Monte Carlo error, not a violation.
        ['gaussian', '[10, ∞)', 1, 0, 0, '0.050'],
      ]);
    });

    it('V.2: expert matrices, heatmaps, grouping and the training sentence', () => {
      const ms = expertMatrices(all.experts);
      assert.deepStrictEqual(ms.map((m) => [m.seed, m.n]), [[0, 24], [1, 24]]);
      const m = ms[0];
      for (let i = 0; i < 24; i++) {
        assert.strictEqual(m.dP[i * 24 + i], 0);
        for (let j = 0; j < 24; j++) assert.strictEqual(m.P[i * 24 + j], m.P[j * 24 + i]);
      }
      assert.deepStrictEqual(m.query.map((q, i) => (q ? i : -1)).filter((i) => i >= 0), cfg.queryTypes);
      const fig = expertHeatmapFigure(ms, 1);
      assert.strictEqual(fig.data.length, 3);
      assert.strictEqual((fig.data[0].z as number[][]).length, 24);
      assert.strictEqual(expertGroupingTable(ms).length, 3);
      assert.match(describeExperts(all.expertTraining), /before training to .* after 2 VPG updates/);
      assert.throws(() => expertMatrices(all.experts.slice(1)), /experts rows of seed 0: 275 pairs, expected 276 for 24 items/);
      assert.throws(() => expertHeatmapFigure(ms, 9), /no expert matrices for seed 9/);
    });

    it('V.3: scores by hand on a four-pair example', () => {
      const pairs: Parameters<typeof siameseScores>[0][number][] = [
        { seed: 0, split: 'held-out', same: 1, rule: 1, dP: 0.1, score: 0.9 },
        { seed: 0, split: 'held-out', same: 0, rule: 1, dP: 0.2, score: 0.6 },
        { seed: 0, split: 'held-out', same: 1, rule: 0, dP: 0.4, score: 0.4 },
        { seed: 0, split: 'held-out', same: 0, rule: 0, dP: 0.5, score: 0.1 },
      ];
      const s = siameseScores(pairs, 0.5);
      const f = s.find((r) => String(r.evaluation).startsWith('f_φ vs same'))!, rule = s.find((r) => String(r.evaluation).startsWith('d_P < ε rule vs same group, held'))!;
      // f: ranks (0.9+, 0.6-, 0.4+, 0.1-): AUC 3/4; at 0.5 predicts 1, 1, 0, 0: accuracy 1/2.
      assert.deepStrictEqual([f.auc, f.accuracy], [0.75, 0.5]);
      // The rule: -d_P ranks the same way; its decisions are the saved labels.
      assert.deepStrictEqual([rule.auc, rule.accuracy], [0.75, 0.5]);
      const teacher = s.find((r) => String(r.evaluation).startsWith('f_φ vs the ε-rule'))!;
      assert.deepStrictEqual([teacher.auc, teacher.accuracy], [1, 1]);
    });

    it('V.3: epsilon histogram, training curves, ROC and the table', () => {
      assert.strictEqual(epsilonFigure(all.pairs, cfg.siamese.epsilon).data.length, 3);
      assert.strictEqual(siameseTrainingFigure(all.siamese).data.length, 4);
      const roc = siameseRocFigure(all.pairs);
      assert.strictEqual(roc.data.length, 3);
      assert.match(String(roc.data[0].name), /pooled AUC \d\.\d{3}/);
      const scores = siameseScores(all.pairs, cfg.siamese.train.threshold);
      assert.strictEqual(scores.length, 2 * 4);
      assert.ok(scores.every((r) => n(r.accuracy) >= 0 && n(r.accuracy) <= 1));
      const table = siameseTable(scores);
      assert.strictEqual(table.length, 4);
      assert.strictEqual(table[0]['pairs (positives) per seed'], '123 (18.0)');
      assert.strictEqual(describeSiamese(scores).length, 4);
    });

    it('V.4: buffer, adaptation curves, replay effect, ESS and the sentences', () => {
      const buf = bufferTable(all.meta, 6);
      assert.deepStrictEqual(buf.map((r) => [r.seeds, r['offers per seed'], r['accepted per seed'], r['share of offers below δ']]), [
        [2, '3.0', '3.00 [3.00, 3.00]', '1.00'], [2, '18.0', '18.00 [18.00, 18.00]', '1.00'],
      ]);
      assert.strictEqual(adaptationFigure(all.adaptation).data.length, 2 * 4 * 2);
      assert.strictEqual(adaptationQueryFigure(all.adaptation, 'maml').data.length, 6 * 4 * 2);
      assert.throws(() => adaptationQueryFigure(all.adaptation.filter((r) => r.learner === 'maml'), 'reptile'), /no adaptation rows of learner reptile/);
      const effect = replayEffectTable(all.adaptation, 2);
      assert.strictEqual(effect.length, 2 * 4);
      assert.deepStrictEqual(effect.map((r) => r.learner), ['reptile', 'reptile', 'reptile', 'reptile', 'maml', 'maml', 'maml', 'maml']);
      const isNone = (r: Row) => String(r.arm).startsWith('no replay');
      assert.ok(effect.every((r) => (isNone(r) ? r['arm minus no replay'] === undefined : typeof r['arm minus no replay'] === 'string')));
      // Every arm starts from the same episodes: the difference at update 0 is exactly 0.
      assert.ok(replayEffectTable(all.adaptation, 0).filter((r) => !isNone(r)).every((r) => r['arm minus no replay'] === '0 [0, 0]'));
      assert.throws(() => replayEffectTable(all.adaptation, 7), /no adaptation rows at update 7/);
      const stats = replayStatsTable(all.adaptation);
      assert.strictEqual(stats.length, 2 * 3);
      assert.strictEqual(stats.find((r) => r.learner === 'reptile' && String(r.arm).includes('all buffered'))!['updates with replay'], `${2 * 6 * 2} (100%)`);
      assert.strictEqual(describeReplayEffect(all.adaptation).length, 2 * 2 * 3);
    });

    it('V.4: the replay effect by hand on a two-seed example', () => {
      const rows: Parameters<typeof replayEffectTable>[0][number][] = [];
      const ret: Record<string, number[]> = { none: [-100, -90], siamese: [-80, -75] };
      for (const [arm, vals] of Object.entries(ret)) vals.forEach((v, seed) => rows.push({ seed, learner: 'reptile', arm, update: 1, return: v }));
      const t = replayEffectTable(rows, 1);
      // Paired differences 20 and 15: mean 17.5, t-interval 17.5 +- 12.706 * 2.5 = [-14.3, 49.3]: no clear effect.
      assert.strictEqual(t[1]['arm minus no replay'], '17.50 [-14.26, 49.27]');
      assert.strictEqual(t[1]['replay'], 'no clear effect');
      assert.strictEqual(t[0]['reward after 1 update'], '-95.00 [-158.5, -31.47]');
    });
  });

  describe('config', () => {
    it('resolves the defaults and both sizes, and names every bad field', () => {
      assert.deepStrictEqual(hindsight.config(), hindsight.experiment.resolve());
      for (const s of ['quick', 'paper'] as const) hindsight.config(hindsight.sizes(s).config);
      assert.ok(hindsight.sizes('paper').seeds >= 5);
      const bad: [object, RegExp][] = [
        [{ queryTypes: [0, 1, 2, 3] }, /"queryTypes" must leave a support type in the latent group of every query type; group 0 of type 0 has none/],
        [{ queryTypes: [3, 3] }, /"queryTypes" must not repeat a type/],
        [{ queryTypes: [24] }, /"queryTypes\[0\]" must be a type index in \[0, 23\], got 24/],
        [{ siamese: { epsilon: 0 } }, /hindsight config: "siamese.epsilon" must be a finite number > 0, got 0/],
        [{ siamese: { spec: { inDim: 7 } } }, /"siamese.spec.inDim" must equal the transition feature width 8/],
        [{ siamese: { expertEpisodes: 0, probeEpisodes: 0 } }, /"siamese.expertEpisodes" plus siamese.probeEpisodes must be at least 1/],
        [{ adaptation: { arms: ['siamese'] } }, /"adaptation.arms" must include "none"/],
        [{ adaptation: { arms: ['none', 'bogus'] } }, /"adaptation.arms\[1\]" must be one of "none", "siamese", "oracle", "all", got "bogus"/],
        [{ adaptation: { K: 1 } }, /"adaptation.K" must be an integer in \[2, 10000\], got 1/],
        [{ equivalence: { insideStart: [1, 1] } }, /"equivalence.insideStart" must lie where the dormant unit fires/],
        [{ equivalence: { dormant: { unit: 2 } } }, /"equivalence.dormant.unit" must be an integer in \[4, 67\], got 2/],
        [{ experts: { updates: 0 } }, /"experts.updates" must be an integer > 0, got 0/],
        [{ meta: { reptile: { epsilon: 2 } } }, /hindsight config: "meta.reptile.epsilon" must be a finite number in \[0, 1\], got 2/],
        [{ theory: { policies: 2 } }, /"theory.policies" must be an integer in \[3, 200\], got 2/],
        [{ meta: { learners: ['reptile', 'fomaml'] } }, /"meta.learners\[1\]" must be one of "reptile", "maml", got "fomaml"/],
        [{ meta: { maml: { innerSteps: 2 } } }, /"meta.maml.innerSteps" must be 1: Alg. 1, l.7 takes one gradient step, got 2/],
        [{ bogus: 1 }, /"bogus" is not a known setting/],
      ];
      for (const [overrides, message] of bad) assert.throws(() => hindsight.config(overrides as never), (e: Error) => e instanceof ConfigError && message.test(e.message), JSON.stringify(overrides));
    });
  });
});
