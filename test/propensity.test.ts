import * as assert from 'assert';
import { fitLogistic, logOdds, solveSpd } from '../lib/core/logistic-regression';
import { effectiveSampleSize, essProximalCoefficient, fitPropensity, propensityConfig, propensityWeights } from '../lib/algos/propensity';
import { Rng } from '../lib/core/rng';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b} (tol ${tol})`);

describe('logistic regression (Newton, L2 penalty)', () => {
  it('solves a symmetric positive definite system by Cholesky', () => {
    const x = solveSpd(new Float64Array([4, 2, 2, 3]), new Float64Array([2, 1]), 2);
    close(x[0], 0.5, 1e-12);
    close(x[1], 0, 1e-12);
    assert.throws(() => solveSpd(new Float64Array([1, 2, 2, 1]), new Float64Array([1, 1]), 2), /not positive definite/);
  });

  it('matches the hand-solved maximum likelihood fit on one binary feature', () => {
    // x = 0: 3 of 4 rows in class 1; x = 1: 1 of 5 rows in class 1. The unpenalised optimum
    // puts each group's log-odds at its empirical value: b = log(3/1), w + b = log(1/4).
    const xs = [0, 0, 0, 0, 1, 1, 1, 1, 1], ys = [1, 1, 1, 0, 1, 0, 0, 0, 0];
    const m = fitLogistic(xs, ys, 1, { C: Infinity });
    close(m.b, Math.log(3), 1e-8, 'b');
    close(m.w[0], Math.log(1 / 4) - Math.log(3), 1e-8, 'w');
    close(m.accuracy, 7 / 9, 1e-12);
  });

  it('satisfies the penalised first-order condition X^T (p - y) + w / C = 0', () => {
    const rng = new Rng(1), N = 60, D = 3, C = 0.2;
    const X = Float64Array.from({ length: N * D }, () => rng.normal());
    const y = Float64Array.from({ length: N }, (_, i) => (X[i * D] + 0.5 * rng.normal() > 0 ? 1 : 0));
    const m = fitLogistic(X, y, D, { C });
    const f = logOdds(m, X);
    const g = new Float64Array(D + 1);
    for (let i = 0; i < N; i++) {
      const r = 1 / (1 + Math.exp(-f[i])) - y[i];
      for (let d = 0; d < D; d++) g[d] += r * X[i * D + d];
      g[D] += r;
    }
    for (let d = 0; d < D; d++) close(g[d] + m.w[d] / C, 0, 1e-8, `dJ/dw${d}`);
    close(g[D], 0, 1e-8, 'dJ/db');
    assert.ok(m.w[0] > 0.5, 'the informative feature gets a positive weight');
  });

  it('rejects bad inputs naming the argument', () => {
    assert.throws(() => fitLogistic([1, 2], [1, 0], 1, { C: 0 }), /C must be > 0/);
    assert.throws(() => fitLogistic([1, 2, 3], [1, 0], 1, { C: 1 }), /X must hold/);
    assert.throws(() => fitLogistic([1, 2], [1, 1], 1, { C: 1 }), /both classes/);
    assert.throws(() => fitLogistic([1, 2], [1, 2], 1, { C: 1 }), /y\[1\] must be 0 or 1/);
  });
});

describe('MQL propensity weights and effective sample size', () => {
  const cfg = propensityConfig();

  it('gives beta about 1 everywhere and ESS about 1 when D_new and D_meta come from one distribution', () => {
    const rng = new Rng(7), D = 3;
    const draw = (n: number) => Float64Array.from({ length: n * D }, () => rng.normal());
    // unequal class sizes: the log(n_meta / n_new) correction makes beta a density ratio
    const p = fitPropensity(draw(1000), draw(3000), D, cfg);
    const beta = propensityWeights(p, draw(2000));
    for (const b of beta) close(b, 1, 0.25, 'beta');
    assert.ok(effectiveSampleSize(beta) > 0.98, `ESS ${effectiveSampleSize(beta)}`);
    close(essProximalCoefficient(effectiveSampleSize(beta), cfg), 0, 0.02);
  });

  it('tells separable samples apart: beta grows toward D_new, hits its clip there, and the ESS is small', () => {
    const rng = new Rng(3), n = 200;
    const featNew = Float64Array.from({ length: n }, () => rng.uniform(2, 3));
    const featMeta = Float64Array.from({ length: n }, () => rng.uniform(-3, 0));
    const p = fitPropensity(featNew, featMeta, 1, cfg);
    assert.strictEqual(p.model.accuracy, 1);
    const beta = propensityWeights(p, featMeta);
    const atNew = propensityWeights(p, featNew);
    for (const b of atNew) close(b, Math.exp(cfg.betaClip), 1e-5, 'clipped beta');
    // beta increases with x on the meta side (toward D_new)
    const order = Array.from(featMeta.keys()).sort((i, j) => featMeta[i] - featMeta[j]);
    for (let k = 1; k < n; k++) assert.ok(beta[order[k]] >= beta[order[k - 1]]);
    const ess = effectiveSampleSize(beta);
    assert.ok(ess < 0.5, `ESS ${ess}`);
    assert.ok(essProximalCoefficient(ess, cfg) > 0.5);
  });

  it('keeps the ESS in [1/m, 1]: 1 for equal weights, 1/m for one weight, scale invariant', () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 200; trial++) {
      const m = 1 + rng.int(50);
      const w = Float64Array.from({ length: m }, () => rng.random() ** 4);
      const e = effectiveSampleSize(w);
      assert.ok(e >= 1 / m - 1e-12 && e <= 1, `ESS ${e} for m = ${m}`);
      close(effectiveSampleSize(w.map((v) => 7 * v)), e, 1e-12);
    }
    assert.strictEqual(effectiveSampleSize([2, 2, 2, 2]), 1);
    close(effectiveSampleSize([0, 0, 5, 0]), 0.25, 1e-15);
    assert.strictEqual(effectiveSampleSize([0, 0]), 0);
    assert.throws(() => effectiveSampleSize([1, -1]), /beta\[1\] must be >= 0/);
  });

  it('clips the ESS to essClip before lambda = 1 - ESS', () => {
    const c = propensityConfig({ essClip: [0.2, 0.9] });
    close(essProximalCoefficient(0.05, c), 0.8, 1e-15);
    close(essProximalCoefficient(0.5, c), 0.5, 1e-15);
    close(essProximalCoefficient(0.95, c), 0.1, 1e-15);
  });

  it('rejects an ESS clip outside [0, 1] or reversed, naming the field', () => {
    assert.throws(() => propensityConfig({ essClip: [0, 1.5] }), /propensity config: "essClip\[1\]" must be a finite number in \[0, 1\], got 1.5/);
    assert.throws(() => propensityConfig({ essClip: [-0.1, 1] }), /"essClip\[0\]"/);
    assert.throws(() => propensityConfig({ essClip: [0.8, 0.2] }), /"essClip" must be \[lo, hi\] with lo <= hi/);
    assert.throws(() => propensityConfig({ betaClip: 0 }), /"betaClip" must be a finite number > 0, got 0/);
  });
});
