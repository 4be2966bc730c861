import * as assert from 'assert';
import { Rng } from '../lib/core/rng';
import { lakeConfig, lakeMdp, LakeMdp } from '../lib/envs/lake';
import { evaluate, hessianVector, policyGradient, qAdjoint, visitationAdjoint } from '../lib/algos/tabular';
import { exactEstimator, sampledEstimator } from '../lib/algos/tabular-estimates';
import { adapt, AlgConfig, boMrlConfig, boMrlInit, boMrlStep, metaGradient } from '../lib/algos/bo-mrl';
import { mamlMetaGradient, pgStep, tabularMamlConfig } from '../lib/algos/tabular-maml';
import { klSpread, klTaskVariance, l2TaskVariance, taskOptima } from '../lib/algos/bo-mrl-theory';
import { centerRows, randomTable, tableProbs } from '../lib/policies/softmax-table';

const cfg = lakeConfig();
const MAP = ['SFFF', 'FHFH', 'FFFH', 'HFFG'];

/** Central finite differences of f at x, every coordinate. */
function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const g = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const p = x.slice(), m = x.slice();
    p[k] += h;
    m[k] -= h;
    g[k] = (f(p) - f(m)) / (2 * h);
  }
  return g;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  let worst = 0, scale = 0;
  for (let k = 0; k < a.length; k++) {
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  assert.ok(worst <= tol * Math.max(1, scale), `${what}: max |difference| ${worst} (scale ${scale})`);
}

describe('exact tabular derivatives', () => {
  const m = lakeMdp(MAP, cfg);
  const theta = randomTable(16, 4, new Rng(1), 1);
  const ev = evaluate(m, tableProbs(theta));
  const dir = randomTable(16, 4, new Rng(2), 1);

  it('the deterministic fast path (next) gives the same evaluation and adjoints as the dense P', () => {
    const dense = { S: m.S, A: m.A, P: m.P, R: m.R, rho: m.rho, gamma: m.gamma };
    const e2 = evaluate(dense, tableProbs(theta));
    assertClose(e2.V, ev.V, 1e-12, 'V');
    assertClose(e2.Q, ev.Q, 1e-12, 'Q');
    assertClose(e2.d, ev.d, 1e-12, 'd');
    assertClose(hessianVector(dense, e2, dir), hessianVector(m, ev, dir), 1e-12, 'H v');
    assertClose(qAdjoint(dense, e2, dir), qAdjoint(m, ev, dir), 1e-12, 'Q adjoint');
  });

  it('policy gradient d pi A equals finite differences of J', () => {
    assertClose(policyGradient(m, ev), numericGrad((t) => evaluate(m, tableProbs(t)).J, theta), 1e-7, 'dJ/dtheta');
  });

  it('Hessian-vector product equals finite differences of the policy gradient', () => {
    const h = 1e-5;
    const gp = policyGradient(m, evaluate(m, tableProbs(theta.map((x, k) => x + h * dir[k]))));
    const gm = policyGradient(m, evaluate(m, tableProbs(theta.map((x, k) => x - h * dir[k]))));
    assertClose(hessianVector(m, ev, dir), gp.map((x, k) => (x - gm[k]) / (2 * h)), 1e-7, 'H v');
  });

  it('the adjoints of Q and of the visitation equal finite differences', () => {
    const c = randomTable(16, 4, new Rng(3), 1), cs = randomTable(16, 1, new Rng(4), 1);
    const qc = (t: Float64Array) => evaluate(m, tableProbs(t)).Q.reduce((s, q, k) => s + c[k] * q, 0);
    const nc = (t: Float64Array) => evaluate(m, tableProbs(t)).nu.reduce((s, n, k) => s + cs[k] * n, 0);
    assertClose(qAdjoint(m, ev, c), numericGrad(qc, theta), 1e-7, 'sum c dQ');
    assertClose(visitationAdjoint(m, ev, cs), numericGrad(nc, theta), 1e-7, 'sum c dnu');
  });
});

