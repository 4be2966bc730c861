import * as assert from 'assert';
import { jensenShannon } from '../lib/divergence/jensen';
import { equivalenceConfig, equivalenceMetric, equivalenceMetricMatrix } from '../lib/divergence/equivalence-metric';
import { decisionStates, trajectoryDivergence, trajectoryDivergenceMatrix, policyMetric, policyMetricMatrix, sampleStates, stateSampleConfig } from '../lib/divergence/policy-metrics';
import { dormantUnitVariant, metricAxiomViolations } from '../lib/divergence/metric-checks';
import { gaussianJensenShannonMc, gaussianJsBounds, gaussianKl, gaussianLogDensity, gaussianSample, gaussianSymmetricKl, jsAndBounds, jsBoundHalfS, jsBoundLog } from '../lib/divergence/js-bounds';
import { dynamics, EntityType, particleConfig } from '../lib/envs/particle';
import { actionProbs, constantPolicy, homingPolicy, initConfig, initParams, PAPER_POLICY } from '../lib/policies/softmax-mlp';
import { Rng } from '../lib/core/rng';
import { rolloutOne, TrajectoryBatch } from '../lib/policies/rollout';
import { tf } from '../lib/core/tf';

/** A batch whose rows visit the given states (each row: its decision states, then a final state). */
function handBatch(rows: number[][][]): TrajectoryBatch {
  const B = rows.length, T = Math.max(...rows.map((r) => r.length));
  const states = new Float32Array(B * (T + 1) * 2), mask = new Uint8Array(B * T), lengths = new Int32Array(B);
  rows.forEach((r, b) => {
    for (let t = 0; t <= T; t++) {
      const s = r[Math.min(t, r.length - 1)];
      states[(b * (T + 1) + t) * 2] = s[0];
      states[(b * (T + 1) + t) * 2 + 1] = s[1];
    }
    for (let t = 0; t < r.length - 1; t++) mask[b * T + t] = 1;
    lengths[b] = r.length - 1;
  });
  return {
    B, T, states, mask, lengths, actions: new Uint8Array(B * T), rewards: new Float32Array(B * T),
    typeOf: new Int32Array(B), policyOf: new Int32Array(B),
  };
}

/** A random distribution over A outcomes, sometimes sharply peaked. */
function randomDist(A: number, rng: Rng): Float64Array {
  const sharp = rng.random() < 0.3 ? 8 : 1;
  const p = new Float64Array(A).map(() => Math.pow(rng.random(), sharp) + 1e-12);
  const s = p.reduce((a, b) => a + b, 0);
  return p.map((x) => x / s);
}

