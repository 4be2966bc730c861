import * as assert from 'assert';
import { Rng } from '../lib/core/rng';
import { checkMap, hasPath, lakeConfig, lakeMdp, randomHoleMap, randomPenaltyMap, step } from '../lib/envs/lake';
import { evaluate, valueIteration } from '../lib/algos/tabular';
import { discountedReturns, randomTable, rolloutTables, tableProbs } from '../lib/policies/softmax-table';
import { resolveConfig, section } from '../lib/core/schema';
import { holeMapSchema, lakeMapSchema, penaltyMapSchema } from '../lib/envs/lake';

describe('tabular FrozenLake (BO-MRL)', () => {
  const cfg = lakeConfig();

  it('has the authors\' constants: gamma 0.8, 49-step episodes, +1 goal, -1 hole, -0.5 penalty', () => {
    assert.deepStrictEqual(cfg, { gamma: 0.8, horizon: 49, goalReward: 1, holeReward: -1, penaltyReward: -0.5 });
  });

  it('builds deterministic transitions: walls keep the agent, goal and holes absorb with repeating reward', () => {
    const m = lakeMdp(['SFFF', 'FHFH', 'FFFH', 'HFFG'], cfg);
    assert.strictEqual(m.S, 16);
    for (let k = 0; k < m.S * m.A; k++) {
      let row = 0;
      for (let s2 = 0; s2 < m.S; s2++) row += m.P[k * m.S + s2];
      assert.strictEqual(row, 1);
    }
    // start (0,0): left and up hit the wall, down -> (1,0), right -> (0,1)
    assert.deepStrictEqual(Array.from(m.next.subarray(0, 4)), [0, 4, 1, 0]);
    // (0,1) down lands in the hole (1,1): reward -1; the hole then keeps it, -1 per step
    assert.strictEqual(m.next[1 * 4 + 1], 5);
    assert.strictEqual(m.R[1 * 4 + 1], -1);
    assert.deepStrictEqual(Array.from(m.next.subarray(5 * 4, 6 * 4)), [5, 5, 5, 5]);
    assert.deepStrictEqual(Array.from(m.R.subarray(5 * 4, 6 * 4)), [-1, -1, -1, -1]);
    // (3,2) right lands on the goal: +1, and the goal repeats +1
    assert.strictEqual(m.R[14 * 4 + 2], 1);
    assert.deepStrictEqual(Array.from(m.R.subarray(15 * 4, 16 * 4)), [1, 1, 1, 1]);
    // a penalty cell costs -0.5 when stepped on and does not hold the agent
    const p = lakeMdp(['SP', 'FG'], cfg);
    assert.strictEqual(p.R[0 * 4 + 2], -0.5);
    assert.strictEqual(p.R[1 * 4 + 3], -0.5, 'bumping into the wall on a penalty cell steps on it again');
    assert.strictEqual(p.next[1 * 4 + 1], 3);
  });

  it('value iteration matches the hand-solved 2x2 lake', () => {
    // S F      from F, down reaches G: Q = 1 + 0.8 * 5 = 5 (V(G) = 1 / (1 - 0.8) = 5, V(H) = -5)
    // H G      from S: right 0 + 0.8 * 5 = 4; down -1 + 0.8 * (-5) = -5; left/up stay 0.8 V(S)
    const m = lakeMdp(['SF', 'HG'], cfg);
    const opt = valueIteration(m);
    const close = (x: number, y: number) => assert.ok(Math.abs(x - y) < 1e-9, `${x} vs ${y}`);
    close(opt.V[3], 5);
    close(opt.V[2], -5);
    close(opt.V[1], 5);
    close(opt.V[0], 4);
    close(opt.J, 4);
    // actions: left, down, right, up
    [3.2, -5, 4, 3.2].forEach((q, a) => close(opt.Q[a], q));
    [3.2, 5, 4, 4].forEach((q, a) => close(opt.Q[4 + a], q));
    assert.deepStrictEqual(Array.from(opt.optimal.subarray(0, 8)), [0, 0, 1, 0, 0, 1, 0, 0]);
    // the greedy deterministic policy evaluates to J* exactly
    const pi = new Float64Array(16);
    for (let s = 0; s < 4; s++) pi[s * 4 + opt.optimal.subarray(s * 4, s * 4 + 4).indexOf(1)] = 1;
    close(evaluate(m, pi).J, 4);
  });

  it('exact J equals the mean discounted return of many sampled episodes', () => {
    const rng = new Rng(3);
    const m = lakeMdp(['SFFF', 'FHFH', 'FFFH', 'HFFG'], cfg);
    const pi = tableProbs(randomTable(16, 4, rng, 1.5));
    const J = evaluate(m, pi).J;
    const N = 20000;
    const ep = rolloutTables([m], [pi], new Int32Array(N), new Int32Array(N), cfg.horizon, rng);
    const ret = discountedReturns(ep, cfg.gamma);
    let mean = 0, sq = 0;
    for (const r of ret) mean += r / N;
    for (const r of ret) sq += (r - mean) ** 2 / (N - 1);
    const se = Math.sqrt(sq / N), truncation = cfg.gamma ** cfg.horizon / (1 - cfg.gamma);
    assert.ok(Math.abs(mean - J) < 4 * se + truncation, `sampled ${mean} ± ${se} vs exact ${J}`);
  });

  it('steps a batch of agents on different maps at once', () => {
    const maps = [lakeMdp(['SF', 'HG'], cfg), lakeMdp(['SH', 'FG'], cfg)];
    const r = step(maps, Int32Array.from([0, 1, 1]), Int32Array.from([0, 0, 2]), [2, 2, 2]);
    assert.deepStrictEqual(Array.from(r.state), [1, 1, 3]);
    assert.deepStrictEqual(Array.from(r.reward), [0, -1, 1]);
    assert.throws(() => step(maps, Int32Array.from([2]), Int32Array.from([0]), [0]), /taskOf\[0\] = 2 is not a task index/);
  });

  it('never returns a hole map without a path, keeps the safe corner frozen, and gives up clearly', () => {
    const rng = new Rng(11);
    const hc = resolveConfig('hole maps', holeMapSchema, { size: 4, pFrozen: 0.5, safeSum: 2.5, maxTries: 100000 });
    for (let i = 0; i < 400; i++) {
      const map = randomHoleMap(hc, rng);
      assert.ok(hasPath(map), map.join('/'));
      assert.strictEqual(map[0][0], 'S');
      assert.strictEqual(map[3][3], 'G');
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (r + c < 2.5 && r + c > 0) assert.strictEqual(map[r][c], 'F');
    }
    assert.ok(!hasPath(['SFFF', 'FFFH', 'FFHF', 'FHFG']));
    assert.throws(() => randomHoleMap({ ...hc, pFrozen: 0, maxTries: 50 }, rng), /no map with a path to the goal in 50 draws/);
  });

  it('draws low-variance maps with exactly the asked number of penalty cells and no holes', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 50; i++) {
      const map = randomPenaltyMap(resolveConfig('penalty maps', penaltyMapSchema, { size: 4, penaltyCells: 3 }), rng).join('');
      assert.strictEqual([...map].filter((c) => c === 'P').length, 3);
      assert.ok(!map.includes('H') && map[0] === 'S' && map[15] === 'G');
    }
  });

  it('rejects bad settings and bad maps, naming the field', () => {
    assert.throws(() => lakeConfig({ gamma: 1 }), /lake config: "gamma" must be a finite number in \(0, 1\), got 1/);
    assert.throws(() => lakeConfig({ gamma: 0 }), /"gamma" must be a finite number in \(0, 1\), got 0/);
    assert.throws(() => checkMap(['SX', 'FG']), /lake map: "map\[0\]" has the unknown letter "X" at column 1/);
    assert.throws(() => checkMap(['SFF', 'FG']), /"map\[0\]" must have 2 letters \(the map is 2 rows, square\), got 3/);
    assert.throws(() => checkMap(['FF', 'FG']), /"map" must hold exactly one start S, got 0/);
    assert.throws(() => lakeMdp(['SF', 'Fg'], cfg), /unknown letter "g"/);
    const schema = section({ maps: lakeMapSchema.array() });
    assert.throws(() => resolveConfig('exp config', schema, { maps: [['SF', 'FG'], ['SF', 'FQ']] }), /exp config: "maps\[1\]\[1\]" has the unknown letter "Q"/);
  });
});