describe('BO-MRL universal adaptation (Alg)', () => {
  const m = lakeMdp(MAP, cfg);
  const phi = randomTable(16, 4, new Rng(7), 0.8);
  const st = exactEstimator(m, phi);

  it('the closed-form PG case equals many small gradient steps on its objective <g, theta - phi> - lambda ||phi - theta||^2', () => {
    const lambda = 0.3, closed = adapt(phi, st, boMrlConfig({ distance: 'pg', lambda, inner: { steps: 1, lr: 1 } }), 4).theta;
    const g = st.gradient.map((x) => x * (1 - cfg.gamma)); // nu pi A = (1 - gamma) dJ/dtheta
    let theta = phi.slice();
    for (let k = 0; k < 5000; k++) theta = theta.map((x, j) => x + 0.01 * (g[j] - 2 * lambda * (x - phi[j])));
    assertClose(theta, closed, 1e-9, 'PG case');
  });

  it('the closed-form NPG case equals many small gradient steps on <g, theta - phi> - lambda/2 (theta - phi)^T F_nu (theta - phi)', () => {
    const lambda = 2, closed = adapt(phi, st, boMrlConfig({ distance: 'npg', lambda, inner: { steps: 1, lr: 1 } }), 4).theta;
    const g = st.gradient.map((x) => x * (1 - cfg.gamma));
    let theta = phi.slice();
    for (let k = 0; k < 20000; k++) {
      const step = new Float64Array(64);
      for (let s = 0; s < 16; s++) {
        const o = s * 4, d = [0, 1, 2, 3].map((a) => theta[o + a] - phi[o + a]);
        const pd = [0, 1, 2, 3].reduce((t, a) => t + st.pi[o + a] * d[a], 0);
        for (let a = 0; a < 4; a++) step[o + a] = g[o + a] - lambda * st.nu[s] * st.pi[o + a] * (d[a] - pd); // F_s d = pi (d - pi.d)
      }
      theta = theta.map((x, j) => x + 2 * step[j]);
    }
    // equal as policies (softmax rows are shift invariant); states with tiny nu converge slowly, so compare weighted
    const a = centerRows(theta), b = centerRows(closed);
    for (let s = 0; s < 16; s++) for (let k = 0; k < 4; k++) assert.ok(st.nu[s] * Math.abs(a[s * 4 + k] - b[s * 4 + k]) < 1e-6, `state ${s}`);
  });

  it('the KL case\'s closed form is the argmax: zero gradient, and no perturbation does better', () => {
    const lambda = 0.7, cfgKl: AlgConfig = boMrlConfig({ distance: 'kl', lambda, inner: { steps: 0, lr: 1 } });
    const theta = adapt(phi, st, cfgKl, 4).theta;
    const objective = (t: Float64Array, s: number) => {
      const p = tableProbs(t.subarray(s * 4, s * 4 + 4));
      let v = 0;
      for (let a = 0; a < 4; a++) v += p[a] * st.Q[s * 4 + a] - lambda * st.pi[s * 4 + a] * Math.log(st.pi[s * 4 + a] / p[a]);
      return v;
    };
    const rng = new Rng(5);
    for (let s = 0; s < 16; s++) {
      const p = tableProbs(theta.subarray(s * 4, s * 4 + 4));
      let V = 0;
      for (let a = 0; a < 4; a++) V += p[a] * st.Q[s * 4 + a];
      for (let a = 0; a < 4; a++) assert.ok(Math.abs(p[a] * (st.Q[s * 4 + a] - V) + lambda * (st.pi[s * 4 + a] - p[a])) < 1e-12, `gradient at state ${s}`);
      for (let k = 0; k < 20; k++) {
        const t = theta.slice();
        for (let a = 0; a < 4; a++) t[s * 4 + a] += 0.05 * rng.normal();
        assert.ok(objective(t, s) <= objective(theta, s) + 1e-12);
      }
    }
  });

  it('the KL case\'s inner gradient steps (the paper\'s solver) reach the closed-form argmax', () => {
    const lambda = 0.7;
    const steps = adapt(phi, st, boMrlConfig({ distance: 'kl', lambda, inner: { steps: 3000, lr: 1 } }), 4);
    const exact = adapt(phi, st, boMrlConfig({ distance: 'kl', lambda, inner: { steps: 0, lr: 1 } }), 4);
    assertClose(tableProbs(steps.theta), tableProbs(exact.theta), 1e-8, 'inner steps vs closed form');
    assert.ok(steps.residual < 1e-9);
  });

  it('rejects lambda <= 0 and unknown distances, naming the field', () => {
    assert.throws(() => boMrlConfig({ lambda: 0 }), /bo-mrl config: "lambda" must be a finite number > 0, got 0/);
    assert.throws(() => boMrlConfig({ lambda: -1 }), /"lambda" must be a finite number > 0, got -1/);
    assert.throws(() => boMrlConfig({ distance: 'l1' as never }), /"distance" must be one of "kl", "npg", "pg", got "l1"/);
    assert.throws(() => boMrlConfig({ inner: { steps: -1 } }), /"inner.steps" must be an integer >= 0, got -1/);
  });
});

