import * as assert from 'assert';
import type { Saved, SavedMaml } from '../lib/experiments/pearl';
import { pointNavConfig } from '../lib/envs/point-nav';
import { claimsTable, curveFigure, describeAdaptation, describeSampleEfficiency, environmentFigure, fig4Figure, pathsFigure, sampleEfficiencyFigure, stepsToReach } from '../lib/report/pearl';

/** Final meta-test rows: PEARL rises from 1 to 8 over K = 6 trajectories, the deterministic variant stays near 1. */
function finalRows(): Saved['final'][] {
  const rows: Saved['final'][] = [];
  for (const [method, gain] of [['PEARL', 7], ['deterministic context', 0]] as const) {
    for (let seed = 0; seed < 3; seed++) {
      for (let k = 1; k <= 6; k++) {
        const r = 1 + (gain * (k - 1)) / 5 + 0.1 * seed;
        rows.push({ seed, method, protocol: 'Alg. 2', repeat: 0, goal: 0, k, return: r, denseReturn: r });
        rows.push({ seed, method, protocol: 'Alg. 2', repeat: 0, goal: 1, k, return: r, denseReturn: r });
      }
    }
  }
  return rows;
}

function curves(): { pearl: Saved['curve'][]; maml: SavedMaml['curve'][] } {
  const pearl: Saved['curve'][] = [], maml: SavedMaml['curve'][] = [];
  for (let seed = 0; seed < 3; seed++) {
    [0, 1000, 2000, 4000].forEach((envSteps, i) => {
      for (const k of [1, 6]) pearl.push({ seed, method: 'PEARL', iteration: i, envSteps, gradSteps: 10 * i, k, return: k === 6 ? 2 * i : 0, denseReturn: 0 });
    });
    [0, 10000, 20000, 40000, 80000].forEach((envSteps, i) => {
      maml.push({ seed, method: 'MAML', adaptation: 'dense', iteration: i, envSteps, return: i, preReturn: 0, denseReturn: i });
      maml.push({ seed, method: 'MAML', adaptation: 'sparse', iteration: i, envSteps, return: 0, preReturn: 0, denseReturn: 0 });
    });
  }
  return { pearl, maml };
}

describe('PEARL report', () => {
  it('interpolates the steps at which a mean curve first reaches a level, by hand', () => {
    const c = { x: [0, 100, 300], y: [0, 2, 6] };
    assert.strictEqual(stepsToReach(c, 1), 50);
    assert.strictEqual(stepsToReach(c, 4), 200);
    assert.strictEqual(stepsToReach(c, 0), 0);
    assert.strictEqual(stepsToReach(c, 7), null);
  });

  it('states the ratio of steps to reach the return both methods reach (MAML dense inner step)', () => {
    const { pearl, maml } = curves();
    // MAML's best is 4 at 80,000 steps; PEARL reaches 4 at 2,000 steps: ratio 40
    const text = describeSampleEfficiency(pearl, maml);
    assert.ok(/PEARL needs 2000\.0 and MAML 80000\.0 environment steps: a ratio of 40\.0/.test(text), text);
    assert.ok(/With a sparse-reward inner step MAML reaches at best 0 \(from 0\)/.test(text), text);
    const claims = claimsTable(finalRows(), pearl, maml);
    const eff = claims.find((r) => String(r.claim).startsWith('PEARL needs far fewer'))!;
    assert.strictEqual(eff.verdict, 'reproduces (ratio >= 20)');
  });

  it('judges Fig. 4 and Fig. 7 from the intervals over seeds', () => {
    const claims = claimsTable(finalRows(), [], []);
    assert.ok(String(claims[0].verdict).startsWith('reproduces'), String(claims[0].verdict));
    assert.strictEqual(claims[1].verdict, 'reproduces (95% intervals apart)');
    const lines = describeAdaptation(finalRows());
    assert.ok(lines.some((l) => /^PEARL, meta-test Alg\. 2: trajectory 1 1\.10 .*half of the gain from trajectory 1 to 6 is reached at trajectory 4/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /deterministic context, meta-test Alg\. 2: .*no gain over trajectory 1/.test(l)), lines.join('\n'));
  });

  it('draws one band per method (and per trajectory for the curves) and the goal picture', () => {
    const { pearl, maml } = curves();
    // a band is two traces (interval, line)
    assert.strictEqual(fig4Figure(finalRows()).data.length, 2 * 2);
    assert.strictEqual(curveFigure(pearl).data.length, 2 * 2);
    assert.strictEqual(sampleEfficiencyFigure(pearl, maml).data.length, 3 * 2);
    assert.strictEqual((sampleEfficiencyFigure(pearl, maml).layout!.xaxis as { type: string }).type, 'log');
    const env = pointNavConfig();
    assert.ok(environmentFigure(env).data.length === 4 + 20);
    const paths: Saved['paths'][] = [];
    for (const method of ['PEARL', 'deterministic context']) for (let k = 1; k <= 3; k++) for (let t = 1; t <= 20; t++) paths.push({ seed: 0, method, goal: 2, k, t, x: 0.01 * t, y: 0.02 * t });
    // per panel: 5 goal traces (semicircle, train, test, start, one radius) + 3 trajectories
    assert.strictEqual(pathsFigure(paths, env).data.length, 2 * (5 + 3));
  });
});