describe('policy metrics (paper 001, Sec. IV)', () => {
  const spec = PAPER_POLICY;

  describe('J, S and the two bounds', () => {
    it('match hand-computed values for p = (1/2, 1/2), q = (1/4, 3/4)', () => {
      const b = jsAndBounds([0.5, 0.5], [0.25, 0.75]);
      // KL(p||q) = 1/2 ln(4/3), KL(q||p) = 3/4 ln 3 - ln 2, so S = ln(3)/8.
      const S = Math.log(3) / 8;
      // m = (3/8, 5/8): J = 1/2 [1/2 ln(16/15) + 1/4 ln(2/3) + 3/4 ln(6/5)]
      const J = 0.5 * (0.5 * Math.log(16 / 15) + 0.25 * Math.log(2 / 3) + 0.75 * Math.log(6 / 5));
      assert.ok(Math.abs(b.symKl - S) < 1e-14, `S = ${b.symKl}`);
      assert.ok(Math.abs(b.js - J) < 1e-14, `J = ${b.js}`);
      assert.ok(Math.abs(b.boundHalfS - Math.log(3) / 16) < 1e-14);
      assert.ok(Math.abs(b.boundLog - Math.log(2 / (1 + Math.pow(3, -1 / 8)))) < 1e-14);
      assert.ok(b.js < b.boundLog && b.boundLog < b.boundHalfS);
    });

    it('give S = infinity and the log bound ln 2 when supports differ', () => {
      const b = jsAndBounds([0.5, 0.5], [1, 0]);
      assert.strictEqual(b.symKl, Infinity);
      assert.strictEqual(b.boundHalfS, Infinity);
      assert.ok(Math.abs(b.boundLog - Math.LN2) < 1e-15);
      assert.ok(Math.abs(b.js - 0.75 * Math.log(4 / 3)) < 1e-14);
      // Disjoint supports: J attains ln 2, the log bound is tight.
      assert.ok(Math.abs(jsAndBounds([1, 0], [0, 1]).js - Math.LN2) < 1e-15);
    });

    it('the log bound is accurate for tiny S (S/2 - S^2/8) and rejects negative S', () => {
      const S = 1e-9;
      assert.ok(Math.abs(jsBoundLog(S) - (S / 2 - (S * S) / 8)) < 1e-24);
      assert.throws(() => jsBoundLog(-1), /must be >= 0/);
      assert.throws(() => jsBoundHalfS(NaN), /must be >= 0/);
    });

    it('both bounds hold on 2000 random distribution pairs, and ln(2/(1+e^-S)) is the tighter', () => {
      const rng = new Rng(7);
      let gapLog = 0, gapHalf = 0;
      for (let k = 0; k < 2000; k++) {
        const A = 2 + rng.int(5);
        const b = jsAndBounds(randomDist(A, rng), randomDist(A, rng));
        assert.ok(b.js <= b.boundLog * (1 + 1e-12) + 1e-15, `J ${b.js} > log bound ${b.boundLog} (S ${b.symKl})`);
        assert.ok(b.boundLog <= b.boundHalfS * (1 + 1e-12), `log bound ${b.boundLog} > S/2 ${b.boundHalfS}`);
        gapLog += b.boundLog - b.js;
        gapHalf += b.boundHalfS - b.js;
      }
      assert.ok(gapLog < gapHalf, `mean slack: log bound ${gapLog / 2000}, S/2 ${gapHalf / 2000}`);
    });
  });

  describe('diagonal Gaussians', () => {
    const p = { mean: [0.3, -1, 2], std: [1, 0.5, 2] };
    const q = { mean: [-0.2, -0.5, 1.5], std: [1.5, 0.7, 1.2] };

    it('KL and S match hand values in 1-D', () => {
      assert.ok(Math.abs(gaussianKl({ mean: [0], std: [1] }, { mean: [1], std: [1] }) - 0.5) < 1e-15);
      assert.ok(Math.abs(gaussianKl({ mean: [0], std: [1] }, { mean: [0], std: [2] }) - (Math.LN2 + 1 / 8 - 0.5)) < 1e-15);
      // S(N(0,1), N(0,2)) = (1/16 + 4/4 - 1) ... per formula: 1/(4*4) + 4/(4*1) - 1/2
      assert.ok(Math.abs(gaussianSymmetricKl({ mean: [0], std: [1] }, { mean: [0], std: [2] }) - (1 / 16 + 1 - 0.5)) < 1e-15);
      assert.strictEqual(gaussianKl(p, p), 0);
    });

    it('closed-form KL and S match Monte Carlo estimates (seeded)', () => {
      const rng = new Rng(11), n = 40000;
      const mc = (a: typeof p, b: typeof p) => {
        let s = 0, s2 = 0;
        for (let k = 0; k < n; k++) {
          const x = gaussianSample(a, rng);
          const z = gaussianLogDensity(a, x) - gaussianLogDensity(b, x);
          s += z;
          s2 += z * z;
        }
        const m = s / n;
        return { m, se: Math.sqrt((s2 / n - m * m) / n) };
      };
      const pq = mc(p, q), qp = mc(q, p);
      const klPq = gaussianKl(p, q), klQp = gaussianKl(q, p);
      assert.ok(Math.abs(pq.m - klPq) < 4 * pq.se, `KL(p||q): MC ${pq.m} +- ${pq.se}, closed ${klPq}`);
      assert.ok(Math.abs(qp.m - klQp) < 4 * qp.se, `KL(q||p): MC ${qp.m} +- ${qp.se}, closed ${klQp}`);
      assert.ok(Math.abs(gaussianSymmetricKl(p, q) - (klPq + klQp) / 2) < 1e-12);
    });

    it('the closed-form bounds hold against a Monte Carlo J, and J of a Gaussian with itself is 0', () => {
      const rng = new Rng(12);
      const js = gaussianJensenShannonMc(p, q, 20000, rng);
      const b = gaussianJsBounds(p, q);
      assert.ok(js.js > 0 && js.js < Math.LN2);
      assert.ok(js.js - 4 * js.stderr <= b.boundLog && b.boundLog < b.boundHalfS, `J ${js.js} +- ${js.stderr}, bounds ${b.boundLog}, ${b.boundHalfS}`);
      // Near-identical Gaussians: both bounds approach J from above.
      const q2 = { mean: [0.35, -1, 2], std: [1, 0.52, 2] };
      const near = gaussianJensenShannonMc(p, q2, 20000, rng), nb = gaussianJsBounds(p, q2);
      assert.ok(near.js - 4 * near.stderr <= nb.boundLog, `J ${near.js} +- ${near.stderr}, bound ${nb.boundLog}`);
      assert.strictEqual(gaussianJensenShannonMc(p, p, 100, rng).js, 0);
    });

    it('rejects non-positive standard deviations and mismatched dimensions', () => {
      assert.throws(() => gaussianKl({ mean: [0], std: [0] }, { mean: [0], std: [1] }), /p\.std\[0\] must be a positive finite number, got 0/);
      assert.throws(() => gaussianSymmetricKl({ mean: [0, 1], std: [1, 1] }, { mean: [0], std: [1] }), /dimensions differ/);
    });
  });

  describe('d_P (Def. 2)', () => {
    const states = sampleStates(stateSampleConfig({ n: 256 }), new Rng(1));
    const thetas = Array.from({ length: 12 }, (_, i) => initParams(spec, new Rng(100 + i), initConfig({ outputScale: 3 })));

    it('samples q_S uniformly on the configured box', () => {
      const s = sampleStates(stateSampleConfig({ n: 500, lo: [-1, 0], hi: [2, 0.5] }), new Rng(2));
      assert.strictEqual(s.length, 1000);
      for (let k = 0; k < 500; k++) assert.ok(s[2 * k] >= -1 && s[2 * k] < 2 && s[2 * k + 1] >= 0 && s[2 * k + 1] < 0.5);
      assert.throws(() => stateSampleConfig({ n: 0 }), /state sample config: "n" must be an integer > 0, got 0/);
      assert.throws(() => stateSampleConfig({ lo: [3, 3] }), /"hi" must exceed "lo"/);
    });

    it('equals the mean of sqrt J over the states (reference loop)', () => {
      const d = policyMetric(thetas[0], thetas[1], states, spec);
      const pa = actionProbs(thetas[0], states, spec), pb = actionProbs(thetas[1], states, spec);
      let ref = 0;
      for (let k = 0; k < 256; k++) ref += Math.sqrt(jensenShannon(pa.subarray(4 * k, 4 * k + 4), pb.subarray(4 * k, 4 * k + 4)));
      assert.ok(Math.abs(d - ref / 256) < 1e-5, `${d} vs ${ref / 256}`);
    });

    it('is symmetric, zero for identical policies and positive for different ones', () => {
      const ab = policyMetric(thetas[2], thetas[3], states, spec), ba = policyMetric(thetas[3], thetas[2], states, spec);
      assert.ok(Math.abs(ab - ba) < 1e-12, `${ab} vs ${ba}`);
      assert.strictEqual(policyMetric(thetas[4], thetas[4].slice(), states, spec), 0);
      assert.ok(ab > 0.01);
    });

    it('obeys the triangle inequality on random triples, and the matrix passes every axiom check', () => {
      const D = policyMetricMatrix(thetas, states, spec);
      const rng = new Rng(3);
      for (let k = 0; k < 200; k++) {
        const [i, j, l] = [rng.int(12), rng.int(12), rng.int(12)];
        assert.ok(D[i * 12 + l] <= D[i * 12 + j] + D[j * 12 + l] + 1e-9, `triple ${i},${j},${l}`);
      }
      const v = metricAxiomViolations(D, 12);
      assert.strictEqual(v.triangleChecked, 12 * 11 * 10);
      assert.strictEqual(v.triangleViolations, 0);
      assert.ok(v.maxTriangleExcess < 0);
      assert.strictEqual(v.maxDiagonal, 0);
      assert.strictEqual(v.maxAsymmetry, 0);
      assert.strictEqual(v.zeroOffDiagonal, 0);
      assert.ok(Math.abs(D[5 * 12 + 7] - policyMetric(thetas[5], thetas[7], states, spec)) < 1e-6);
    });

    it('leaks no tfjs tensors', () => {
      policyMetricMatrix(thetas.slice(0, 3), states, spec);
      const before = tf.memory().numTensors;
      for (let k = 0; k < 5; k++) policyMetricMatrix(thetas.slice(0, 3), states, spec);
      assert.strictEqual(tf.memory().numTensors, before);
    });
  });

  describe('axiom violations', () => {
    it('finds a planted triangle violation, asymmetry, a non-zero diagonal and a zero distance', () => {
      const D = [
        0, 1, 5,
        1, 0.5, 1,
        5, 1.25, 0,
      ];
      const v = metricAxiomViolations(D, 3);
      assert.strictEqual(v.maxDiagonal, 0.5);
      assert.strictEqual(v.maxAsymmetry, 0.25);
      // 5 > 1 + 1 (i=0,j=1,k=2): excess 3; 5 > 1.25 + 1 (i=2,j=1,k=0): excess 2.75.
      assert.strictEqual(v.triangleChecked, 6);
      assert.strictEqual(v.triangleViolations, 2);
      assert.strictEqual(v.maxTriangleExcess, 3);
      assert.deepStrictEqual(v.worstTriple, [0, 1, 2]);
      assert.strictEqual(v.maxRelativeExcess, 3 / 5);
      assert.strictEqual(metricAxiomViolations([0, 0, 0, 0], 2).zeroOffDiagonal, 2);
    });
  });

  describe('P (Def. 4) and d_E (Def. 3)', () => {
    // Identity controls with sideways drift and noise: continuous states, one MDP.
    const noisy: EntityType = { id: 0, latent: 0, variant: 0, perm: [0, 1, 2, 3], drift: [0.2, -0.1, 0.3, 0], spread: [0.3, 0.2, 0.1, 0.4] };
    const dyn = dynamics([noisy], particleConfig());
    const homing = homingPolicy(spec, [1, 1], 20);
    // The same policy plus a unit that fires only left of x = -0.5 and there pushes left:
    // a homing particle never goes there, so the pair is equivalent but unequal.
    const variant = dormantUnitVariant(homing, spec, { unit: 67, w: [-1, 0], b: -0.5, logits: [400, -400, 0, 0] });
    const elsewhere = homingPolicy(spec, [1, 0.2], 20);

    it('builds an unequal variant that agrees wherever its extra unit is silent', () => {
      const probe = new Float32Array([0, 0, 1, 1, -0.4, 0.3, -1, 0, -2, 1]);
      const a = actionProbs(homing, probe, spec), b = actionProbs(variant, probe, spec);
      assert.deepStrictEqual(Array.from(a.subarray(0, 12)), Array.from(b.subarray(0, 12)));
      assert.ok(b[12] > 0.99 && b[16] > 0.99, `left at x = -1, -2: ${b[12]}, ${b[16]}`);
      assert.throws(() => dormantUnitVariant(homing, spec, { unit: 0, w: [1, 0], b: 0, logits: [1, 0, 0, 0] }), /hidden unit 0 is used by theta/);
    });

    it('P = 0 and d_E = 0 on the equivalent-but-unequal pair, while d_P > 0', () => {
      const rng = new Rng(21);
      const ba = rolloutOne(homing, [0], 16, dyn, spec, rng.split()), bb = rolloutOne(variant, [0], 16, dyn, spec, rng.split());
      const P = trajectoryDivergence(homing, variant, ba, bb, spec);
      assert.strictEqual(P.P, 0);
      const dE = equivalenceMetric(homing, variant, ba, bb, spec);
      assert.strictEqual(dE.dE, 0);
      assert.ok(dE.shared > 100, `shared states ${dE.shared}`);
      const dP = policyMetric(homing, variant, sampleStates(stateSampleConfig(), new Rng(22)), spec);
      assert.ok(dP > 0.05, `d_P ${dP}`);
    });

    it('P > 0 and d_E > 0 on a non-equivalent pair', () => {
      const rng = new Rng(23);
      const ba = rolloutOne(homing, [0], 16, dyn, spec, rng.split()), bc = rolloutOne(elsewhere, [0], 16, dyn, spec, rng.split());
      const P = trajectoryDivergence(homing, elsewhere, ba, bc, spec);
      assert.ok(P.fromA > 1 && P.fromB > 1, `P halves ${P.fromA}, ${P.fromB}`);
      assert.ok(Math.abs(P.P - P.fromA - P.fromB) < 1e-12);
      assert.ok(equivalenceMetric(homing, elsewhere, ba, bc, spec).dE > 0.05);
    });

    it('P of two constant policies is sqrt J times the summed mean episode lengths (hand-checkable)', () => {
      const p = [0, Math.log(3), 0, 0], q = [Math.log(2), 0, 0, 0];
      const a = constantPolicy(spec, p), b = constantPolicy(spec, q);
      // A's rows take 3 and 1 steps (mean 2); B's row takes 4 steps.
      const ba = handBatch([[[0, 0], [1, 0], [2, 0], [3, 0]], [[0, 0], [0, 1]]]);
      const bb = handBatch([[[0, 0], [1, 1], [2, 2], [3, 3], [4, 4]]]);
      const sj = Math.sqrt(jensenShannon([1 / 6, 3 / 6, 1 / 6, 1 / 6], [2 / 5, 1 / 5, 1 / 5, 1 / 5]));
      const P = trajectoryDivergence(a, b, ba, bb, spec);
      assert.ok(Math.abs(P.fromA - 2 * sj) < 1e-6 && Math.abs(P.fromB - 4 * sj) < 1e-6, `${P.fromA}, ${P.fromB} vs ${sj}`);
      const M = trajectoryDivergenceMatrix([a, b], [ba, bb], spec);
      assert.deepStrictEqual(Array.from(M), [0, P.P, P.P, 0]);
      // d_E of constant policies is sqrt J on any shared set.
      assert.ok(Math.abs(equivalenceMetric(a, b, ba, bb, spec).dE - sj) < 1e-6);
    });

    it('d_E counts exactly the states of each policy that lie within the radius of the other\'s', () => {
      const a = constantPolicy(spec, [0, 1, 0, 0]), b = constantPolicy(spec, [1, 0, 0, 0]);
      // Decision states: A (0,0),(1,0),(2,0); B (0,0),(0.05,0.99),(2.2,0). With r = 0.1:
      // A's (0,0) and B's (0,0) are shared, (1,0) is within 0.1 of B's (0.05, 0.99)? no (0.99 away).
      const ba = handBatch([[[0, 0], [1, 0], [2, 0], [9, 9]]]);
      const bb = handBatch([[[0, 0], [0.05, 0.99], [2.2, 0], [9, 9]]]);
      const r01 = equivalenceMetric(a, b, ba, bb, spec, equivalenceConfig({ radius: 0.1 }));
      assert.deepStrictEqual([r01.shared, r01.sharedFromA, r01.nA, r01.nB], [2, 1, 3, 3]);
      // r = 0.25 also pairs (2,0) with (2.2,0).
      const r25 = equivalenceMetric(a, b, ba, bb, spec, equivalenceConfig({ radius: 0.25 }));
      assert.deepStrictEqual([r25.shared, r25.sharedFromA], [4, 2]);
      assert.deepStrictEqual(Array.from(decisionStates(ba).row), [0, 0, 0]);
      assert.throws(() => equivalenceConfig({ radius: 0 }), /equivalence metric config: "radius" must be a finite number > 0, got 0/);
    });

    it('the d_E and P matrices agree with the pairwise functions', () => {
      const rng = new Rng(24);
      const pols = [homing, variant, elsewhere];
      const batches = pols.map((t) => rolloutOne(t, [0], 6, dyn, spec, rng.split()));
      const { D, shared } = equivalenceMetricMatrix(pols, batches, spec);
      const P = trajectoryDivergenceMatrix(pols, batches, spec);
      for (const [i, j] of [[0, 1], [0, 2], [1, 2]]) {
        const e = equivalenceMetric(pols[i], pols[j], batches[i], batches[j], spec);
        assert.ok(Math.abs(D[i * 3 + j] - e.dE) < 1e-9 && shared[i * 3 + j] === e.shared);
        assert.ok(Math.abs(P[i * 3 + j] - trajectoryDivergence(pols[i], pols[j], batches[i], batches[j], spec).P) < 1e-9);
      }
      assert.deepStrictEqual([D[0], D[4], D[8], P[0], P[4], P[8]], [0, 0, 0, 0, 0, 0]);
    });
  });
});