describe('BO-MRL meta-gradient by implicit differentiation', () => {
  const maps: LakeMdp[] = [lakeMdp(MAP, cfg), lakeMdp(['SFFF', 'FFFF', 'FPFP', 'FFPG'], cfg)];
  const phi = randomTable(16, 4, new Rng(9), 0.8);
  const cases: AlgConfig[] = [
    boMrlConfig({ distance: 'kl', lambda: 1.5, inner: { steps: 0, lr: 1 } }),
    boMrlConfig({ distance: 'npg', lambda: 3, inner: { steps: 1, lr: 1 } }),
    boMrlConfig({ distance: 'pg', lambda: 0.2, inner: { steps: 1, lr: 1 } }),
  ];
  for (const c of cases) {
    it(`equals finite differences of J(Alg(pi_phi)) for the ${c.distance} distance`, () => {
      for (const m of maps) {
        const mg = metaGradient(m, phi, c, exactEstimator);
        const f = (p: Float64Array) => exactEstimator(m, adapt(p, exactEstimator(m, p), c, 4).theta).J;
        assertClose(mg.grad, numericGrad(f, phi), 2e-6, `${c.distance} meta-gradient`);
        assert.ok(mg.after > mg.before, 'one adaptation step improves J');
      }
    });
  }

  it('MAML\'s exact meta-gradient equals finite differences of J(phi + alpha grad J)', () => {
    const m = maps[0], alpha = 0.7;
    const mg = mamlMetaGradient(m, phi, alpha, exactEstimator);
    const f = (p: Float64Array) => exactEstimator(m, pgStep(p, exactEstimator(m, p).gradient, alpha)).J;
    assertClose(mg.grad, numericGrad(f, phi), 1e-6, 'MAML meta-gradient');
  });

  it('the sampled meta-gradient approaches the exact one with many episodes', () => {
    const m = maps[0], c: AlgConfig = boMrlConfig({ distance: 'kl', lambda: 1.5, inner: { steps: 0, lr: 1 } });
    const exact = metaGradient(m, phi, c, exactEstimator).grad;
    const sampled = metaGradient(m, phi, c, sampledEstimator(20000, cfg.horizon, new Rng(4))).grad;
    const dot = exact.reduce((s, x, k) => s + x * sampled[k], 0);
    const cos = dot / Math.sqrt(exact.reduce((s, x) => s + x * x, 0) * sampled.reduce((s, x) => s + x * x, 0));
    assert.ok(cos > 0.95, `cosine ${cos}`);
  });

  it('meta-training raises the mean return after adaptation on the training tasks', () => {
    const c = boMrlConfig({ lambda: 1 });
    let s = boMrlInit(randomTable(16, 4, new Rng(1), 0.01));
    const first = boMrlStep(s, maps, c, exactEstimator);
    s = first.state;
    let last = first;
    for (let t = 0; t < 30; t++) s = (last = boMrlStep(s, maps, c, exactEstimator)).state;
    assert.ok(last.info.after > first.info.after + 0.1, `${first.info.after} -> ${last.info.after}`);
  });

  it('rejects a non-positive MAML step size, naming the field', () => {
    assert.throws(() => tabularMamlConfig({ alpha: 0 }), /tabular maml config: "alpha" must be a finite number > 0, got 0/);
  });
});

describe('BO-MRL theory: optimum, task variance', () => {
  const a = lakeMdp(MAP, cfg), b = lakeMdp(['SFFF', 'FFFF', 'FFFF', 'FFFG'], cfg), c = lakeMdp(['SFFH', 'FFFF', 'HFFF', 'FFFG'], cfg);

  it('L2 variance is 0 for identical tasks and positive for different optima', () => {
    assert.strictEqual(l2TaskVariance(taskOptima([a, a, a], 5)), 0);
    assert.ok(l2TaskVariance(taskOptima([a, b, c], 5)) > 0);
  });

  it('the KL spread has the exact gradient, and its minimum is near 0 for identical tasks and larger for different ones', () => {
    const opt = taskOptima([a, b, c], 5), theta = randomTable(16, 4, new Rng(2), 1);
    assertClose(klSpread([a, b, c], opt, theta).grad, numericGrad((t) => klSpread([a, b, c], opt, t).value, theta), 1e-6, 'KL spread gradient');
    const same = klTaskVariance([a, a], taskOptima([a, a], 5), { steps: 200 }).value;
    const diff = klTaskVariance([a, b, c], opt, { steps: 200 }).value;
    assert.ok(same < 1e-3 && diff > same, `${same} vs ${diff}`);
  });
});
