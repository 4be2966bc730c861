import * as assert from 'assert';
import * as rl2Exp from '../lib/experiments/rl2';
import { adaptationCurves, adaptationFigure, budgetTable, describeAgainst, describeBudgets, describeMemory, describeWithinTrial, memoryGrouping, noMoveAblation, welchInterval } from '../lib/report/rl2';
import { Row } from '../lib/core/row';

describe('RL² / system identification experiment', () => {
  it('rejects bad settings, naming the field', () => {
    assert.throws(() => rl2Exp.config({ rl2: { episodesPerTrial: 0 } }), /"rl2.episodesPerTrial" must be an integer > 0, got 0/);
    assert.throws(() => rl2Exp.config({ rl2: { hidden: 0 } }), /"rl2.hidden" must be an integer > 0, got 0/);
    assert.throws(() => rl2Exp.config({ queryTypes: [3, 3] }), /"queryTypes" must not repeat a type/);
    assert.throws(() => rl2Exp.config({ queryTypes: [30] }), /"queryTypes\[0\]" must be a type index in \[0, 24\)/);
    assert.throws(() => rl2Exp.config({ memory: { steps: [100] } }), /"memory.steps\[0\]" must be below the horizon 100/);
    assert.throws(() => rl2Exp.config({ methods: ['maml' as never] }), /"methods\[0\]"/);
  });

  it('smoke: one quick seed gives every table, with the same training episodes for every method', () => {
    const cfg = rl2Exp.config(rl2Exp.sizes('quick').config as never);
    const t = rl2Exp.unit(cfg, 0);
    const N = cfg.rl2.episodesPerTrial, Q = cfg.queryTypes.length;
    assert.strictEqual(t.eval.length, 3 * Q * cfg.evalTrials * N);
    assert.strictEqual(t.memory.length, 2 * cfg.memory.steps.length * (24 * 23) / 2);
    const episodes = rl2Exp.trainingEpisodes(cfg);
    for (const m of ['rl2', 'sysid', 'dr']) {
      const last = Math.max(...t.training.filter((r) => r.method === m).map((r) => Number(r.episodes)));
      assert.ok(last >= episodes && last < episodes + 10, `${m} trained on ${last} episodes, RL² on ${episodes}`);
    }
    // Only RL² carries experience from one episode to the next.
    assert.deepStrictEqual([...new Set(t.eval.filter((r) => r.method !== 'rl2').map((r) => r.episodesUsed))], [0]);
    assert.deepStrictEqual([...new Set(t.eval.filter((r) => r.method === 'rl2').map((r) => r.episodesUsed))].sort(), [0, 1]);
  });

  it('Welch interval by hand', () => {
    // a: mean 2, var 1, n 3; b: constant 0. se = sqrt(1/3), df = 2, t = 4.303.
    const w = welchInterval([1, 2, 3], [0, 0, 0]);
    assert.strictEqual(w.diff, 2);
    assert.ok(Math.abs(w.lo - (2 - 4.303 / Math.sqrt(3))) < 1e-9 && Math.abs(w.hi - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
  });

  it('scores each budget with every method\'s latest point within it', () => {
    const curves: Row[] = [];
    for (let seed = 0; seed < 3; seed++) {
      curves.push({ seed, method: 'rl2', episodesUsed: 0, return: -100 + seed }, { seed, method: 'rl2', episodesUsed: 1, return: -50 + seed });
      curves.push({ seed, method: 'random', episodesUsed: 0, return: -200 + seed }, { seed, method: 'random', episodesUsed: 10, return: -20 + seed });
      curves.push({ seed, method: 'caml', episodesUsed: 10, return: -30 + seed });
    }
    const table = budgetTable(curves, [0, 5, 10]);
    assert.deepStrictEqual(table.map((r) => r.winner), ['RL²', 'RL²', 'random init']);
    assert.strictEqual(table[0].CAML, 'n/a');
    assert.strictEqual(table[1]['RL²'], '-49.00 [-51.48, -46.52]'); // episode 2's returns at budget 5
    assert.strictEqual(table[2]['runner-up'], 'CAML');
    assert.deepStrictEqual(table.map((r) => r.verdict), ['clear', 'clear', 'clear']);
    const lines = describeBudgets(table);
    assert.strictEqual(lines.length, 3);
    // RL² against the best of the others at the budgets 0, 1, 10 of the data: Welch with
    // two samples of variance 1 and n = 3: se = sqrt(2/3), df = 4, t = 2.776, half-width 2.27.
    assert.deepStrictEqual(describeAgainst(curves, ['rl2'], ['caml', 'random']), [
      'RL² against the best gradient-based method of Fig. 1 at each budget: 0 episodes: +100.0 [97.7, 102.3] over random init (clear); ' +
      '1 episode: +150.0 [147.7, 152.3] over random init (clear); 10 episodes: -30.0 [-32.3, -27.7] over random init (behind).',
    ]);
    assert.match(lines[2], /^With 10 episodes of the query type used, random init wins clearly: -19.00 \[-21.48, -16.52\], against CAML -29.00.*Order of the means: random init > CAML > RL²\.$/);
  });

  it('puts RL²\'s episodes and the Fig. 1 updates on one axis of episodes used', () => {
    const ours: Row[] = [], fig1: Row[] = [];
    for (let seed = 0; seed < 2; seed++) {
      for (const episode of [1, 2]) ours.push({ seed, method: 'rl2', query: 3, episode, return: -50 - episode });
      ours.push({ seed, method: 'sysid', query: 3, episode: 1, return: -40 });
      for (const update of [0, 1]) fig1.push({ seed, method: 'maml', query: 3, update, episodesUsed: 10 * update, return: -100 }, { seed, method: 'reptile', query: 3, update, episodesUsed: 10 * update, return: -90 });
    }
    const curves = adaptationCurves(ours, fig1, ['maml']);
    assert.deepStrictEqual(curves.filter((r) => r.method === 'rl2' && r.seed === 0).map((r) => [r.episodesUsed, r.return]), [[0, -51], [1, -52]]);
    assert.ok(!curves.some((r) => r.method === 'reptile'));
    const fig = adaptationFigure(curves);
    assert.strictEqual(fig.data.length, 2 * 3); // a band and a line per method
    const xaxis = fig.layout!.xaxis as { type: string; tickvals: number[]; ticktext: string[] };
    assert.strictEqual(xaxis.type, 'log');
    assert.deepStrictEqual(xaxis.ticktext, ['0', '1', '10']);
    assert.deepStrictEqual(xaxis.tickvals, [1, 2, 11]);
    // The ablation's rows sit beside the main run's under their own name.
    const evalRow = (method: string) => ({ seed: 0, method, query: 3, queryLatent: 0, trial: 0, episode: 1, episodesUsed: 0, return: -1 });
    const memoryRow = (network: string) => ({ seed: 0, network, k: 1, i: 0, j: 1, latentI: 0, latentJ: 0, distance: 1 });
    const ab = noMoveAblation({ eval: [evalRow('rl2'), evalRow('sysid')], training: [], memory: [memoryRow('untrained'), memoryRow('trained')] });
    assert.deepStrictEqual([...new Set(ab.eval.map((r) => r.method))], ['rl2-no-move']);
    assert.deepStrictEqual(ab.memory.map((r) => r.network), ['trained, no move input']);
  });

  it('states RL²\'s gain from episode 1 to later episodes of a trial, paired over seeds', () => {
    const curves: Row[] = [];
    for (let seed = 0; seed < 3; seed++) {
      curves.push({ seed, method: 'rl2', episodesUsed: 0, return: -50 + seed }, { seed, method: 'rl2', episodesUsed: 1, return: -45 + seed + (seed === 1 ? 1 : 0) });
      curves.push({ seed, method: 'sysid', episodesUsed: 0, return: -40 }, { seed, method: 'sysid', episodesUsed: 1, return: -40 });
    }
    // Gains 5, 6, 5: mean 5.33, sd 0.577, t(2) = 4.303 -> half-width 1.43.
    assert.deepStrictEqual(describeWithinTrial(curves), ['RL²: episode 2 of the trial returns +5.3 [3.9, 6.8] against episode 1 (paired over 3 seeds): a gain.']);
  });

  it('refuses Fig. 1 results on other query types', () => {
    const ours: Row[] = [{ seed: 0, method: 'rl2', query: 3, episode: 1, return: -1 }];
    const fig1: Row[] = [{ seed: 0, method: 'caml', query: 7, update: 0, episodesUsed: 10, return: -1 }];
    assert.throws(() => adaptationCurves(ours, fig1), /query types 7.*RL² results on 3/);
  });

  it('memory that separates the latent groups scores ARI 1, memory that does not scores about 0', () => {
    const rows: rl2Exp.Saved['memory'][] = [];
    const latent = (t: number) => Math.floor(t / 4);
    for (let i = 0; i < 24; i++) {
      for (let j = i + 1; j < 24; j++) {
        rows.push({ seed: 0, network: 'trained', k: 4, i, j, latentI: latent(i), latentJ: latent(j), distance: latent(i) === latent(j) ? 0.1 : 1 });
        rows.push({ seed: 0, network: 'untrained', k: 4, i, j, latentI: latent(i), latentJ: latent(j), distance: 1 + ((i * 7 + j * 13) % 5) / 10 });
      }
    }
    const g = memoryGrouping(rows);
    assert.strictEqual(g.find((r) => r.network === 'trained')!.ari, 1);
    assert.ok(Math.abs(Number(g.find((r) => r.network === 'untrained')!.ari)) < 0.3);
    assert.match(describeMemory(g)[0], /trained network: .*first reaches 0.9 after 4 moves/);
  });
  it('says after how many moves the trained memory beats its own untrained initialisation, paired over seeds', () => {
    const rows: rl2Exp.Saved['memory'][] = [];
    const latent = (t: number) => Math.floor(t / 4);
    const noise = (seed: number, i: number, j: number) => 1 + ((i * 7 + j * 13 + seed * 3) % 5) / 10;
    for (const seed of [0, 1, 2]) {
      for (let i = 0; i < 24; i++) {
        for (let j = i + 1; j < 24; j++) {
          const pair = { seed, i, j, latentI: latent(i), latentJ: latent(j) };
          for (const k of [1, 4]) rows.push({ ...pair, network: 'untrained', k, distance: noise(seed, i, j) });
          // after 1 move the trained memory is the untrained one; after 4 it separates the groups
          rows.push({ ...pair, network: 'trained', k: 1, distance: noise(seed, i, j) });
          rows.push({ ...pair, network: 'trained', k: 4, distance: latent(i) === latent(j) ? 0.1 : 1 });
        }
      }
    }
    const lines = describeMemory(memoryGrouping(rows));
    assert.strictEqual(lines.length, 3);
    assert.match(lines[2], /^Trained against its own untrained initialisation \(paired over 3 seeds\): the ARI is clearly higher at 1 of the 2 move counts measured \(after 4 moves\); first after 4 moves \(\+/);
    const same = rows.filter((r) => r.k === 1);
    assert.match(describeMemory(memoryGrouping(same))[2], /not clearly higher after any number of moves measured/);
  });
});
